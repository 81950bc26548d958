"""Writes of the base-data context: projects, teams, shares, decoration standards, unit types, zones,
buildings, the room wizard, the room grid operations, virtual rooms and room status."""

from __future__ import annotations

import os

from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.crud import create_instance, delete_instance, lock, update_instance
from anju.core.services import ServiceValidationError, service
from anju.estates import workflow
from anju.estates.choices import OCCUPANCY_STATES, SALES_LOCKED, NumberingRule, RoomStatus, TeamRole
from anju.estates.grid import Cell, Grid, GridError, plan_building
from anju.estates.hooks import rooms_with_customers
from anju.estates.models import (
    Building,
    DecorationStandard,
    Project,
    ProjectShare,
    ProjectTeam,
    Room,
    TeamMember,
    UnitType,
    Zone,
)
from anju.org.access import access_changed, visible_company_ids
from anju.org.choices import COMPANY_KINDS

# =================================================================================================
# Projects, teams, shares
# =================================================================================================


@service
def project_create(*, actor, company, code: str, name: str, **fields) -> Project:
    access_changed()  # who sees which project changes
    if company is None or company.kind not in COMPANY_KINDS:
        raise ServiceValidationError({"company": _("A project belongs to a company.")})
    _unique(Project.objects.filter(company=company), code=code, name=name, what=_("project"))
    project = create_instance(actor=actor, instance=Project(company=company, code=code, name=name, **fields))
    # 000 §3.1.1: a new project has its top-level project team.
    team = ProjectTeam.objects.create(project=project, name=name)
    audit.log_action(actor=actor, action=LogAction.CREATE, instance=team, after=audit.snapshot(team))
    return project


@service
def project_update(*, actor, project: Project, data: dict, expected_version: int | None = None) -> Project:
    access_changed()
    if "company" in data and data["company"] != project.company:
        raise ServiceValidationError({"company": _("A project cannot move to another company.")})
    siblings = Project.objects.filter(company_id=project.company_id).exclude(pk=project.pk)
    _unique(siblings, code=data.get("code"), name=data.get("name"), what=_("project"))
    return update_instance(actor=actor, instance=project, data=data, expected_version=expected_version)


@service
def project_delete(*, actor, project: Project) -> None:
    access_changed()
    if project.rooms.exists() or project.buildings.exists():
        raise ServiceValidationError(
            _("The project “%(name)s” still has buildings or rooms; delete them first.")
            % {"name": project.name}
        )
    ProjectTeam.objects.filter(project=project).update(parent=None)
    delete_instance(actor=actor, instance=project)


def _require_project_owner(actor, project: Project) -> None:
    """Only the owning company (or a parent of it) manages a project's shares: a company the project
    is shared to must not pass it on, nor change the owner's shares."""

    if getattr(actor, "is_authenticated", False) and project.company_id not in visible_company_ids(actor):
        raise ServiceValidationError(
            {"project": _("Only the company that owns the project can manage its sharing.")}
        )


@service
def project_share(*, actor, project: Project, company, access: str) -> ProjectShare:
    """Share a project with another company (000 §3.1.2), or change the access of an existing share."""
    access_changed()
    _require_project_owner(actor, project)
    if company is None or company.kind not in COMPANY_KINDS:
        raise ServiceValidationError({"company": _("A project can only be shared with a company.")})
    if company.pk == project.company_id:
        raise ServiceValidationError({"company": _("The project already belongs to this company.")})
    share = ProjectShare.objects.select_for_update().filter(project=project, company=company).first()
    if share is None:
        return create_instance(
            actor=actor, instance=ProjectShare(project=project, company=company, access=access)
        )
    return update_instance(actor=actor, instance=share, data={"access": access})


@service
def project_unshare(*, actor, share: ProjectShare) -> None:
    access_changed()
    _require_project_owner(actor, share.project)
    delete_instance(actor=actor, instance=share)


@service
def team_create(*, actor, project: Project, name: str, parent: ProjectTeam | None = None) -> ProjectTeam:
    if parent is None:
        parent = ProjectTeam.objects.filter(project=project, parent=None).order_by("pk").first()
    if parent is not None and parent.project_id != project.pk:
        raise ServiceValidationError({"parent": _("The parent team belongs to another project.")})
    _unique(ProjectTeam.objects.filter(project=project), name=name, what=_("team"))
    return create_instance(actor=actor, instance=ProjectTeam(project=project, parent=parent, name=name))


@service
def team_update(*, actor, team: ProjectTeam, data: dict, expected_version: int | None = None) -> ProjectTeam:
    access_changed()
    if "project" in data and data["project"] != team.project:
        raise ServiceValidationError({"project": _("A team cannot move to another project.")})
    parent = data.get("parent", team.parent)
    if "parent" in data:
        if team.parent_id is None and parent is not None:
            raise ServiceValidationError({"parent": _("The top-level team cannot be moved.")})
        if team.parent_id is not None and parent is None:
            raise ServiceValidationError({"parent": _("Choose a parent team.")})
        node = parent
        while node is not None:
            if node.pk == team.pk:
                raise ServiceValidationError({"parent": _("A team cannot be placed under itself.")})
            if node.project_id != team.project_id:
                raise ServiceValidationError({"parent": _("The parent team belongs to another project.")})
            node = node.parent
    _unique(
        ProjectTeam.objects.filter(project_id=team.project_id).exclude(pk=team.pk),
        name=data.get("name"),
        what=_("team"),
    )
    return update_instance(actor=actor, instance=team, data=data, expected_version=expected_version)


