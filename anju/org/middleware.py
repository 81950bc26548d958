from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse


class ForcePasswordChangeMiddleware:
    """A user flagged "must change password" can only reach the password-change page (and log out)."""

    ALLOWED_NAMES = (
        "admin:password_change",
        "admin:password_change_done",
        "admin:logout",
        "admin:login",
        "admin:jsi18n",
        "set_language",
    )

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed_paths = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(("/api/", settings.STATIC_URL, "/healthz"))
        ):
            if self._allowed_paths is None:
                self._allowed_paths = {reverse(name) for name in self.ALLOWED_NAMES}
            if request.path not in self._allowed_paths:
                return redirect("admin:password_change")
        return self.get_response(request)
