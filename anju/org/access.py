"""Who may do what, and which rows they see. The single place every list, detail, API, export,
report and search starts from (`scoped`).

Rules (manual 000 §2.4, §2.9 注意事项; issue #2):
- Permission points come from the user's active roles defined at the current company or at one of
  its ancestors (a group-level role applies in every subsidiary). The super-user flag grants all.
- Company-bound rows are visible when their company is the current company or below it.
- Project-bound rows are visible when the project belongs to the current company (or below) or is
  shared to it, the user is assigned to it unless "may access all projects", and it passes the
  project filter the user picked.
- Rows that name an owning department or user are further narrowed by the roles' data range.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Model, Q, QuerySet

from anju.core.scoping import ScopeSpec
from anju.org.choices import COMPANY_KINDS, DataRange
from anju.org.models import OrgUnit, User

__all__ = ["ScopeSpec", "has_point", "scoped"]

_CACHE_ATTR = "_anju_access_cache"
_RECOMPUTE_ATTR = "_anju_access_recompute"  # set by forget(): this instance reads no stored snapshot
# How long a snapshot may serve at most: a safety net only, every change bumps the user's version.
ACCESS_CACHE_SECONDS = 300


@dataclass(frozen=True)
class ProjectProvider:
    """Who answers project membership: estates registers one at ready() (org never imports estates).

    `project_ids(user, company_ids, *, writable, apply_filter=True)` lists the project ids the user may
    see (or change) among the companies `company_ids`; `describe(ids)` gives `{"pk", "name"}` rows of
    those projects (at most `limit`) for the project-filter menu."""

    project_ids: Callable[..., Iterable[int]]
    describe: Callable[..., list[dict]]


_NO_PROJECTS = ProjectProvider(project_ids=lambda *args, **kwargs: [], describe=lambda ids, limit: [])
_project_provider: ProjectProvider = _NO_PROJECTS


def register_project_provider(provider: ProjectProvider | None) -> None:
    """Install the project-membership provider (None: no projects, as without the estates app)."""
    global _project_provider
    _project_provider = provider or _NO_PROJECTS


def describe_projects(ids: Iterable[int], *, limit: int) -> list[dict]:
    return _project_provider.describe(ids, limit=limit)


@dataclass
class _Access:
    company_id: int | None
    company_ids: frozenset[int]
    points: frozenset[str]
    superuser: bool
    ranges: set[str] = field(default_factory=set)
    custom_department_ids: set[int] = field(default_factory=set)
    project_ids: frozenset[int] | None = None
    project_ids_writable: frozenset[int] | None = None


def _units():
    return OrgUnit.objects


def subtree_ids(unit_id: int | None) -> frozenset[int]:
    if unit_id is None:
        return frozenset()
    unit = _units().filter(pk=unit_id).only("path").first()
    if unit is None:
        return frozenset()
    return frozenset(_units().filter(path__startswith=unit.path).values_list("pk", flat=True))


def unit_within(unit, ancestor) -> bool:
    """Whether `unit` is `ancestor` or below it (both OrgUnit instances; their materialised paths
    end with "/", so "000001/000002/" does not contain "000001/000020/")."""
    return bool(ancestor.path) and unit.path.startswith(ancestor.path)


def ancestor_ids(unit_id: int) -> list[int]:
    unit = _units().filter(pk=unit_id).only("path").first()
    if unit is None:
        return []
    return _path_ids(unit.path)


def workable_companies(user) -> QuerySet:
    """Companies the user may switch to: their own, their roles', and everything below those."""
    units = _units().filter(kind__in=COMPANY_KINDS, is_active=True)
    if not user.is_authenticated:
        return units.none()
    if user.is_superuser:
        return units
    roots = set(user.roles.filter(is_active=True).values_list("company_id", flat=True))
    if user.department_id:
        dept = _units().filter(pk=user.department_id).only("company_id").first()
        if dept and dept.company_id:
            roots.add(dept.company_id)
    paths = list(_units().filter(pk__in=roots).values_list("path", flat=True))
    if not paths:
        return units.none()
    q = Q()
    for path in paths:
        q |= Q(path__startswith=path)
    return units.filter(q)