@service
def team_delete(*, actor, team: ProjectTeam) -> None:
    access_changed()
    if team.parent_id is None:
        raise ServiceValidationError(_("The top-level team of a project cannot be deleted."))
    if team.children.exists():
        raise ServiceValidationError(_("The team “%(name)s” has sub-teams.") % {"name": team.name})
    if team.members.exists():
        raise ServiceValidationError(_("The team “%(name)s” still has members.") % {"name": team.name})
    delete_instance(actor=actor, instance=team)


@service
def team_member_add(*, actor, team: ProjectTeam, user, role: str = TeamRole.MEMBER) -> TeamMember:
    """Add a user to a team; a member belongs to one team per project (000 §3.1.1 注意)."""
    lock(Project, team.project_id)
    existing = TeamMember.objects.filter(project_id=team.project_id, user=user).select_related("team").first()
    if existing is not None:
        raise ServiceValidationError(
            {
                "user": _("%(user)s is already a member of the team “%(team)s” of this project.")
                % {"user": user, "team": existing.team.name}
            }
        )
    member = TeamMember(team=team, project_id=team.project_id, user=user, role=role)
    create_instance(actor=actor, instance=member)
    access_changed([user])
    return member


@service
def team_member_update(*, actor, member: TeamMember, data: dict) -> TeamMember:
    if "team" in data and data["team"].project_id != member.project_id:
        raise ServiceValidationError({"team": _("The team belongs to another project.")})
    if "user" in data and data["user"] != member.user:
        raise ServiceValidationError({"user": _("Remove the member and add the other user instead.")})
    return update_instance(actor=actor, instance=member, data=data)


@service
def team_member_remove(*, actor, member: TeamMember) -> None:
    user = member.user
    delete_instance(actor=actor, instance=member)
    access_changed([user])


# =================================================================================================
# Decoration standards and unit types
# =================================================================================================


@service
def decoration_standard_create(*, actor, project: Project, code: str, name: str, **fields):
    _unique(DecorationStandard.objects.filter(project=project), code=code, what=_("decoration standard"))
    return create_instance(
        actor=actor, instance=DecorationStandard(project=project, code=code, name=name, **fields)
    )


@service
def decoration_standard_update(*, actor, standard, data: dict, expected_version: int | None = None):
    _no_project_move(standard, data)
    _unique(
        DecorationStandard.objects.filter(project_id=standard.project_id).exclude(pk=standard.pk),
        code=data.get("code"),
        what=_("decoration standard"),
    )
    return update_instance(actor=actor, instance=standard, data=data, expected_version=expected_version)


@service
def decoration_standard_delete(*, actor, standard) -> None:
    if Room.objects.filter(decoration_standard=standard).exists():
        raise ServiceValidationError(
            _("Rooms still use the decoration standard “%(name)s”.") % {"name": standard.name}
        )
    delete_instance(actor=actor, instance=standard)


def _check_standard(project_id: int, standard) -> None:
    if standard is not None and standard.project_id != project_id:
        raise ServiceValidationError(
            {"decoration_standard": _("The decoration standard belongs to another project.")}
        )


@service
def unit_type_create(*, actor, project: Project, code: str, name: str, **fields) -> UnitType:
    _check_standard(project.pk, fields.get("decoration_standard"))
    _unique(UnitType.objects.filter(project=project), code=code, what=_("unit type"))
    return create_instance(actor=actor, instance=UnitType(project=project, code=code, name=name, **fields))


@service
def unit_type_update(*, actor, unit_type: UnitType, data: dict, expected_version: int | None = None):
    """Change a unit type; rooms of this type still in 销控 take the new areas and standard."""
    _no_project_move(unit_type, data)
    _check_standard(unit_type.project_id, data.get("decoration_standard"))
    _unique(
        UnitType.objects.filter(project_id=unit_type.project_id).exclude(pk=unit_type.pk),
        code=data.get("code"),
        what=_("unit type"),
    )
    result = update_instance(actor=actor, instance=unit_type, data=data, expected_version=expected_version)
    if {"building_area", "inner_area", "decoration_standard"} & set(data):
        count = Room.objects.filter(unit_type=result, status=RoomStatus.CONTROL).update(
            building_area=result.building_area,
            inner_area=result.inner_area,
            decoration_standard=result.decoration_standard,
            version=F("version") + 1,
        )
        if count:
            audit.log_action(
                actor=actor,
                action=LogAction.UPDATE,
                instance=result,
                note=_("%(count)s rooms in sales control took the new areas and standard") % {"count": count},
                company_id=result.project.company_id,
            )
    return result


@service
def unit_type_delete(*, actor, unit_type: UnitType) -> None:
    if unit_type.rooms.exists():
        raise ServiceValidationError(
            _("Rooms still have the unit type “%(name)s”.") % {"name": unit_type.name}
        )
    delete_instance(actor=actor, instance=unit_type)


