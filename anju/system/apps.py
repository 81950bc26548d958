from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SystemConfig(AppConfig):
    name = "anju.system"
    label = "system"
    verbose_name = _("System settings")

    def ready(self):
        from anju.system import login_log  # noqa: F401 - connects the login-log receivers