def default_company_id(user) -> int | None:
    if user.department_id:
        dept = _units().filter(pk=user.department_id).only("company_id").first()
        if dept and dept.company_id:
            return dept.company_id
    first = workable_companies(user).order_by("path").values_list("pk", flat=True).first()
    return first


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _snapshot_key(user) -> str | None:
    """The cache key of the user's access snapshot, None when snapshots are not kept. The key holds
    `access_version` (bumped by every change of roles, organisation, shares, projects or the project
    filter) and the join time (a re-used primary key never finds an older user's snapshot)."""
    if not settings.ANJU_ACCESS_CACHE or user.pk is None:
        return None
    joined = user.date_joined.timestamp() if user.date_joined else 0
    return f"anju:access:{user.pk}:{user.access_version}:{joined:.6f}"


def _store(user, access: _Access) -> None:
    key = _snapshot_key(user)
    if key is not None:
        cache.set(key, asdict(access), ACCESS_CACHE_SECONDS)


def access_changed(users=None) -> None:
    """Invalidate the access snapshots of `users` (instances or ids), or of everyone (None): to be called
    in the transaction of every write that changes roles, the organisation, project shares, project
    membership, the current company or the project filter. A conditional UPDATE of `access_version`:
    a request that read the user before the commit keeps serving from the old key, later ones miss."""
    if users is None:
        User.objects.update(access_version=F("access_version") + 1)
        return
    users = list(users)
    User.objects.filter(pk__in=[getattr(u, "pk", u) for u in users]).update(
        access_version=F("access_version") + 1
    )
    for user in users:
        if isinstance(user, Model):
            forget(user)


def _access(user) -> _Access:
    """The user's company, visible companies, permission points and data ranges, computed once per
    request in three queries (roles, the current company and department, the company subtree) —
    the same answers as `workable_companies`, `subtree_ids` and `ancestor_ids`, which cost nine."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    key = _snapshot_key(user)
    stored = cache.get(key) if key is not None and not getattr(user, _RECOMPUTE_ATTR, False) else None
    if stored is not None:
        access = _Access(**stored)
        setattr(user, _CACHE_ATTR, access)
        return access

    roles = list(
        user.roles.filter(is_active=True).values(
            "pk", "company_id", "company__path", "permissions", "data_range"
        )
    )
    wanted = {pk for pk in (user.current_company_id, user.department_id) if pk is not None}
    fields = ("pk", "path", "kind", "is_active", "company_id")
    units = (
        {row["pk"]: row for row in OrgUnit.objects.filter(pk__in=wanted).values(*fields)} if wanted else {}
    )
    dept = units.get(user.department_id) if user.department_id else None
    dept_company_id = dept["company_id"] if dept else None
    if dept_company_id and dept_company_id not in units:
        units.update({row["pk"]: row for row in OrgUnit.objects.filter(pk=dept_company_id).values(*fields)})
    # workable_companies(): active company-kind units under a role's company or the department's company.
    roots = [role["company__path"] for role in roles if role["company__path"]]
    if dept_company_id and dept_company_id in units:
        roots.append(units[dept_company_id]["path"])
    current = units.get(user.current_company_id) if user.current_company_id is not None else None
    workable = (
        current is not None
        and current["kind"] in COMPANY_KINDS
        and current["is_active"]
        and (user.is_superuser or any(current["path"].startswith(root) for root in roots))
    )
    if workable:
        company_id, company_path = current["pk"], current["path"]
    else:
        company_id = default_company_id(user)
        company_path = None
        if company_id is not None:
            row = units.get(company_id) or OrgUnit.objects.filter(pk=company_id).values("path").first()
            company_path = row["path"] if row else None
    company_ids = (
        frozenset(OrgUnit.objects.filter(path__startswith=company_path).values_list("pk", flat=True))
        if company_path
        else frozenset()
    )
    ranges: set[str] = set()
    custom: set[int] = set()
    points: set[str] = set()
    if not user.is_superuser and company_id is not None and company_path:
        ancestors = set(_path_ids(company_path))
        custom_roles = []
        for role in roles:
            if role["company_id"] not in ancestors:
                continue
            points.update(role["permissions"] or [])
            ranges.add(role["data_range"])
            if role["data_range"] == DataRange.CUSTOM:
                custom_roles.append(role["pk"])
        if custom_roles:
            through = user.roles.model.custom_departments.through
            custom.update(
                through.objects.filter(role_id__in=custom_roles).values_list("orgunit_id", flat=True)
            )
    access = _Access(
        company_id=company_id,
        company_ids=company_ids,
        points=frozenset(points),
        superuser=user.is_superuser,
        ranges=ranges,
        custom_department_ids=custom,
    )
    setattr(user, _CACHE_ATTR, access)
    _store(user, access)
    return access


def forget(user) -> None:
    """Drop the access memoised on this user instance after a change of company, roles or project filter;
    the instance's `access_version` predates the change, so it reads no stored snapshot either."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    setattr(user, _RECOMPUTE_ATTR, True)


