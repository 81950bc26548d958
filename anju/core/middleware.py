from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.html import escape

from anju.core import context
from anju.core.parsing import NUL, nul_message, querydict_field_with_nul

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.set_current(context.from_request(request))
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


class RefuseNulMiddleware:
    """No NUL character in the path, the query string or a posted form (staff pages and API alike):
    a 400 naming the field, translated. The API's parsers apply the same rule to JSON bodies and to
    forms sent with PUT/PATCH (anju.core.api.parsers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._field_with_nul(request)
        if field is not None:
            return self.refusal(request, field)
        return self.get_response(request)

    @staticmethod
    def _field_with_nul(request) -> str | None:
        if NUL in request.path_info:
            return "path"
        field = querydict_field_with_nul(request.GET)
        if field is None and request.method == "POST" and request.content_type in FORM_TYPES:
            try:
                field = querydict_field_with_nul(request.POST)
            except (MultiPartParserError, SuspiciousOperation, OSError):
                return None  # a malformed, oversized or interrupted body: Django's own 400 follows
        return field

    @staticmethod
    def refusal(request, field: str):
        message = nul_message()
        if is_api(request):
            return JsonResponse({field or "non_field_errors": [message]}, status=400)
        label = f"{escape(field)}: " if field else ""
        return HttpResponseBadRequest(
            f"<!doctype html><title>400</title><p>{label}{escape(message)}</p>",
            content_type="text/html; charset=utf-8",
        )
