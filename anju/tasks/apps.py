from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "anju.tasks"
    label = "tasks"
    verbose_name = _("Task engine")

    def ready(self):
        from anju.tasks import sources

        sources.autodiscover()  # every context's task_sources.py registers its sources
