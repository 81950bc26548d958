from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "anju.org"
    label = "org"
    verbose_name = _("Organisation and permissions")

    def ready(self):
        # org.access reads org's models: importable only once the registry is ready.
        from anju.core import scoping
        from anju.org import access

        # Core's screens and API views ask anju.core.scoping; org answers (core never imports org).
        scoping.install(scoped=access.scoped, has_point=access.has_point)
