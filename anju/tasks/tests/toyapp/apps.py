from django.apps import AppConfig


class ToyAppConfig(AppConfig):
    """A task source that exists only for tests (installed when settings.TESTING): it proves a context
    can plug into the task engine without a line changed in anju.tasks."""

    name = "anju.tasks.tests.toyapp"
    label = "toyapp"
    verbose_name = "Toy task source (tests only)"
