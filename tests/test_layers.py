"""The contexts' layering holds without hiding anything (issue 10 item 2).

`lint-imports` (pyproject.toml, run by scripts/test.sh) enforces the order scale > service : tasks >
customers > estates > system > org > core over every import, function-level ones included, and that no
two modules of one context import each other (directly or round a loop). This test
keeps the lower contexts honest about *how* they import: an `import anju…` placed inside a function is
how a cycle used to be hidden, so the lower contexts have none, except the few listed below, each for
a reason that is not a cycle between contexts.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOWER_CONTEXTS = ("core", "org", "system", "estates", "customers")

# (path relative to the repository, function name): why the import must wait until called.
ALLOWED: dict[tuple[str, str], str] = {}


def _allowed(rel: str, function: str) -> bool:
    if "/tests/" in rel or "/migrations/" in rel:
        return True  # tests and migrations are not part of the layering
    if rel in ("anju/core/testing.py", "anju/core/testing_scoped.py"):
        return True  # shared test factories build whole worlds across contexts
    if rel.endswith("/apps.py") and function == "ready":
        return True  # Django: a context's models can be imported only once the registry is ready
    return (rel, function) in ALLOWED


def _function_level_imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, function, module) of every `import anju…` inside a function or method of `path`."""
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = function or child.name
            if function is not None and isinstance(child, ast.Import | ast.ImportFrom):
                modules = (
                    [alias.name for alias in child.names]
                    if isinstance(child, ast.Import)
                    else [child.module or ""]
                )
                found.extend((child.lineno, function, m) for m in modules if m.split(".")[0] == "anju")
            visit(child, name)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), None)
    return found


def offenders(root: Path = ROOT, contexts=LOWER_CONTEXTS) -> list[str]:
    result = []
    for context in contexts:
        for path in sorted((root / "anju" / context).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            for line, function, module in _function_level_imports(path):
                if not _allowed(rel, function):
                    result.append(f"{rel}:{line} {function}() imports {module}")
    return result


def test_lower_contexts_import_at_module_level():
    assert offenders() == [], (
        "Import other modules at the top of the file; an import inside a function hides a cycle "
        "from lint-imports' eyes only in intent, not in effect. Offenders:\n" + "\n".join(offenders())
    )


def test_the_check_sees_a_hidden_import(tmp_path):
    """The checker flags a function-level import (so the test above can fail), and spares a module-level
    one, the allowed places and imports of other packages."""
    (tmp_path / "anju" / "org" / "tests").mkdir(parents=True)
    (tmp_path / "anju" / "org" / "probe.py").write_text(
        "from anju.core import scoping\n\n\nclass C:\n    def m(self):\n        import json\n\n"
        "        def inner():\n            from anju.estates import selectors\n\n"
        "            return selectors, scoping, json\n\n        return inner\n",
        encoding="utf-8",
    )
    (tmp_path / "anju" / "org" / "apps.py").write_text(
        "def ready():\n    from anju.org import access\n", encoding="utf-8"
    )
    (tmp_path / "anju" / "org" / "tests" / "test_x.py").write_text(
        "def test():\n    from anju.estates import models\n", encoding="utf-8"
    )
    assert offenders(tmp_path, ("org",)) == ["anju/org/probe.py:9 m() imports anju.estates"]


def test_layers_contract_is_kept():
    """lint-imports (import-linter, pinned in requirements-dev.lock) accepts the code as it is."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
