"""Writes of the organisation context: units, roles, users, workspace (company and project filter)."""

from __future__ import annotations

import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.crud import create_instance, delete_instance, lock, update_instance
from anju.core.registry import permissions as permission_registry
from anju.core.services import ServiceValidationError, service
from anju.org import access
from anju.org.choices import COMPANY_KINDS, UnitKind
from anju.org.models import OrgUnit, Role, User


def _company_of(parent: OrgUnit | None, kind: str) -> OrgUnit | None:
    if kind in COMPANY_KINDS:
        return None  # set to itself after the first save
    return parent.company if parent is not None else None


def _validate_parent(kind: str, parent: OrgUnit | None) -> None:
    if parent is None and kind != UnitKind.GROUP:
        raise ServiceValidationError(
            {"parent": _("Only a group can be at the top of the tree; choose a parent unit.")}
        )
    if parent is not None and parent.kind == UnitKind.DEPARTMENT and kind != UnitKind.DEPARTMENT:
        raise ServiceValidationError({"kind": _("Under a department only departments can be created.")})
    if parent is not None and kind == UnitKind.GROUP:
        raise ServiceValidationError({"kind": _("A group cannot be placed under another unit.")})


@service
def orgunit_create(
    *, actor, kind: str, code: str, name: str, parent: OrgUnit | None = None, **fields
) -> OrgUnit:
    access.access_changed()  # the company subtrees change
    _validate_parent(kind, parent)
    unit = OrgUnit(parent=parent, kind=kind, code=code, name=name, **fields)
    unit.company = _company_of(parent, kind)
    unit.full_clean(exclude=["company"])
    unit.save()
    # The path needs the id, so it is written right after the insert, in the same transaction.
    unit.path = f"{parent.path if parent else ''}{unit.pk:06d}/"
    unit.depth = (parent.depth + 1) if parent else 0
    if kind in COMPANY_KINDS:
        unit.company = unit
    unit.save(update_fields=["path", "depth", "company"])
    audit.log_action(actor=actor, action=LogAction.CREATE, instance=unit, after=audit.snapshot(unit))
    return unit


@service
def orgunit_update(*, actor, unit: OrgUnit, data: dict, expected_version: int | None = None) -> OrgUnit:
    access.access_changed()
    forbidden = {"parent", "path", "depth", "company"} & set(data)
    if forbidden:
        raise ServiceValidationError({"parent": _("Use “move” to change the parent unit.")})
    if "kind" in data and data["kind"] != unit.kind:
        if unit.children.exists():
            raise ServiceValidationError({"kind": _("The kind of a unit with sub-units cannot change.")})
        _validate_parent(data["kind"], unit.parent)
        if (data["kind"] in COMPANY_KINDS) != (unit.kind in COMPANY_KINDS):
            raise ServiceValidationError(
                {"kind": _("A company cannot become a department, nor the reverse.")}
            )
    return update_instance(actor=actor, instance=unit, data=data, expected_version=expected_version)


@service
def orgunit_move(*, actor, unit: OrgUnit, new_parent: OrgUnit) -> OrgUnit:
    access.access_changed()
    unit = lock(OrgUnit, unit.pk)
    new_parent = lock(OrgUnit, new_parent.pk)
    if new_parent.path.startswith(unit.path):
        raise ServiceValidationError(
            {"parent": _("A unit cannot be moved under itself or one of its sub-units.")}
        )
    _validate_parent(unit.kind, new_parent)
    before = audit.snapshot(unit)
    old_path, new_path = unit.path, f"{new_parent.path}{unit.pk:06d}/"
    depth_delta = new_parent.depth + 1 - unit.depth
    subtree = OrgUnit.objects.filter(path__startswith=old_path)
    subtree.update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_delta,
    )
    OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent, version=F("version") + 1)
    if unit.kind not in COMPANY_KINDS:
        # Departments take the company of their new place; sub-companies keep their own.
        _recompute_department_companies(new_path)
    unit.refresh_from_db()
    audit.log_action(
        actor=actor,
        action=LogAction.UPDATE,
        instance=unit,
        before=before,
        after=audit.snapshot(unit),
        note=_("moved"),
    )
    return unit


