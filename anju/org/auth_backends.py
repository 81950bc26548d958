from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from anju.org.models import User


def resolve_login(identifier: str) -> User | None:
    """A login name may be the username or the mobile number."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    return User.objects.filter(Q(username=identifier) | Q(mobile=identifier)).order_by("-username").first()


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        user = resolve_login(username)
        if user is None:
            User().set_password(password or "")  # same cost as a real check: no user enumeration by timing
            return None
        if user.check_password(password or "") and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials) -> str:
    """Count failures per account, whether the user typed the username or the mobile number."""
    raw = ""
    if credentials:
        raw = credentials.get("username") or ""
    elif request is not None:
        data = getattr(request, "data", None) or request.POST
        raw = data.get("username", "")
    user = resolve_login(raw)
    return user.username if user else (raw or "").strip()[:150]
