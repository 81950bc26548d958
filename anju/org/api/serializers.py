from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from anju.core.masking import mask_phone
from anju.org.access import has_point, scoped
from anju.org.models import OrgUnit, Role, User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("user name or mobile"), max_length=150)
    password = serializers.CharField(
        label=_("password"), max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    must_change_password = serializers.BooleanField()


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key the user can only point at rows inside their data scope."""

    def get_queryset(self):
        request = self.context.get("request")
        return scoped(request.user, super().get_queryset()) if request else super().get_queryset().none()


class OrgUnitSerializer(serializers.ModelSerializer):
    parent = ScopedPrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), allow_null=True, required=False)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = OrgUnit
        fields = [
            "id",
            "parent",
            "kind",
            "code",
            "name",
            "short_name",
            "business",
            "phone",
            "address",
            "sort_order",
            "is_active",
            "remarks",
            "path",
            "depth",
            "company",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["path", "depth", "company", "created_at", "updated_at"]


class OrgUnitUpdateSerializer(OrgUnitSerializer):
    class Meta(OrgUnitSerializer.Meta):
        read_only_fields = [*OrgUnitSerializer.Meta.read_only_fields, "parent"]


class MoveSerializer(serializers.Serializer):
    parent = ScopedPrimaryKeyRelatedField(queryset=OrgUnit.objects.all())


class RoleSerializer(serializers.ModelSerializer):
    company = ScopedPrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    custom_departments = ScopedPrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), many=True, required=False
    )
    permissions = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Role
        fields = [
            "id",
            "company",
            "code",
            "name",
            "description",
            "permissions",
            "data_range",
            "custom_departments",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class UserSerializer(serializers.ModelSerializer):
    # Null only on rows made before every user had a department (the column stays nullable); the
    # services refuse null on input with a 400 naming the field.
    department = ScopedPrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), allow_null=True)
    roles = ScopedPrimaryKeyRelatedField(queryset=Role.objects.all(), many=True, required=False)
    password = serializers.CharField(
        write_only=True,
        required=False,
        max_length=128,
        trim_whitespace=False,
        style={"input_type": "password"},
    )
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "password",
            "first_name",
            "last_name",
            "email",
            "mobile",
            "department",
            "roles",
            "is_active",
            "is_superuser",
            "all_projects",
            "must_change_password",
            "current_company",
            "last_login",
            "date_joined",
            "version",
        ]
        read_only_fields = ["current_company", "last_login", "date_joined"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if data.get("mobile") and not (request and has_point(request.user, "org.user.view_sensitive")):
            data["mobile"] = mask_phone(data["mobile"])
        return data


class PasswordResetSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(
        label=_("old password"), max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    new_password = serializers.CharField(
        label=_("new password"), max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class SwitchCompanySerializer(serializers.Serializer):
    company = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())


class ProjectFilterSerializer(serializers.Serializer):
    projects = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=500)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    current_company = serializers.IntegerField(allow_null=True)
    project_filter = serializers.ListField(child=serializers.IntegerField())
    is_superuser = serializers.BooleanField()
    permissions = serializers.ListField(child=serializers.CharField())
    companies = serializers.ListField(child=serializers.DictField())