# =================================================================================================
# Zones and buildings
# =================================================================================================


def _check_zone(project_id: int, zone) -> None:
    if zone is not None and zone.project_id != project_id:
        raise ServiceValidationError({"zone": _("The zone belongs to another project.")})


@service
def zone_create(*, actor, project: Project, code: str, name: str, parent: Zone | None = None) -> Zone:
    if parent is not None and parent.project_id != project.pk:
        raise ServiceValidationError({"parent": _("The parent zone belongs to another project.")})
    _unique(Zone.objects.filter(project=project, parent=parent), code=code, name=name, what=_("zone"))
    return create_instance(actor=actor, instance=Zone(project=project, parent=parent, code=code, name=name))


@service
def zone_update(*, actor, zone: Zone, data: dict, expected_version: int | None = None) -> Zone:
    _no_project_move(zone, data)
    parent = data.get("parent", zone.parent)
    node = parent
    while node is not None:
        if node.pk == zone.pk:
            raise ServiceValidationError({"parent": _("A zone cannot be placed under itself.")})
        node = node.parent
    _check_zone(zone.project_id, parent)
    siblings = Zone.objects.filter(project_id=zone.project_id, parent=parent).exclude(pk=zone.pk)
    _unique(siblings, code=data.get("code", zone.code), name=data.get("name", zone.name), what=_("zone"))
    return update_instance(actor=actor, instance=zone, data=data, expected_version=expected_version)


@service
def zone_delete(*, actor, zone: Zone) -> None:
    if zone.children.exists() or zone.buildings.exists():
        raise ServiceValidationError(
            _("The zone “%(name)s” still has sub-zones or buildings.") % {"name": zone.name}
        )
    delete_instance(actor=actor, instance=zone)


@service
def building_create(*, actor, project: Project, code: str, name: str, zone: Zone | None = None, **fields):
    _check_zone(project.pk, zone)
    _unique(Building.objects.filter(project=project, zone=zone), code=code, name=name, what=_("building"))
    return create_instance(
        actor=actor, instance=Building(project=project, zone=zone, code=code, name=name, **fields)
    )


@service
def building_update(*, actor, building: Building, data: dict, expected_version: int | None = None):
    _no_project_move(building, data)
    blocked = {"floors", "units", "is_villa", "layout"} & set(data)
    if blocked and building.rooms.filter(is_virtual=False).exists():
        raise ServiceValidationError(
            {next(iter(blocked)): _("The structure of a building with rooms changes on the room grid.")}
        )
    zone = data.get("zone", building.zone)
    _check_zone(building.project_id, zone)
    siblings = Building.objects.filter(project_id=building.project_id, zone=zone).exclude(pk=building.pk)
    _unique(
        siblings,
        code=data.get("code", building.code),
        name=data.get("name", building.name),
        what=_("building"),
    )
    return update_instance(actor=actor, instance=building, data=data, expected_version=expected_version)


@service
def building_delete(*, actor, building: Building) -> None:
    rooms = list(building.rooms.values_list("pk", "code", "status"))
    _check_deletable(rooms)
    count = Room.objects.filter(building=building).delete()[0]
    delete_instance(
        actor=actor, instance=building, note=_("%(count)s rooms deleted with it") % {"count": count}
    )


def _room_code(project: Project, building: Building, unit: int | None, number: str) -> str:
    prefix = project.short_name or project.name
    if building.units > 1 and unit:
        return f"{prefix}-{building.code}-{unit}-{number}"
    return f"{prefix}-{building.code}-{number}"


def _unit_type_map(project: Project, ids) -> dict[int, UnitType]:
    ids = {i for i in ids if i}
    types = {u.pk: u for u in UnitType.objects.filter(pk__in=ids, project=project)}
    missing = ids - set(types)
    if missing:
        raise ServiceValidationError({"unit_types": _("A unit type belongs to another project.")})
    return types


def _take_unit_type(room: Room, unit_type: UnitType | None) -> None:
    room.unit_type = unit_type
    if unit_type is not None:
        room.building_area = unit_type.building_area
        room.inner_area = unit_type.inner_area
        room.decoration_standard_id = unit_type.decoration_standard_id


