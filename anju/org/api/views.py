from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from anju.core.api.viewsets import ScopedModelViewSet, expected_version
from anju.core.registry import permissions as registry
from anju.core.services import ServiceValidationError
from anju.org import access, services
from anju.org.api import serializers as s
from anju.org.models import OrgUnit, Role, User
from anju.org.views import lockout_response


class TokenView(APIView):
    """Exchange user name (or mobile) and password for an API token. Failures count towards the
    same 5-strike lockout as the web login."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    def get_authenticate_header(self, request):
        # Without authenticators DRF would answer a wrong password with 403; a failed login is a 401.
        return 'Token realm="api"'

    @extend_schema(request=s.TokenRequestSerializer, responses={200: s.TokenResponseSerializer})
    def post(self, request):
        serializer = s.TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            request=django_request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            return lockout_response(django_request)
        if user is None:
            raise AuthenticationFailed(_("Wrong user name or password."))
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.send(sender=type(user), request=django_request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "must_change_password": user.must_change_password})


class MeView(APIView):
    allowed_before_password_change = True

    @extend_schema(responses={200: s.MeSerializer})
    def get(self, request):
        user = request.user
        points = (
            sorted(registry.points)
            if user.is_superuser
            else sorted(p for p in registry.points if access.has_point(user, p))
        )
        return Response(
            {
                "id": user.pk,
                "username": user.username,
                "name": user.get_full_name(),
                "current_company": access.current_company_id(user),
                "project_filter": user.project_filter or [],
                "is_superuser": user.is_superuser,
                "permissions": points,
                "companies": list(
                    access.workable_companies(user).order_by("path").values("id", "code", "name", "kind")
                ),
            }
        )


class ChangePasswordView(APIView):
    """The user's own password change (also the way out of a forced change after first login)."""

    allowed_before_password_change = True

    @extend_schema(request=s.PasswordChangeSerializer, responses={204: None})
    def post(self, request):
        serializer = s.PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not request.user.check_password(serializer.validated_data["old_password"]):
            raise ServiceValidationError({"old_password": _("Your old password was entered incorrectly.")})
        try:
            services.user_set_password(
                actor=request.user,
                user=request.user,
                password=serializer.validated_data["new_password"],
                must_change=False,
            )
        except ServiceValidationError as exc:
            # The service names its argument "password"; this endpoint's field is "new_password".
            raise ServiceValidationError(
                {("new_password" if k == "password" else k): v for k, v in exc.errors.items()}
            ) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class SwitchCompanyView(APIView):
    @extend_schema(request=s.SwitchCompanySerializer, responses={200: s.MeSerializer})
    def post(self, request):
        serializer = s.SwitchCompanySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_switch_company(actor=request.user, company=serializer.validated_data["company"])
        return MeView().get(request)


class ProjectFilterView(APIView):
    @extend_schema(request=s.ProjectFilterSerializer, responses={200: s.MeSerializer})
    def post(self, request):
        serializer = s.ProjectFilterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_set_project_filter(
            actor=request.user, project_ids=serializer.validated_data["projects"]
        )
        return MeView().get(request)


class OrgUnitViewSet(ScopedModelViewSet):
    queryset = OrgUnit.objects.select_related("parent")
    serializer_class = s.OrgUnitSerializer
    permission_resource = "org.orgunit"
    permission_actions = {"move": "change"}
    filterset_fields = ["kind", "parent", "is_active", "business"]
    search_fields = ["code", "name", "short_name"]
    ordering_fields = ["path", "code", "name", "sort_order"]
    ordering = ["path"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.OrgUnitUpdateSerializer
        if self.action == "move":
            return s.MoveSerializer
        return s.OrgUnitSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.orgunit_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = services.orgunit_update(
            actor=self.request.user,
            unit=serializer.instance,
            data=dict(serializer.validated_data),
            expected_version=expected_version(self.request),
        )

    def perform_destroy(self, instance):
        services.orgunit_delete(actor=self.request.user, unit=instance)

    @extend_schema(request=s.MoveSerializer, responses={200: s.OrgUnitSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        unit = self.get_object()
        serializer = s.MoveSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        unit = services.orgunit_move(
            actor=request.user, unit=unit, new_parent=serializer.validated_data["parent"]
        )
        return Response(s.OrgUnitSerializer(unit, context=self.get_serializer_context()).data)


class RoleViewSet(ScopedModelViewSet):
    queryset = Role.objects.select_related("company").prefetch_related("custom_departments")
    serializer_class = s.RoleSerializer
    permission_resource = "org.role"
    filterset_fields = ["company", "data_range", "is_active"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]

    def perform_create(self, serializer):
        serializer.instance = services.role_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.role_update(
            actor=self.request.user,
            role=serializer.instance,
            data=dict(serializer.validated_data),
            expected_version=expected_version(self.request),
        )

    def perform_destroy(self, instance):
        services.role_delete(actor=self.request.user, role=instance)


class UserViewSet(ScopedModelViewSet):
    queryset = User.objects.select_related("department").prefetch_related("roles")
    serializer_class = s.UserSerializer
    permission_resource = "org.user"
    permission_actions = {"reset_password": "manage", "unlock": "manage"}
    filterset_fields = ["department", "is_active", "is_superuser", "all_projects"]
    search_fields = ["username", "first_name", "last_name", "mobile", "email"]
    ordering_fields = ["username", "date_joined", "last_login"]
    ordering = ["username"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if data.get("is_superuser") and not self.request.user.is_superuser:
            raise ServiceValidationError(
                {"is_superuser": _("Only a super user can grant the super-user flag.")}
            )
        serializer.instance = services.user_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("password", None)
        serializer.instance = services.user_update(
            actor=self.request.user,
            user=serializer.instance,
            data=data,
            expected_version=expected_version(self.request),
        )

    def perform_destroy(self, instance):
        # Users are deactivated, never deleted: their name stays on every record they touched.
        services.user_update(actor=self.request.user, user=instance, data={"is_active": False})

    @extend_schema(request=s.PasswordResetSerializer, responses={204: None})
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request, pk=None):
        user = self.get_object()
        serializer = s.PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_set_password(
            actor=request.user, user=user, password=serializer.validated_data["password"], must_change=True
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk=None):
        services.user_unlock(actor=request.user, user=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