def current_company_id(user) -> int | None:
    return _access(user).company_id if user.is_authenticated else None


def visible_company_ids(user) -> frozenset[int]:
    return _access(user).company_ids if user.is_authenticated else frozenset()


def has_point(user, code: str) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    access = _access(user)
    return access.superuser or code in access.points


def _project_ids(user, *, writable: bool) -> frozenset[int]:
    access = _access(user)
    attr = "project_ids_writable" if writable else "project_ids"
    cached = getattr(access, attr)
    if cached is None:
        cached = frozenset(_project_provider.project_ids(user, access.company_ids, writable=writable))
        setattr(access, attr, cached)
        _store(user, access)
    return cached


def visible_project_ids(user) -> frozenset[int]:
    if not user.is_authenticated:
        return frozenset()
    return _project_ids(user, writable=False)


def writable_project_ids(user) -> frozenset[int]:
    if not user.is_authenticated:
        return frozenset()
    return _project_ids(user, writable=True)


def selectable_project_ids(user) -> list[int]:
    """Projects the user could pick in the project filter (visible ones, before the filter)."""
    if not user.is_authenticated:
        return []
    return list(
        _project_provider.project_ids(user, _access(user).company_ids, writable=False, apply_filter=False)
    )


def _data_range_q(user, spec: ScopeSpec) -> Q | None:
    access = _access(user)
    if access.superuser or not (spec.department or spec.users):
        return None
    ranges = access.ranges
    if not ranges or DataRange.ALL in ranges:
        return None
    dept_ids: set[int] = set()
    if DataRange.CUSTOM in ranges:
        dept_ids |= access.custom_department_ids
    if DataRange.DEPT_AND_BELOW in ranges and user.department_id:
        dept_ids |= subtree_ids(user.department_id)
    elif DataRange.DEPT in ranges and user.department_id:
        dept_ids.add(user.department_id)
    q = Q(pk__in=[])
    if spec.department and dept_ids:
        q |= Q(**{f"{spec.department}__in": dept_ids})
    for path in spec.users:
        # A record the user owns is always theirs to see, whatever the department rule; a department
        # range also covers what its members own (RuoYi's 部门数据权限: the record's people's department).
        q |= Q(**{path: user.pk})
        if dept_ids:
            q |= Q(**{f"{path}__department__in": dept_ids})
    return q


def scoped(user, queryset: QuerySet | type[Model], *, for_write: bool = False) -> QuerySet:
    """The rows of `queryset` this user may see (or change, with for_write)."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    spec: ScopeSpec | None = getattr(queryset.model, "scope", None)
    if spec is None:
        raise TypeError(f"{queryset.model.__name__} declares no data scope (add a `scope = ScopeSpec(...)`).")
    if spec.owner:
        return queryset.filter(**{spec.owner: user.pk})
    if spec.unscoped:
        return queryset
    if spec.project:
        ids = writable_project_ids(user) if for_write else visible_project_ids(user)
        queryset = queryset.filter(**{f"{spec.project}__in": ids})
    elif spec.company:
        queryset = queryset.filter(**{f"{spec.company}__in": visible_company_ids(user)})
    range_q = _data_range_q(user, spec)
    if range_q is not None:
        queryset = queryset.filter(range_q)
    return queryset
