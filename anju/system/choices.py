from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.core.choices import LogAction  # noqa: F401  moved to core; re-exported while other branches land


class ParameterType(models.TextChoices):
    STRING = "string", _("Text")
    INTEGER = "integer", _("Integer")
    BOOLEAN = "boolean", _("Yes/No")
    CHOICE = "choice", _("Choice")
