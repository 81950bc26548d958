from django.db.models import Count, Q

from anju.core.parsing import is_digits
from anju.estates.choices import SOLD_STATES, ShareAccess
from anju.estates.models import Building, Project, Room, TeamMember


def project_ids_for(user, company_ids, *, writable: bool, apply_filter: bool = True) -> list[int]:
    """Projects of the current company subtree or shared to it, narrowed by assignment,
    team membership and the user's project filter (000 §2.9 注意事项, §3.1.1).

    A user is a member of a project when assigned to it or when in one of its teams."""
    share_q = Q(shares__company_id__in=company_ids)
    if writable:
        share_q &= Q(shares__access=ShareAccess.WRITE)
    qs = Project.objects.filter(Q(company_id__in=company_ids) | share_q)
    member_q = Q(assigned_users=user) | Q(pk__in=TeamMember.objects.filter(user=user).values("project_id"))
    if not (user.is_superuser or user.all_projects):
        qs = qs.filter(member_q)
    elif not user.is_superuser:
        # "May access all projects" still respects member-only projects.
        qs = qs.filter(Q(members_only=False) | member_q)
    ids = set(qs.values_list("pk", flat=True).distinct())
    if apply_filter and user.project_filter:
        ids &= {int(pk) for pk in user.project_filter if is_digits(str(pk))}
    return sorted(ids)


def project_rows(ids, *, limit: int) -> list[dict]:
    """`{"pk", "name"}` of the projects `ids` (the project-filter menu), at most `limit`."""
    return list(Project.objects.filter(pk__in=list(ids)).values("pk", "name")[:limit])


def sales_counts(rooms) -> dict:
    """Room counts for sales figures: virtual rooms are never counted."""
    rooms = rooms.filter(is_virtual=False)
    return rooms.aggregate(total=Count("pk"), sold=Count("pk", filter=Q(status__in=SOLD_STATES)))


def building_grid(building: Building) -> dict:
    """Everything the 销控图 needs in two queries (the building is already loaded): rows of cells,
    each a room (a dict of its grid fields, number, status and unit-type name) or a blank, and
    status counts. Cells covered by a merged room other than its top-left one are left out."""
    rooms = list(
        Room.objects.filter(building=building, is_virtual=False).values(
            "id",
            "code",
            "number",
            "status",
            "grid_row",
            "grid_col",
            "row_span",
            "col_span",
            "version",
            "unit_type__name",
        )
    )
    rows_meta = building.rows
    columns = building.columns
    n_rows, n_cols = len(rows_meta), len(columns)
    covered: dict[tuple[int, int], dict | None] = {}
    for room in rooms:
        row, col = room["grid_row"], room["grid_col"]
        for r in range(row, row + room["row_span"]):
            for c in range(col, col + room["col_span"]):
                covered[(r, c)] = None
        covered[(row, col)] = room
    grid_rows = []
    for r in range(n_rows):
        cells = []
        for c in range(n_cols):
            if (r, c) in covered:
                room = covered[(r, c)]
                if room is not None:
                    cells.append({"room": room, "row": r, "col": c, "unit": columns[c]["unit"]})
            else:
                cells.append({"room": None, "row": r, "col": c, "unit": columns[c]["unit"]})
        grid_rows.append({"meta": rows_meta[r], "index": r, "cells": cells})
    counts: dict[str, int] = {}
    for room in rooms:
        counts[room["status"]] = counts.get(room["status"], 0) + 1
    virtual_count = Room.objects.filter(building=building, is_virtual=True).count()
    return {
        "rows": grid_rows,
        "columns": columns,
        "unit_spans": _unit_spans(columns, building.unit_names),
        "counts": counts,
        "room_count": len(rooms),
        "virtual_count": virtual_count,
    }


def _unit_spans(columns, unit_names) -> list[dict]:
    spans: list[dict] = []
    for col in columns:
        if spans and spans[-1]["unit"] == col["unit"]:
            spans[-1]["span"] += 1
        else:
            u = col["unit"]
            name = unit_names[u - 1] if 0 < u <= len(unit_names) else str(u)
            spans.append({"unit": u, "name": name, "span": 1})
    return spans
