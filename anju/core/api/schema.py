"""drf-spectacular post-processing applied to the whole OpenAPI document."""

from __future__ import annotations

# DRF renders a TimeField as "09:00:00" (local wall-clock time, no offset), but OpenAPI's format
# "time" is RFC 3339's full-time, which requires an offset; describe what the API really sends.
LOCAL_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


def _walk(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            node.pop("format")
            node["pattern"] = LOCAL_TIME_PATTERN
            node.setdefault("example", "09:00:00")
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)


def local_time_without_offset(result, generator, request, public):
    _walk(result)
    return result
