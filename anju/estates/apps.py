from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstatesConfig(AppConfig):
    name = "anju.estates"
    label = "estates"
    verbose_name = _("Base data")

    def ready(self):
        # Models load only once the app registry is ready, hence the import here (estates → estates).
        from anju.estates import selectors
        from anju.org import access

        # Org's data scope asks estates which projects a user is a member of (org never imports estates).
        access.register_project_provider(
            access.ProjectProvider(project_ids=selectors.project_ids_for, describe=selectors.project_rows)
        )