@service
def building_generate(
    *,
    actor,
    building: Building,
    villa: bool = False,
    floors: int = 1,
    households: list[int] | None = None,
    rule: str = NumberingRule.FLOOR_NUMBER,
    floor_names: list[str] | None = None,
    unit_names: list[str] | None = None,
    column_numbers: list[str] | None = None,
    unit_types: list[int | None] | None = None,
    numbers: list[list[str]] | None = None,
    villa_number: str = "",
    villa_unit_type: UnitType | None = None,
) -> int:
    """The room wizard (000 §3.2.2): build the grid of an empty building and create its rooms.

    `numbers` is the edited preview ([row][col], top floor first); a blank number means no room.
    Returns the number of rooms created."""
    original = building
    building = lock(Building, building.pk)
    project = building.project
    if Room.objects.filter(building=building, is_virtual=False).exists():
        raise ServiceValidationError(
            _("The building “%(name)s” already has rooms; adjust them on the room grid.")
            % {"name": building.name}
        )
    if villa:
        number = (villa_number or "").strip()
        if not number:
            raise ServiceValidationError({"villa_number": _("Enter the room number of the villa.")})
        if villa_unit_type is not None and villa_unit_type.project_id != project.pk:
            raise ServiceValidationError({"villa_unit_type": _("The unit type belongs to another project.")})
        households, floors, numbers, rule = [1], 1, [[number]], NumberingRule.FLOOR_NUMBER
        unit_types = [villa_unit_type.pk if villa_unit_type else None]
    try:
        plan = plan_building(
            floors=floors,
            households=list(households or [1]),
            rule=rule,
            floor_names=floor_names,
            unit_names=unit_names,
            column_numbers=column_numbers,
            unit_types=unit_types,
        )
    except GridError as exc:
        raise ServiceValidationError({exc.field: exc.message}) from exc
    if numbers is not None:
        if len(numbers) != len(plan.rows) or any(len(row) != len(plan.columns) for row in numbers):
            raise ServiceValidationError(
                {
                    "numbers": _("The room numbers must form a grid of %(rows)s floors × %(cols)s columns.")
                    % {"rows": len(plan.rows), "cols": len(plan.columns)}
                }
            )
        plan.numbers = [[str(n or "").strip() for n in row] for row in numbers]
    types = _unit_type_map(project, [c.unit_type_id for c in plan.columns])
    delivery = project.delivery_date
    rooms: list[dict] = []
    codes: dict[str, tuple[int, int]] = {}
    building.is_villa, building.floors, building.units = villa, len(plan.rows), len(plan.units)
    building.numbering_rule = rule
    by_type: dict[int | None, dict] = {None: {}}
    for type_id, unit_type in types.items():
        by_type[type_id] = {
            "unit_type_id": type_id,
            "building_area": unit_type.building_area,
            "inner_area": unit_type.inner_area,
            "decoration_standard_id": unit_type.decoration_standard_id,
        }
    for r, row in enumerate(plan.rows):
        natural = row["name"][:10]
        for c, column in enumerate(plan.columns):
            number = plan.numbers[r][c]
            if not number:
                continue
            if len(number) > 20:
                raise ServiceValidationError(
                    {
                        "numbers": _("Room number “%(number)s” is longer than 20 characters.")
                        % {"number": number}
                    }
                )
            code = _room_code(project, building, column.unit, number)
            if code in codes:
                raise ServiceValidationError(
                    {"numbers": _("Room code %(code)s occurs twice; edit the room numbers.") % {"code": code}}
                )
            codes[code] = (r, c)
            rooms.append(
                {
                    "project_id": project.pk,
                    "building_id": building.pk,
                    "code": code,
                    "number": number,
                    "unit_no": column.unit,
                    "floor_no": row["floor"],
                    "natural_floor": natural,
                    "grid_row": r,
                    "grid_col": c,
                    "delivery_date": delivery,
                    **by_type[column.unit_type_id],
                }
            )
    if not rooms:
        raise ServiceValidationError(
            {"numbers": _("Every room number is blank; there is nothing to create.")}
        )
    _refuse_taken_codes(project, list(codes))
    before = audit.snapshot(building)
    _insert_rooms(rooms)
    building.layout = plan.layout()
    building.version = F("version") + 1
    building.save(update_fields=["is_villa", "floors", "units", "numbering_rule", "layout", "version"])
    building.refresh_from_db()
    audit.log_action(
        actor=actor,
        action=LogAction.CREATE,
        instance=building,
        before=before,
        after=audit.snapshot(building),
        note=_("room wizard: %(count)s rooms created") % {"count": len(rooms)},
        company_id=project.company_id,
    )
    original.refresh_from_db()
    return len(rooms)


