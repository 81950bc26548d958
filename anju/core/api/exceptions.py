"""Every refusal becomes a 4xx with field errors; business-rule and conflict errors included."""

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from anju.core.api.parsers import too_large
from anju.core.services import ConflictError, ServiceValidationError


def _field_errors(exc) -> dict:
    if hasattr(exc, "message_dict"):
        return {
            ("non_field_errors" if k == "__all__" else k): [str(m) for m in v]
            for k, v in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in getattr(exc, "messages", [str(exc)])]}


def exception_handler(exc, context):
    if isinstance(exc, ServiceValidationError | DjangoValidationError):
        return Response(_field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ConflictError):
        return Response({"detail": str(exc), "code": "conflict"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, IntegrityError):
        return Response(
            {
                "non_field_errors": [
                    _("This record conflicts with an existing one (a duplicate code or name?).")
                ]
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, RequestDataTooBig):
        exc = too_large()
    if isinstance(exc, ObjectDoesNotExist):
        # A row a service re-reads (to lock it) vanished since the view found it: gone, not a 500.
        exc = NotFound()
    return drf_exception_handler(exc, context)
