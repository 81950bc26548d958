"""Every table belongs to one data-clearing category: the toy findings are cleared before the tasks
they point at (the service category, order 5)."""

from anju.system.clearing import register_category

register_category("toy", "Toy findings (tests only)", [("toyapp.Finding", "task__project__company")], order=4)
