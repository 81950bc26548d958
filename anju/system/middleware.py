"""Signs idle browser sessions out after the company's `security.idle_timeout_minutes` parameter."""

import time

from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from anju.system.parameters import get_parameter

_ACTIVITY_KEY = "anju_last_activity"


class IdleTimeoutMiddleware:
    """Signs a browser session out after the company's idle-timeout parameter (minutes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and hasattr(request, "session")
            and request.session.session_key
        ):
            now = int(time.time())
            last = request.session.get(_ACTIVITY_KEY)
            minutes = get_parameter(user.current_company_id, "security.idle_timeout_minutes")
            if last is not None and minutes and now - last > int(minutes) * 60:
                logout(request)
                return redirect(f"{reverse('admin:login')}?next={request.path}")
            if last is None or now - last > 30:  # avoid a session write on every request
                request.session[_ACTIVITY_KEY] = now
        return self.get_response(request)
