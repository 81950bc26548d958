"""Request body parsers of every API: bounded size and nesting, no NUL characters in text.

DRF's parsers read the whole body with no limit (Django's DATA_UPLOAD_MAX_MEMORY_SIZE only guards
``request.body``), and its JSON parser lets a RecursionError through: ``[`` × 5000 was a 500 on every
JSON endpoint, the unauthenticated token endpoint included."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.settings import api_settings

from anju.core.parsing import MAX_JSON_DEPTH, json_problem, nul_message, querydict_field_with_nul


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def max_body_bytes() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 10 * 1024 * 1024


def too_large() -> RequestTooLarge:
    return RequestTooLarge(
        _("The request body is larger than %(size)s MB.") % {"size": round(max_body_bytes() / 1024 / 1024, 1)}
    )


def read_bounded(stream) -> bytes:
    if stream is None:
        return b""
    limit = max_body_bytes()
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise too_large()
    return raw


def refuse_nul_in(data) -> None:
    field = querydict_field_with_nul(data)
    if field is not None:
        raise ValidationError({field or "non_field_errors": [nul_message()]})


def _strict_constant(name):
    raise ValueError(f"{name} is not a valid JSON number")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        raw = read_bounded(stream)
        try:
            data = json.loads(
                raw.decode(encoding),
                parse_constant=_strict_constant if api_settings.STRICT_JSON else None,
            )
        except RecursionError:
            data = None
            problem = ("depth", "")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc}) from exc
        else:
            problem = json_problem(data)
        if problem is None:
            return data
        kind, path = problem
        if kind == "depth":
            raise ParseError(
                _("The JSON body is nested more than %(depth)s levels deep.") % {"depth": MAX_JSON_DEPTH}
            )
        raise ValidationError({path or "non_field_errors": [nul_message()]})


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        data = QueryDict(read_bounded(stream), encoding=encoding)
        refuse_nul_in(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        refuse_nul_in(result.data)  # text fields only: uploaded files may hold any byte
        return result
