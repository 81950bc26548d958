from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "anju.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from anju.core import registry
        from anju.core.api import fields

        fields.install()
        registry.autodiscover()
