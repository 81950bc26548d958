from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstatesConfig(AppConfig):
    name = "anju.estates"
    label = "estates"
    verbose_name = _("Base data")