def _recompute_department_companies(root_path: str) -> None:
    for dept in (
        OrgUnit.objects.filter(path__startswith=root_path).exclude(kind__in=COMPANY_KINDS).order_by("depth")
    ):
        company_id = None
        for ancestor_id in reversed(access.ancestor_ids(dept.pk)[:-1]):
            ancestor = OrgUnit.objects.only("kind").get(pk=ancestor_id)
            if ancestor.kind in COMPANY_KINDS:
                company_id = ancestor_id
                break
        OrgUnit.objects.filter(pk=dept.pk).update(company_id=company_id)


@service
def orgunit_delete(*, actor, unit: OrgUnit) -> None:
    access.access_changed()
    if unit.children.exists():
        raise ServiceValidationError(
            _("Only units without sub-units can be deleted; “%(name)s” has sub-units.") % {"name": unit.name}
        )
    if unit.members.exists():
        raise ServiceValidationError(
            _("“%(name)s” still has users; move them to another department first.") % {"name": unit.name}
        )
    delete_instance(actor=actor, instance=unit)


def _clean_points(points) -> list[str]:
    points = sorted(set(points or []))
    unknown = [p for p in points if p not in permission_registry]
    if unknown:
        raise ServiceValidationError(
            {"permissions": _("Unknown permission points: %(points)s") % {"points": ", ".join(unknown)}}
        )
    return points


@service
def role_create(
    *, actor, company: OrgUnit, code: str, name: str, permissions=(), custom_departments=(), **fields
) -> Role:
    access.access_changed()
    if not company.is_company:
        raise ServiceValidationError({"company": _("A role belongs to a company, not to a department.")})
    role = Role(company=company, code=code, name=name, permissions=_clean_points(permissions), **fields)
    create_instance(
        actor=actor,
        instance=role,
        m2m={"custom_departments": custom_departments} if custom_departments else None,
    )
    return role


@service
def role_update(*, actor, role: Role, data: dict, expected_version: int | None = None) -> Role:
    access.access_changed()
    if "permissions" in data:
        data = {**data, "permissions": _clean_points(data["permissions"])}
    if "company" in data and data["company"] != role.company:
        raise ServiceValidationError({"company": _("A role cannot move to another company.")})
    return update_instance(actor=actor, instance=role, data=data, expected_version=expected_version)


@service
def role_delete(*, actor, role: Role) -> None:
    access.access_changed()
    if role.users.exists():
        raise ServiceValidationError(_("The role “%(name)s” is still held by users.") % {"name": role.name})
    delete_instance(actor=actor, instance=role)


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ServiceValidationError({"password": exc.messages}) from exc


def _no_department_message():
    # A user's data scope comes from their department's company: without one nobody, not even the
    # group administrator, could see, unlock or edit the user again (issue 12 §9).
    return _("Choose the user's department; a user without one would be visible to nobody.")


@service
def user_create(
    *,
    actor,
    username: str,
    password: str | None = None,
    department: OrgUnit | None = None,
    roles=(),
    must_change_password: bool = True,
    **fields,
) -> User:
    """Create a user; without a password a random one is set and must be changed at first login."""
    if fields.get("is_superuser") and actor is not None and not getattr(actor, "is_superuser", False):
        raise ServiceValidationError({"is_superuser": _("Only a super user can grant the super-user flag.")})
    user = User(
        username=username,
        department=department,
        must_change_password=must_change_password,
        is_staff=True,
        **fields,
    )
    if department is None:
        raise ServiceValidationError({"department": _no_department_message()})
    if department.kind != UnitKind.DEPARTMENT and not department.is_company:
        raise ServiceValidationError({"department": _("Choose a department.")})
    user.full_clean(exclude=["password"])
    if password:
        _validate_password(password, user)
        user.set_password(password)
    else:
        user.set_password(secrets.token_urlsafe(16))
    user.current_company_id = department.company_id
    user.save()
    after = audit.snapshot(user)
    if roles:
        user.roles.set(roles)
        after["roles"] = sorted(user.roles.values_list("pk", flat=True))
    audit.log_action(
        actor=actor,
        action=LogAction.CREATE,
        instance=user,
        after=after,
        company_id=user.current_company_id,
    )
    return user


