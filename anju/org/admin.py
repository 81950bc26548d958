import secrets
import string

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action
from unfold.forms import AdminOwnPasswordChangeForm, AuthenticationForm

from anju.core.admin import AnjuModelAdmin, error_dict
from anju.core.masking import mask_phone
from anju.core.registry import permissions as registry
from anju.core.services import ConflictError, ServiceValidationError
from anju.org import services
from anju.org.access import scoped
from anju.org.models import OrgUnit, Role, User


def generate_password() -> str:
    """A random initial password that passes the password validators (letters, digits, a sign)."""
    alphabet = string.ascii_letters + string.digits
    body = "".join(secrets.choice(alphabet) for _i in range(10))
    return f"{body}{secrets.choice(string.digits)}@{secrets.choice(string.ascii_uppercase)}"


class MoveForm(forms.Form):
    parent = forms.ModelChoiceField(label=_("new parent unit"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents
        self.fields["parent"].widget.attrs["class"] = "border border-base-200 rounded-default px-3 py-2"


@admin.register(OrgUnit)
class OrgUnitAdmin(AnjuModelAdmin):
    permission_resource = "org.orgunit"
    actions_row = ["move_unit"]
    actions_detail = ["move_unit"]
    list_display = ["indented_name", "code", "kind", "business", "is_active", "sort_order"]
    list_filter = ["kind", "business", "is_active"]
    search_fields = ["code", "name", "short_name"]
    ordering = ["path"]
    fields = [
        "parent",
        "kind",
        "code",
        "name",
        "short_name",
        "business",
        "manager",
        "phone",
        "address",
        "sort_order",
        "is_active",
        "remarks",
    ]
    autocomplete_fields = ["manager"]

    class Media:
        js = ("anju/tree.js",)

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj):
        # An indented tree: the toggle folds the sub-units of a row (anju/tree.js).
        return format_html(
            '<span class="anju-tree-node" data-path="{}" data-depth="{}" style="padding-left:{}rem">'
            '<span class="anju-tree-toggle" role="button" tabindex="0" aria-label="{}">▾</span>{}</span>',
            obj.path,
            obj.depth,
            obj.depth * 1.5,
            _("Expand or collapse"),
            obj.name,
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = scoped(request.user, OrgUnit.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_create(self, request, obj, form):
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("parent", "kind", "code", "name")}
        return services.orgunit_create(
            actor=request.user,
            parent=form.cleaned_data.get("parent"),
            kind=form.cleaned_data["kind"],
            code=form.cleaned_data["code"],
            name=form.cleaned_data["name"],
            **data,
        )

    def service_update(self, request, obj, form):
        data = self.changed_data(form)
        expected = self.expected_version(request)
        current = OrgUnit.objects.get(pk=obj.pk)  # `obj` already carries the form's values
        new_parent = data.pop("parent", current.parent)
        if new_parent is None and current.parent_id is not None:
            raise ServiceValidationError(
                {"parent": _("Only a group can be at the top of the tree; choose a parent unit.")}
            )
        if new_parent is not None and new_parent.pk != current.parent_id:
            # Moving a subtree: the same conflict check as an edit, then the move service.
            if expected is not None and current.version != expected:
                raise ConflictError(
                    _(
                        "%(object)s was changed by someone else while you were editing it. Reload and try again."
                    )
                    % {"object": current}
                )
            moved = services.orgunit_move(actor=request.user, unit=current, new_parent=new_parent)
            expected = moved.version
            if not data:
                return moved
        return services.orgunit_update(actor=request.user, unit=current, data=data, expected_version=expected)

    def service_delete(self, request, obj):
        services.orgunit_delete(actor=request.user, unit=obj)

    def has_move_permission(self, request, object_id=None):
        return self._point(request, "change")

    @action(description=_("Move"), url_path="move", permissions=["move"], icon="drive_file_move")
    def move_unit(self, request, object_id):
        """Move a unit and its subtree under another parent (services.orgunit_move)."""
        unit = self.get_object(request, unquote(str(object_id)))
        if unit is None:
            raise Http404
        subtree = OrgUnit.objects.filter(path__startswith=unit.path).values("pk")
        parents = scoped(request.user, OrgUnit.objects.exclude(pk__in=subtree)).order_by("path")
        form = MoveForm(request.POST or None, parents=parents, initial={"parent": unit.parent_id})
        if request.method == "POST" and form.is_valid():
            try:
                services.orgunit_move(actor=request.user, unit=unit, new_parent=form.cleaned_data["parent"])
            except ServiceValidationError as exc:
                for name, msgs in error_dict(exc).items():
                    form.add_error("parent" if name in ("parent", "kind") else None, msgs)
            else:
                self.message_user(
                    request,
                    _("“%(name)s” moved under “%(parent)s”.")
                    % {"name": unit.name, "parent": form.cleaned_data["parent"].name},
                )
                return redirect("admin:org_orgunit_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Move %(name)s") % {"name": unit.name},
            "unit": unit,
            "form": form,
            "back_url": reverse("admin:org_orgunit_changelist"),
        }
        return TemplateResponse(request, "org/move.html", context)


def grouped_point_choices():
    """Permission points as checkbox groups, one group per module (系统设置, 基础资料, …)."""
    return [
        (
            registry.module_labels.get(module, module),
            [(p.code, f"{p.resource_label} · {p.label}") for p in points],
        )
        for module, points in registry.grouped().items()
    ]


class RoleForm(forms.ModelForm):
    permissions = forms.MultipleChoiceField(
        label=_("permission points"), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Role
        fields = [
            "company",
            "code",
            "name",
            "description",
            "permissions",
            "data_range",
            "custom_departments",
            "is_active",
        ]
        help_texts = {
            "custom_departments": _("Used only with the data range “Selected departments”."),
            "data_range": _(
                "Which records of the role's modules a holder sees; several roles combine to the widest."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permissions"].choices = grouped_point_choices()


@admin.register(Role)
class RoleAdmin(AnjuModelAdmin):
    permission_resource = "org.role"
    form = RoleForm
    list_display = ["name", "code", "company", "data_range", "is_active"]
    list_filter = ["data_range", "is_active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["custom_departments"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "company":
            kwargs["queryset"] = scoped(
                request.user, OrgUnit.objects.filter(kind__in=["group", "region", "company"])
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "custom_departments":
            kwargs["queryset"] = scoped(request.user, OrgUnit.objects.all())
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def service_create(self, request, obj, form):
        data = dict(form.cleaned_data)
        return services.role_create(actor=request.user, **data)

    def service_update(self, request, obj, form):
        return services.role_update(
            actor=request.user,
            role=obj,
            data=self.changed_data(form),
            expected_version=self.expected_version(request),
        )

    def service_delete(self, request, obj):
        services.role_delete(actor=request.user, role=obj)


USER_LABELS = {"is_superuser": _("super user")}
USER_HELP = {"is_superuser": _("Every function of the system, whatever the roles.")}


class UserCreateForm(forms.ModelForm):
    password = forms.CharField(
        label=_("initial password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Leave empty to generate one; the user must change it at first login."),
    )

    class Meta:
        model = User
        fields = [
            "username",
            "password",
            "last_name",
            "first_name",
            "mobile",
            "email",
            "department",
            "roles",
            "all_projects",
            "is_superuser",
            "is_active",
        ]
        labels = USER_LABELS
        help_texts = USER_HELP


class UserChangeForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "username",
            "last_name",
            "first_name",
            "mobile",
            "email",
            "department",
            "roles",
            "all_projects",
            "is_superuser",
            "is_active",
            "must_change_password",
        ]
        labels = USER_LABELS
        help_texts = USER_HELP


@admin.register(User)
class UserAdmin(AnjuModelAdmin):
    permission_resource = "org.user"
    list_display = [
        "username",
        "full_name",
        "department",
        "is_active",
        "super_user",
        "all_projects",
        "last_login",
    ]
    list_filter = ["is_active", "is_superuser", "all_projects"]
    search_fields = ["username", "first_name", "last_name", "mobile", "email"]
    filter_horizontal = ["roles"]
    actions = ["deactivate_users", "unlock_users", "reset_passwords"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = UserChangeForm if obj else UserCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        fields = list((UserChangeForm if obj else UserCreateForm)._meta.fields)
        if not request.user.is_superuser:
            fields.remove("is_superuser")  # only a super user can grant it (the service checks too)
        if obj is not None and not self._point(request, "view_sensitive"):
            # PIPL: without "view sensitive data" the mobile number is shown masked, read-only.
            fields[fields.index("mobile")] = "masked_mobile"
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self._point(request, "view_sensitive"):
            return ["masked_mobile"]
        return []

    @admin.display(description=_("mobile"))
    def masked_mobile(self, obj):
        return mask_phone(obj.mobile) if obj.mobile else "-"

    @admin.display(description=_("full name"))
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("super user"), boolean=True, ordering="is_superuser")
    def super_user(self, obj):
        return obj.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = scoped(request.user, OrgUnit.objects.all())
            kwargs["required"] = True  # see org.services.user_create: nobody could see the user otherwise
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "roles":
            kwargs["queryset"] = scoped(request.user, Role.objects.all())
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def service_create(self, request, obj, form):
        data = dict(form.cleaned_data)
        generated = not data.get("password")
        if generated:
            data["password"] = generate_password()
        user = services.user_create(actor=request.user, must_change_password=True, **data)
        if generated:
            self.message_user(
                request,
                _("Initial password of %(user)s: %(password)s (to be changed at first login)")
                % {"user": user.username, "password": data["password"]},
                level=messages.WARNING,
            )
        return user

    def service_update(self, request, obj, form):
        return services.user_update(
            actor=request.user,
            user=obj,
            data=self.changed_data(form),
            expected_version=self.expected_version(request),
        )

    def service_delete(self, request, obj):
        services.user_update(actor=request.user, user=obj, data={"is_active": False})

    def get_actions(self, request):
        # Users are deactivated, never deleted: their name stays on every record they touched.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return False  # "delete" is the deactivation action (the API's DELETE does the same)

    def delete_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404  # another company's user does not exist here, whatever the permission
        return super().delete_view(request, object_id, extra_context)

    def has_deactivate_permission(self, request):
        return self._point(request, "delete")

    @admin.action(description=_("Deactivate the selected users"), permissions=["deactivate"])
    def deactivate_users(self, request, queryset):
        count = 0
        for user in queryset.filter(is_active=True):
            services.user_update(actor=request.user, user=user, data={"is_active": False})
            count += 1
        self.message_user(request, _("%(count)s users deactivated.") % {"count": count})

    @admin.action(description=_("Unlock the selected users"), permissions=["manage"])
    def unlock_users(self, request, queryset):
        for user in queryset:
            services.user_unlock(actor=request.user, user=user)
        self.message_user(request, _("Unlocked."))

    @admin.action(description=_("Reset the password of the selected users"), permissions=["manage"])
    def reset_passwords(self, request, queryset):
        lines = []
        for user in queryset:
            password = generate_password()
            services.user_set_password(actor=request.user, user=user, password=password, must_change=True)
            lines.append(f"{user.username}: {password}")
        self.message_user(
            request,
            _("New passwords (each user must change it at the next login): %(list)s")
            % {"list": "; ".join(lines)},
            level=messages.WARNING,
        )

    def has_manage_permission(self, request):
        return self._point(request, "manage")


class AnjuPasswordChangeForm(AdminOwnPasswordChangeForm):
    """A user's own password change goes through the service: logged, and it lifts the
    "must change password" flag of a first login or an administrator's reset."""

    def save(self, commit=True):
        updated = services.user_set_password(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"], must_change=False
        )
        self.user.password = updated.password
        self.user.must_change_password = False
        return self.user


def password_change(request, extra_context=None):
    from django.contrib.auth.views import PasswordChangeView

    request.current_app = admin.site.name
    return PasswordChangeView.as_view(
        form_class=AnjuPasswordChangeForm,
        success_url=reverse("admin:password_change_done"),
        extra_context={**admin.site.each_context(request), **(extra_context or {})},
    )(request)


class AnjuLoginForm(AuthenticationForm):
    """Staff sign in with their user name or their mobile number (see auth_backends)."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("User name or mobile")


# The admin site builds its URLs after autodiscovery, so its password page is this one.
admin.site.password_change = password_change
admin.site.login_form = AnjuLoginForm
