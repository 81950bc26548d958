"""Login log rows from Django's authentication signals (every attempt, success or failure)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from anju.core import context
from anju.org.auth_backends import resolve_login
from anju.system.models import LoginLog


def _write(*, request, username, user, success, reason="", channel=None):
    ctx = (
        context.from_request(request)
        if request is not None and hasattr(request, "META")
        else context.current()
    )
    if channel is None:
        channel = "api" if request is not None and getattr(request, "path", "").startswith("/api/") else "web"
    LoginLog.objects.create(
        username=(username or "")[:150],
        user=user,
        company_id=getattr(user, "current_company_id", None) if user else None,
        success=success,
        reason=reason[:100],
        channel=channel,
        ip=ctx.ip,
        user_agent=ctx.user_agent,
    )


@receiver(user_logged_in, dispatch_uid="anju_login_ok")
def on_login(sender, request, user, **kwargs):
    _write(request=request, username=user.username, user=user, success=True)


@receiver(user_login_failed, dispatch_uid="anju_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    user = resolve_login(username)
    locked = bool(getattr(request, "axes_locked_out", False))
    _write(
        request=request,
        username=username,
        user=user,
        success=False,
        reason="locked" if locked else ("inactive" if user and not user.is_active else "bad credentials"),
    )


@receiver(user_logged_out, dispatch_uid="anju_logout")
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        _write(request=request, username=user.username, user=user, success=True, reason="logout")
