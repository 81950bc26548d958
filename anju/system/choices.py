from django.db import models
from django.utils.translation import gettext_lazy as _


class ParameterType(models.TextChoices):
    STRING = "string", _("Text")
    INTEGER = "integer", _("Integer")
    BOOLEAN = "boolean", _("Yes/No")
    CHOICE = "choice", _("Choice")
