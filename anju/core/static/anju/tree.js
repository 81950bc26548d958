// Fold and unfold the sub-units of an indented tree list (organisation units).
(function () {
  function rowsBelow(node) {
    var path = node.dataset.path;
    var rows = [];
    document.querySelectorAll(".anju-tree-node").forEach(function (other) {
      if (other !== node && other.dataset.path.indexOf(path) === 0) rows.push(other.closest("tr"));
    });
    return rows;
  }
  function toggle(node) {
    var toggleEl = node.querySelector(".anju-tree-toggle");
    var collapse = toggleEl.textContent === "▾";
    toggleEl.textContent = collapse ? "▸" : "▾";
    rowsBelow(node).forEach(function (row) {
      row.style.display = collapse ? "none" : "";
      var inner = row.querySelector(".anju-tree-toggle");
      if (inner && !collapse) inner.textContent = "▾";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".anju-tree-node").forEach(function (node) {
      var toggleEl = node.querySelector(".anju-tree-toggle");
      if (rowsBelow(node).length === 0) {
        toggleEl.style.visibility = "hidden";
        return;
      }
      toggleEl.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        toggle(node);
      });
      toggleEl.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          toggle(node);
        }
      });
    });
  });
})();