def _refuse_lockout(*, actor, user: User, data: dict) -> None:
    """Nobody locks themselves out, and the installation keeps at least one active super user."""
    user = lock(User, user.pk)
    is_self = actor is not None and getattr(actor, "pk", None) == user.pk
    deactivates = "is_active" in data and not data["is_active"]
    demotes = "is_superuser" in data and not data["is_superuser"]
    if is_self:
        if deactivates:
            raise ServiceValidationError({"is_active": _("You cannot deactivate your own account.")})
        if demotes and user.is_superuser:
            raise ServiceValidationError(
                {"is_superuser": _("You cannot revoke your own super-user flag; ask another super user.")}
            )
        if data.get("must_change_password") and not user.must_change_password:
            raise ServiceValidationError(
                {
                    "must_change_password": _(
                        "You cannot force a password change on your own account; change your password instead."
                    )
                }
            )
    if (deactivates or demotes) and user.is_superuser and user.is_active:
        # Lock every active super user: two administrators demoting each other at once serialise here.
        others = list(
            User.objects.select_for_update()
            .filter(is_superuser=True, is_active=True)
            .exclude(pk=user.pk)
            .values_list("pk", flat=True)
        )
        if not others:
            field = "is_active" if deactivates else "is_superuser"
            raise ServiceValidationError(
                {
                    field: _("%(user)s is the last active super user: make another user a super user first.")
                    % {"user": user.username}
                }
            )


@service
def user_update(*, actor, user: User, data: dict, expected_version: int | None = None) -> User:
    if "department" in data and data["department"] is None:
        raise ServiceValidationError({"department": _no_department_message()})
    blocked = {"password", "last_login", "current_company", "project_filter"} & set(data)
    if blocked:
        raise ServiceValidationError({next(iter(blocked)): _("This field cannot be changed here.")})
    if data.get("is_superuser") and not getattr(actor, "is_superuser", False):
        raise ServiceValidationError({"is_superuser": _("Only a super user can grant the super-user flag.")})
    _refuse_lockout(actor=actor, user=user, data=data)
    result = update_instance(
        actor=actor,
        instance=user,
        data=data,
        expected_version=expected_version,
        exclude_validation=["password"],
    )
    access.access_changed([user, result])  # roles, department, flags: the user's access changes
    return result


@service
def user_set_password(*, actor, user: User, password: str, must_change: bool = False) -> User:
    """Set a password: by the user themselves, or a reset by an administrator (must_change=True)."""
    user = lock(User, user.pk)
    if must_change and actor is not None and getattr(actor, "pk", None) == user.pk:
        raise ServiceValidationError(
            {"password": _("Change your own password under “Change password”, not by a reset.")}
        )
    _validate_password(password, user)
    user.set_password(password)
    user.must_change_password = must_change
    user.save(update_fields=["password", "must_change_password"])
    note = _("password reset by administrator") if actor and actor.pk != user.pk else _("password changed")
    audit.log_action(actor=actor, action=LogAction.PASSWORD, instance=user, note=note)
    return user


@service
def user_unlock(*, actor, user: User) -> None:
    """Lift a login lockout before its 30 minutes are over."""
    from axes.utils import reset

    reset(username=user.username)
    if user.mobile:
        reset(username=user.mobile)
    audit.log_action(actor=actor, action=LogAction.UPDATE, instance=user, note=_("login lockout lifted"))


@service
def user_switch_company(*, actor, company: OrgUnit) -> User:
    if not access.workable_companies(actor).filter(pk=company.pk).exists():
        raise ServiceValidationError({"company": _("You do not work for this company.")})
    before = actor.current_company_id
    User.objects.filter(pk=actor.pk).update(current_company=company, project_filter=[])
    actor.current_company, actor.project_filter = company, []
    access.access_changed([actor])
    audit.log_action(
        actor=actor,
        action=LogAction.UPDATE,
        instance=actor,
        before={"current_company": before},
        after={"current_company": company.pk},
        company_id=company.pk,
        note=_("switched company"),
    )
    return actor


@service
def user_set_project_filter(*, actor, project_ids) -> User:
    """Narrow the data scope to some visible projects (empty = all visible projects)."""
    ids = sorted({int(pk) for pk in project_ids or []})
    invisible = set(ids) - set(access.selectable_project_ids(actor))
    if invisible:
        raise ServiceValidationError({"projects": _("Some chosen projects are not visible to you.")})
    User.objects.filter(pk=actor.pk).update(project_filter=ids)
    actor.project_filter = ids
    access.access_changed([actor])
    audit.log_action(
        actor=actor,
        action=LogAction.UPDATE,
        instance=actor,
        after={"project_filter": ids},
        note=_("project filter"),
    )
    return actor