def _insert_rooms(rows: list[dict]) -> None:
    """Insert many rooms without building model instances: the wizard's 10,000 rooms take a fraction
    of a second this way against several seconds through bulk_create (measured in bench/). Every
    column gets its model default; values other than plain text and numbers are prepared for the
    database once per distinct value."""
    now = timezone.now()
    fields = [f for f in Room._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    defaults.update(created_at=now, updated_at=now)
    prepared: dict[tuple[str, object], object] = {}

    def prep(field, value):
        if value is None or isinstance(value, str | int):
            return value
        if isinstance(value, list | dict):  # JSON (the empty merge history): not hashable, not cached
            return field.get_db_prep_save(value, connection)
        key = (field.attname, value)
        if key not in prepared:
            prepared[key] = field.get_db_prep_save(value, connection)
        return prepared[key]

    qn = connection.ops.quote_name
    # Table and column names come from the model's meta; every value is a query parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        qn(Room._meta.db_table), ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    base = [prep(f, defaults[f.attname]) for f in fields]
    index = {f.attname: i for i, f in enumerate(fields)}
    params = []
    for row in rows:
        values = base.copy()
        for key, value in row.items():
            i = index[key]
            values[i] = value if value is None or type(value) in (str, int) else prep(fields[i], value)
        params.append(values)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream for all rows (a multi-row INSERT of 10,000 rows spends seconds in
            # psycopg's query parsing; executemany a round trip per row).
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                qn(Room._meta.db_table), ", ".join(qn(f.column) for f in fields)
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for values in params:
                    copy.write_row(values)
            return
        for start in range(0, len(params), 2000):
            cursor.executemany(sql, params[start : start + 2000])


def _refuse_taken_codes(project: Project, codes: list[str]) -> None:
    taken: list[str] = []
    prefix = os.path.commonprefix(codes) if len(codes) > 900 else ""  # noqa: RUF071 - a text prefix is meant
    if prefix:
        # Generated codes share "<project>-<building>-": one query instead of one per 900 codes.
        wanted = set(codes)
        existing = Room.objects.filter(project=project, code__startswith=prefix).values_list(
            "code", flat=True
        )
        taken = [code for code in existing if code in wanted]
    else:
        for start in range(0, len(codes), 900):
            taken += Room.objects.filter(project=project, code__in=codes[start : start + 900]).values_list(
                "code", flat=True
            )
    if taken:
        raise ServiceValidationError(
            {
                "numbers": _("These room codes exist in the project already: %(codes)s")
                % {"codes": ", ".join(sorted(taken)[:10]) + ("…" if len(taken) > 10 else "")}
            }
        )


@service
def building_copy(
    *,
    actor,
    building: Building,
    code: str,
    name: str,
    project: Project | None = None,
    zone: Zone | None = None,
) -> Building:
    """复制楼栋/粘贴楼栋 (000 §3.2.1): a new building with the same grid and room data, all in 销控."""
    building = Building.objects.get(pk=building.pk)
    project = project or (zone.project if zone else building.project)
    _check_zone(project.pk, zone)
    _unique(Building.objects.filter(project=project, zone=zone), code=code, name=name, what=_("building"))
    new = Building(
        project=project,
        zone=zone,
        code=code,
        name=name,
        is_villa=building.is_villa,
        floors=building.floors,
        units=building.units,
        numbering_rule=building.numbering_rule,
        layout=building.layout,
    )
    create_instance(actor=actor, instance=new, note=_("pasted from %(name)s") % {"name": building.name})
    same_project = project.pk == building.project_id
    rooms = []
    for room in Room.objects.filter(building=building, is_virtual=False).order_by("grid_row", "grid_col"):
        unit_type = room.unit_type_id if same_project else None
        rooms.append(
            Room(
                project=project,
                building=new,
                code=_room_code(project, new, room.unit_no, room.number or str(room.pk)),
                number=room.number,
                unit_no=room.unit_no,
                floor_no=room.floor_no,
                natural_floor=room.natural_floor,
                grid_row=room.grid_row,
                grid_col=room.grid_col,
                row_span=room.row_span,
                col_span=room.col_span,
                merged_rooms=_recode_snapshots(room.merged_rooms, project, new, same_project),
                status=RoomStatus.CONTROL,
                unit_type_id=unit_type,
                decoration_standard_id=room.decoration_standard_id if same_project else None,
                building_area=room.building_area,
                inner_area=room.inner_area,
                orientation=room.orientation,
                view=room.view,
                delivery_date=project.delivery_date,
            )
        )
    codes = [r.code for r in rooms]
    if len(set(codes)) != len(codes):
        raise ServiceValidationError(
            {"code": _("The rooms of the copied building would not have distinct room codes.")}
        )
    _refuse_taken_codes(project, codes)
    Room.objects.bulk_create(rooms, batch_size=500)
    return new


# =================================================================================================
# Rooms
# =================================================================================================

ROOM_EDITABLE = {
    "number",
    "code",
    "name",
    "unit_type",
    "decoration_standard",
    "floor_no",
    "natural_floor",
    "orientation",
    "view",
    "building_area",
    "inner_area",
    "measured_area",
    "delivery_date",
    "remarks",
}
# After hand-over the sold structure (code, type, contract areas) is fixed; descriptive data is not.
ROOM_EDITABLE_AFTER_HANDOVER = {
    "name",
    "floor_no",
    "natural_floor",
    "orientation",
    "view",
    "measured_area",
    "delivery_date",
    "remarks",
}


def room_editable_fields(room: Room) -> set[str]:
    if room.status in SALES_LOCKED:
        return set()
    if room.status in OCCUPANCY_STATES:
        return set(ROOM_EDITABLE_AFTER_HANDOVER)
    return set(ROOM_EDITABLE)


@service
def room_update(*, actor, room: Room, data: dict, expected_version: int | None = None) -> Room:
    """Edit room data (房间资料); a new unit type brings its areas and decoration standard."""
    current = lock(Room, room.pk)
    unknown = set(data) - ROOM_EDITABLE
    if unknown:
        raise ServiceValidationError({next(iter(unknown)): _("This field cannot be changed here.")})
    allowed = room_editable_fields(current)
    refused = sorted(set(data) - allowed)
    if refused:
        status = RoomStatus(current.status).label
        if not allowed:
            message = _(
                "Room %(room)s is “%(status)s”; rooms for sale, reserved, with a deposit, subscribed "
                "or signed cannot be edited."
            )
        else:
            message = _("Room %(room)s is “%(status)s”; after hand-over this field cannot be changed.")
        raise ServiceValidationError({refused[0]: message % {"room": current.code, "status": status}})
    data = dict(data)
    unit_type = data.get("unit_type", current.unit_type)
    if unit_type is not None and unit_type.project_id != current.project_id:
        raise ServiceValidationError({"unit_type": _("The unit type belongs to another project.")})
    _check_standard(current.project_id, data.get("decoration_standard"))
    if "unit_type" in data and data["unit_type"] is not None and data["unit_type"].pk != current.unit_type_id:
        data["building_area"] = unit_type.building_area
        data["inner_area"] = unit_type.inner_area
        data["decoration_standard"] = unit_type.decoration_standard
    if (
        "code" in data
        and data["code"] != current.code
        and Room.objects.filter(project_id=current.project_id, code=data["code"])
        .exclude(pk=current.pk)
        .exists()
    ):
        raise ServiceValidationError({"code": _("Room code %(code)s exists in the project.") % data})
    return update_instance(actor=actor, instance=room, data=data, expected_version=expected_version)


@service
def room_set_status(*, actor, room: Room, status: str, note: str = "") -> Room:
    """Move a room to another status (sales, delivery or occupancy); see workflow.TRANSITIONS."""
    return workflow.transition(actor=actor, room=room, status=status, note=note)


@service
def room_create_virtual(
    *,
    actor,
    project: Project,
    code: str,
    number: str = "",
    name: str = "",
    building: Building | None = None,
    **fields,
) -> Room:
    """新增虚拟房间 (000 §3.3.2): a public space with a free code; not in projects shared to the user."""
    if (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and project.company_id not in visible_company_ids(actor)
    ):
        raise ServiceValidationError(
            {"project": _("Virtual rooms cannot be added to a project shared by another company.")}
        )
    if building is not None and building.project_id != project.pk:
        raise ServiceValidationError({"building": _("The building belongs to another project.")})
    if Room.objects.filter(project=project, code=code).exists():
        raise ServiceValidationError(
            {"code": _("Room code %(code)s exists in the project.") % {"code": code}}
        )
    unit_type = fields.get("unit_type")
    if unit_type is not None and unit_type.project_id != project.pk:
        raise ServiceValidationError({"unit_type": _("The unit type belongs to another project.")})
    room = Room(
        project=project,
        building=building,
        code=code,
        number=number,
        name=name,
        is_virtual=True,
        status=RoomStatus.CONTROL,
        **fields,
    )
    return create_instance(actor=actor, instance=room)


# --- the grid ------------------------------------------------------------------------------------


def _load_grid(building: Building) -> tuple[Building, Grid, dict[int, tuple]]:
    building = lock(Building, building.pk)
    rooms = Room.objects.filter(building=building, is_virtual=False).values_list(
        "pk", "grid_row", "grid_col", "row_span", "col_span"
    )
    cells = {pk: Cell(pk, r, c, rs, cs) for pk, r, c, rs, cs in rooms}
    before = {pk: (c.row, c.col, c.row_span, c.col_span) for pk, c in cells.items()}
    grid = Grid(n_rows=len(building.rows), col_units=[c["unit"] for c in building.columns], rooms=cells)
    return building, grid, before


def _save_grid(building: Building, grid: Grid, before: dict[int, tuple], columns: list[dict] | None = None):
    changed = []
    for pk, cell in grid.rooms.items():
        if before.get(pk) != (cell.row, cell.col, cell.row_span, cell.col_span):
            changed.append(
                Room(
                    pk=pk,
                    grid_row=cell.row,
                    grid_col=cell.col,
                    row_span=cell.row_span,
                    col_span=cell.col_span,
                )
            )
    if changed:
        Room.objects.bulk_update(changed, ["grid_row", "grid_col", "row_span", "col_span"], batch_size=500)
        Room.objects.filter(pk__in=[r.pk for r in changed]).update(version=F("version") + 1)
    update = {"version": F("version") + 1}
    if columns is not None:
        layout = dict(building.layout)
        layout["columns"] = columns
        update["layout"] = layout
    Building.objects.filter(pk=building.pk).update(**update)


def _check_deletable(rooms: list[tuple[int, str, str]]) -> None:
    """Rooms given as (pk, code, status): only 销控 rooms without a bound customer may go."""
    for _pk, code, status in rooms:
        if status != RoomStatus.CONTROL:
            raise ServiceValidationError(
                _(
                    "Room %(room)s is “%(status)s”; only rooms in sales control can be merged, split or deleted."
                )
                % {"room": code, "status": RoomStatus(status).label}
            )
    bound = rooms_with_customers([pk for pk, _code, _status in rooms])
    if bound:
        codes = ", ".join(sorted(code for pk, code, _status in rooms if pk in bound))
        raise ServiceValidationError(
            _("Room %(room)s has a bound customer; it cannot be merged, split or deleted.") % {"room": codes}
        )


def _grid_call(func, *args):
    try:
        return func(*args)
    except GridError as exc:
        raise ServiceValidationError({exc.field: exc.message}) from exc


def _log_grid(actor, room: Room, note: str, before=None, after=None):
    audit.log_action(
        actor=actor,
        action=LogAction.UPDATE,
        instance=room,
        before=before,
        after=after,
        note=note,
        company_id=room.project.company_id,
    )


def _rows(ids) -> list[tuple[int, str, str]]:
    return list(Room.objects.filter(pk__in=ids).values_list("pk", "code", "status"))


# What a merge keeps of an absorbed room so that a split can give it back.
_SNAPSHOT_FIELDS = (
    "code",
    "number",
    "unit_no",
    "floor_no",
    "natural_floor",
    "name",
    "orientation",
    "view",
    "unit_type_id",
    "decoration_standard_id",
    "building_area",
    "inner_area",
    "measured_area",
    "delivery_date",
    "remarks",
)


def _snapshot(room: Room, origin: Room) -> dict:
    data = {name: getattr(room, name) for name in _SNAPSHOT_FIELDS}
    for name in ("building_area", "inner_area", "measured_area", "delivery_date"):
        if data[name] is not None:
            data[name] = str(data[name])
    data["dr"] = room.grid_row - origin.grid_row
    data["dc"] = room.grid_col - origin.grid_col
    data["merged_rooms"] = room.merged_rooms
    return data


def _flatten(snapshots: list[dict], dr: int = 0, dc: int = 0):
    """Every absorbed room, nested merges included, with its offset from the outermost room."""
    for snap in snapshots:
        row, col = dr + snap["dr"], dc + snap["dc"]
        yield row, col, snap
        yield from _flatten(snap.get("merged_rooms") or [], row, col)


def _shift_snapshots(snapshots: list[dict], base_col: int, index: int) -> list[dict]:
    """Absorbed rooms at or right of an inserted column move one column right (children move with
    their parent because their offsets are relative to it)."""
    shifted = []
    for snap in snapshots:
        snap = dict(snap)
        col = base_col + snap["dc"]
        if col >= index:
            snap["dc"] += 1
        else:
            snap["merged_rooms"] = _shift_snapshots(snap.get("merged_rooms") or [], col, index)
        shifted.append(snap)
    return shifted


def _recode_snapshots(snapshots: list[dict], project: Project, building: Building, same_project: bool):
    """A pasted building's absorbed rooms take the new building's room codes (and, in another
    project, no unit type or decoration standard, like the pasted rooms themselves)."""
    recoded = []
    for snap in snapshots:
        snap = {
            **snap,
            "code": _room_code(project, building, snap.get("unit_no"), snap.get("number") or snap["code"]),
            "merged_rooms": _recode_snapshots(
                snap.get("merged_rooms") or [], project, building, same_project
            ),
        }
        if not same_project:
            snap["unit_type_id"] = snap["decoration_standard_id"] = None
        recoded.append(snap)
    return recoded


def _merge(actor, room: Room, direction: str) -> Room:
    if room.building_id is None or room.is_virtual:
        raise ServiceValidationError(_("Only rooms on a building's grid can be merged."))
    building, grid, before = _load_grid(room.building)
    other_id = _grid_call(grid.merge_right if direction == "right" else grid.merge_down, room.pk)
    _check_deletable(_rows([room.pk, other_id]))
    room = Room.objects.get(pk=room.pk)
    other = Room.objects.get(pk=other_id)
    other_code = other.code
    Room.objects.filter(pk=room.pk).update(merged_rooms=[*room.merged_rooms, _snapshot(other, room)])
    other.delete()
    _save_grid(building, grid, before)
    room.refresh_from_db()
    note = _("merged with %(other)s (right)") if direction == "right" else _("merged with %(other)s (down)")
    _log_grid(actor, room, note % {"other": other_code})
    return room


@service
def room_merge_right(*, actor, room: Room) -> Room:
    """向右合并: the room and its right neighbour become one room; the selected room keeps its data."""
    return _merge(actor, room, "right")


@service
def room_merge_down(*, actor, room: Room) -> Room:
    """向下合并: the room and the one below become one room."""
    return _merge(actor, room, "down")


@service
def room_split(*, actor, room: Room) -> Room:
    """拆分: back to minimal cells; the top-left cell keeps the room, the others become blank."""
    if room.building_id is None or room.is_virtual:
        raise ServiceValidationError(_("Only rooms on a building's grid can be split."))
    building, grid, before = _load_grid(room.building)
    _check_deletable(_rows([room.pk]))
    freed = set(_grid_call(grid.split, room.pk))
    room = Room.objects.get(pk=room.pk)
    restored = []
    for dr, dc, snap in _flatten(room.merged_rooms):
        row, col = room.grid_row + dr, room.grid_col + dc
        if (row, col) not in freed:
            continue  # the cell left the room (a column was deleted since); nothing to give back
        freed.discard((row, col))
        fields = {name: snap.get(name) for name in _SNAPSHOT_FIELDS}
        # A unit type or standard deleted since the merge is not brought back (JSON holds no FK).
        if fields["unit_type_id"] and not UnitType.objects.filter(pk=fields["unit_type_id"]).exists():
            fields["unit_type_id"] = None
        if (
            fields["decoration_standard_id"]
            and not DecorationStandard.objects.filter(pk=fields["decoration_standard_id"]).exists()
        ):
            fields["decoration_standard_id"] = None
        restored.append(
            Room(project_id=room.project_id, building=building, grid_row=row, grid_col=col, **fields)
        )
    _refuse_taken_codes(room.project, [r.code for r in restored])
    Room.objects.filter(pk=room.pk).update(merged_rooms=[])
    _save_grid(building, grid, before)
    for other in restored:
        create_instance(
            actor=actor, instance=other, note=_("given back by splitting %(room)s") % {"room": room.code}
        )
    room.refresh_from_db()
    _log_grid(actor, room, _("split into single cells"))
    return room


@service
def room_add_at(
    *, actor, building: Building, row: int, col: int, number: str, code: str = "", unit_type=None, **fields
) -> Room:
    """Create a room in a blank cell of the grid."""
    building, grid, _before = _load_grid(building)
    number = (number or "").strip()
    if not number:
        raise ServiceValidationError({"number": _("Enter the room number.")})
    _grid_call(grid.add, 0, row, col)
    project = building.project
    column = building.columns[col]
    floor = building.rows[row]
    code = (code or "").strip() or _room_code(project, building, column["unit"], number)
    if Room.objects.filter(project=project, code=code).exists():
        raise ServiceValidationError(
            {"code": _("Room code %(code)s exists in the project.") % {"code": code}}
        )
    if unit_type is not None and unit_type.project_id != project.pk:
        raise ServiceValidationError({"unit_type": _("The unit type belongs to another project.")})
    room = Room(
        project=project,
        building=building,
        code=code,
        number=number,
        unit_no=column["unit"],
        floor_no=floor["floor"],
        natural_floor=str(floor["name"])[:10],
        grid_row=row,
        grid_col=col,
        delivery_date=project.delivery_date,
        **fields,
    )
    _take_unit_type(room, unit_type)
    create_instance(actor=actor, instance=room)
    Building.objects.filter(pk=building.pk).update(version=F("version") + 1)
    return room


@service
def room_delete(*, actor, room: Room) -> None:
    """删除房间: only 销控 rooms without a bound customer; the cell becomes blank."""
    _check_deletable(_rows([room.pk]))
    if room.building_id is not None:
        lock(Building, room.building_id)
        Building.objects.filter(pk=room.building_id).update(version=F("version") + 1)
    delete_instance(actor=actor, instance=room)


@service
def room_insert_column(*, actor, room: Room, number: str = "") -> int:
    """插入整列: a blank column right of the room, in the room's unit; returns its index."""
    if room.building_id is None or room.is_virtual:
        raise ServiceValidationError(_("Only rooms on a building's grid have columns."))
    building, grid, before = _load_grid(room.building)
    index = _grid_call(grid.insert_column, room.pk)
    for pk, cell in grid.rooms.items():
        if cell.col_span > before[pk][3]:  # a merged room the new column runs through: its cells move
            merged = Room.objects.filter(pk=pk).values_list("merged_rooms", flat=True).get()
            if merged:
                Room.objects.filter(pk=pk).update(merged_rooms=_shift_snapshots(merged, cell.col, index))
    columns = list(building.columns)
    columns.insert(index, {"unit": grid.col_units[index], "number": (number or "").strip()})
    _save_grid(building, grid, before, columns)
    _log_grid(actor, room, _("column inserted right of the room, number “%(number)s”") % {"number": number})
    return index


@service
def room_delete_column(*, actor, room: Room) -> list[str]:
    """删除整列: refused while the column holds a merged room or a room that may not be deleted."""
    if room.building_id is None or room.is_virtual:
        raise ServiceValidationError(_("Only rooms on a building's grid have columns."))
    building, grid, before = _load_grid(room.building)
    index, removed = _grid_call(grid.delete_column, room.pk)
    rows = _rows(removed)
    _check_deletable(rows)
    codes = sorted(code for _pk, code, _status in rows)
    Room.objects.filter(pk__in=removed).delete()
    columns = list(building.columns)
    del columns[index]
    _save_grid(building, grid, before, columns)
    audit.log_action(
        actor=actor,
        action=LogAction.DELETE,
        instance=building,
        note=_("column %(col)s deleted with rooms %(rooms)s") % {"col": index + 1, "rooms": ", ".join(codes)},
        company_id=building.project.company_id,
    )
    return codes


# =================================================================================================
# helpers
# =================================================================================================


def _unique(siblings, *, what, code=None, name=None) -> None:
    if code and siblings.filter(code=code).exists():
        raise ServiceValidationError(
            {
                "code": _("A %(what)s with the code “%(value)s” exists here already.")
                % {"what": what, "value": code}
            }
        )
    if name and siblings.filter(name=name).exists():
        raise ServiceValidationError(
            {
                "name": _("A %(what)s with the name “%(value)s” exists here already.")
                % {"what": what, "value": name}
            }
        )


def _no_project_move(instance, data: dict) -> None:
    if "project" in data and getattr(data["project"], "pk", data["project"]) != instance.project_id:
        raise ServiceValidationError({"project": _("This record cannot move to another project.")})
