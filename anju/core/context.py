"""Per-request context (client IP, user agent) that services read when they write an audit row.

A contextvar rather than a thread-local so it also works under ASGI and in huey's thread workers.
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""
    path: str = ""


_current: ContextVar[RequestContext] = ContextVar("anju_request_context", default=RequestContext())  # noqa: B039 - frozen


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)


def client_ip(request) -> str | None:
    # Behind a reverse proxy the first X-Forwarded-For hop is the client; only trusted when the
    # deployment says so (see docs/deploy.md).
    from django.conf import settings

    if getattr(settings, "ANJU_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:45]
    return request.META.get("REMOTE_ADDR")


def from_request(request) -> RequestContext:
    return RequestContext(
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
        path=request.path[:400],
    )
