"""Staff pages of the base-data context inside the Unfold shell: the room wizard, the room grid
(销控图) with its operations, copy building, and the room import."""

from __future__ import annotations

import json
from html import escape  # the stdlib one: no lazy-string wrapper, 4× faster over 2,000 cells

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.admin import error_text
from anju.core.parsing import is_digits
from anju.core.services import ConflictError, ServiceValidationError
from anju.estates import imports, services
from anju.estates.choices import NumberingRule, RoomStatus
from anju.estates.grid import MAX_FLOORS, MAX_UNITS, GridError, plan_building
from anju.estates.models import Building, Project, Room, UnitType, Zone
from anju.estates.selectors import building_grid
from anju.org.access import current_company_id, has_point, scoped
from anju.org.models import OrgUnit

STATUS_COLOURS = {
    RoomStatus.CONTROL: "#e5e7eb",
    RoomStatus.FOR_SALE: "#bfdbfe",
    RoomStatus.RESERVED: "#fde68a",
    RoomStatus.DEPOSIT: "#fdba74",
    RoomStatus.SUBSCRIBED: "#f9a8d4",
    RoomStatus.SIGNED: "#fca5a5",
    RoomStatus.DELIVERED: "#a7f3d0",
    RoomStatus.OCCUPIED: "#6ee7b7",
    RoomStatus.DECORATED: "#c4b5fd",
    RoomStatus.RENTED: "#93c5fd",
    RoomStatus.VACANT: "#f3f4f6",
}


def _require(request, point: str) -> None:
    if not has_point(request.user, point):
        raise PermissionDenied


def _context(request, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


def _building(request, pk: int, *, write: bool) -> Building:
    qs = scoped(request.user, Building.objects.select_related("project", "zone"), for_write=write)
    return get_object_or_404(qs, pk=pk)


def _run(request, func, success: str | None = None) -> bool:
    """Call a service; refusals become error messages. Returns True on success."""
    try:
        with transaction.atomic():
            func()
    except (ServiceValidationError, ValidationError, ConflictError) as exc:
        messages.error(request, error_text(exc))
        return False
    if success:
        messages.success(request, success)
    return True


# --- the room grid -------------------------------------------------------------------------------


def grid_view(request, pk: int):
    _require(request, "estates.room.view")
    building = _building(request, pk, write=False)
    writable = scoped(request.user, Building, for_write=True).filter(pk=building.pk).exists()
    if request.method == "POST":
        if not writable:
            raise Http404
        _grid_post(request, building)
        return HttpResponseRedirect(request.get_full_path())
    grid = building_grid(building)
    grid["html"] = _grid_body(grid)
    legend = [
        {
            "value": s.value,
            "label": s.label,
            "colour": STATUS_COLOURS[s],
            "count": grid["counts"].get(s.value, 0),
        }
        for s in RoomStatus
    ]
    can = {
        "change": writable and has_point(request.user, "estates.room.change"),
        "add": writable and has_point(request.user, "estates.room.add"),
        "delete": writable and has_point(request.user, "estates.room.delete"),
    }
    return render(
        request,
        "estates/grid.html",
        _context(
            request,
            _("Room grid of %(building)s") % {"building": building.name},
            building=building,
            grid=grid,
            legend=legend,
            colours={k.value: v for k, v in STATUS_COLOURS.items()},
            can=can,
            statuses=RoomStatus.choices,
            unit_types=UnitType.objects.filter(project_id=building.project_id),
        ),
    )


def _grid_body(grid: dict) -> str:
    """The <tbody> of the 销控图, built in Python: a 2,000-room grid renders in a few milliseconds
    this way (the template engine needs hundreds for the same cells)."""
    labels = {value: str(label) for value, label in RoomStatus.choices}
    blank = escape(_("blank cell"))
    columns = grid["columns"]
    unit_starts = {i for i, col in enumerate(columns) if i == 0 or columns[i - 1]["unit"] != col["unit"]}
    out = []
    for row in grid["rows"]:
        out.append(f"<tr><th>{escape(row['meta']['name'])}</th>")
        for cell in row["cells"]:
            edge = " unit-start" if cell["col"] in unit_starts else ""
            room = cell["room"]
            if room is None:
                out.append(
                    f'<td class="blank{edge}" data-row="{cell["row"]}" data-col="{cell["col"]}" title="{blank}"></td>'
                )
                continue
            code = escape(room["code"])
            status = room["status"]
            type_name = room["unit_type__name"]
            unit_type = f'<span class="type">{escape(type_name)}</span>' if type_name else ""
            out.append(
                f'<td class="room st-{escape(status)}{edge}" data-room="{room["id"]}" '
                f'data-version="{room["version"]}" data-code="{code}" data-status="{escape(status)}" '
                f'rowspan="{room["row_span"]}" colspan="{room["col_span"]}" '
                f'title="{code} · {escape(labels.get(status, status))}">'
                f'<span class="num">{escape(room["number"] or room["code"])}</span>{unit_type}</td>'
            )
        out.append("</tr>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def _grid_post(request, building: Building) -> None:
    op = request.POST.get("op", "")
    user = request.user
    if op == "add":
        _require(request, "estates.room.add")
        try:
            row, col = int(request.POST.get("row", "")), int(request.POST.get("col", ""))
        except ValueError:
            messages.error(request, _("Choose a blank cell first."))
            return
        unit_type = None
        if is_digits(request.POST.get("unit_type", "")):
            unit_type = UnitType.objects.filter(
                project_id=building.project_id, pk=request.POST["unit_type"]
            ).first()
        _run(
            request,
            lambda: services.room_add_at(
                actor=user,
                building=building,
                row=row,
                col=col,
                number=request.POST.get("number", ""),
                unit_type=unit_type,
            ),
            _("Room added."),
        )
        return
    room_id = request.POST.get("room", "")
    room = (
        scoped(user, Room, for_write=True).filter(pk=int(room_id), building=building).first()
        if is_digits(room_id)
        else None
    )
    if room is None:
        messages.error(request, _("Choose a room first."))
        return
    version = request.POST.get("version", "")
    if is_digits(version) and int(version) != room.version:
        messages.error(
            request, _("Room %(room)s was changed by someone else; the grid is reloaded.") % {"room": room}
        )
        return
    actions = {
        "merge_right": ("estates.room.change", services.room_merge_right, _("Rooms merged.")),
        "merge_down": ("estates.room.change", services.room_merge_down, _("Rooms merged.")),
        "split": ("estates.room.change", services.room_split, _("Room split into single cells.")),
        "delete": ("estates.room.delete", services.room_delete, _("Room deleted.")),
        "delete_column": ("estates.room.delete", services.room_delete_column, _("Column deleted.")),
    }
    if op in actions:
        point, func, success = actions[op]
        _require(request, point)
        _run(request, lambda: func(actor=user, room=room), success)
    elif op == "insert_column":
        _require(request, "estates.room.change")
        number = request.POST.get("column_number", "")
        _run(
            request,
            lambda: services.room_insert_column(actor=user, room=room, number=number),
            _("Column inserted."),
        )
    elif op == "status":
        _require(request, "estates.room.change")
        status = request.POST.get("status", "")
        _run(
            request,
            lambda: services.room_set_status(
                actor=user, room=room, status=status, note=request.POST.get("note", "")
            ),
            _("Status changed."),
        )
    else:
        messages.error(request, _("Unknown operation."))


# --- the wizard ----------------------------------------------------------------------------------


class WizardForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("building kind"),
        choices=[("multi", gettext_lazy("Multi-unit building")), ("villa", gettext_lazy("Detached villa"))],
        initial="multi",
        widget=forms.RadioSelect,
    )
    floors = forms.IntegerField(label=gettext_lazy("floors"), min_value=1, max_value=MAX_FLOORS, initial=6)
    units = forms.IntegerField(label=gettext_lazy("units"), min_value=1, max_value=MAX_UNITS, initial=1)
    households = forms.CharField(
        label=gettext_lazy("households per floor of each unit"),
        initial="2",
        help_text=gettext_lazy("One number per unit, separated by commas, e.g. 2,3."),
    )
    floor_names = forms.CharField(
        label=gettext_lazy("floor names"),
        required=False,
        help_text=gettext_lazy("Optional: one name per floor from the lowest up, separated by commas."),
    )
    unit_names = forms.CharField(
        label=gettext_lazy("unit names"),
        required=False,
        help_text=gettext_lazy("Optional: one name per unit, separated by commas."),
    )
    rule = forms.ChoiceField(label=gettext_lazy("numbering rule"), choices=NumberingRule.choices)
    villa_number = forms.CharField(label=gettext_lazy("villa room number"), required=False, max_length=20)
    villa_unit_type = forms.ModelChoiceField(
        label=gettext_lazy("villa unit type"), queryset=UnitType.objects.none(), required=False
    )

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villa_unit_type"].queryset = UnitType.objects.filter(project=project)

    def clean_households(self):
        parts = [
            p.strip() for p in self.cleaned_data["households"].replace("，", ",").split(",") if p.strip()
        ]
        if not parts or not all(is_digits(p) for p in parts):
            raise ValidationError(_("Enter whole numbers separated by commas."))
        return [int(p) for p in parts]

    def clean(self):
        data = super().clean()
        households = data.get("households")
        units = data.get("units")
        if data.get("kind") == "multi" and households and units:
            if len(households) == 1 and units > 1:
                data["households"] = households * units
            elif len(households) != units:
                self.add_error("households", _("Give one number per unit (%(n)s).") % {"n": units})
        if data.get("kind") == "villa" and not (data.get("villa_number") or "").strip():
            self.add_error("villa_number", _("Enter the room number of the villa."))
        return data


def _split(value: str) -> list[str]:
    return [p.strip() for p in (value or "").replace("，", ",").split(",") if p.strip()] or []


def wizard_view(request, pk: int):
    _require(request, "estates.building.change")
    _require(request, "estates.room.add")
    building = _building(request, pk, write=True)
    if building.rooms.filter(is_virtual=False).exists():
        messages.info(request, _("The building has rooms already; adjust them on the room grid."))
        return HttpResponseRedirect(reverse("estates:building_grid", args=[building.pk]))
    form = WizardForm(request.POST or None, project=building.project)
    unit_types = list(UnitType.objects.filter(project_id=building.project_id))
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["kind"] == "villa":
            ok = _run(
                request,
                lambda: services.building_generate(
                    actor=request.user,
                    building=building,
                    villa=True,
                    villa_number=data["villa_number"],
                    villa_unit_type=data["villa_unit_type"],
                ),
                _("The villa's room was created."),
            )
            if ok:
                return HttpResponseRedirect(reverse("estates:building_grid", args=[building.pk]))
        else:
            kwargs = {
                "floors": data["floors"],
                "households": data["households"],
                "rule": data["rule"],
                "floor_names": _split(data["floor_names"]) or None,
                "unit_names": _split(data["unit_names"]) or None,
            }
            total = sum(data["households"])
            column_numbers = [request.POST.get(f"cn_{c}") for c in range(total)]
            if all(n is not None for n in column_numbers) and f"cn_{total}" not in request.POST:
                kwargs["column_numbers"] = [n.strip() for n in column_numbers]
            try:
                plan = plan_building(**kwargs)
            except GridError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                plan = None
            if plan is not None and "generate" in request.POST:
                n_rows, n_cols = len(plan.rows), len(plan.columns)
                numbers = [[request.POST.get(f"n_{r}_{c}", "") for c in range(n_cols)] for r in range(n_rows)]
                types = [request.POST.get(f"ut_{c}", "") for c in range(n_cols)]
                kwargs["unit_types"] = [int(t) if is_digits(t) else None for t in types]
                created = []
                ok = _run(
                    request,
                    lambda: created.append(
                        services.building_generate(
                            actor=request.user, building=building, numbers=numbers, **kwargs
                        )
                    ),
                )
                if ok:
                    messages.success(request, _("%(count)s rooms were created.") % {"count": created[0]})
                    return HttpResponseRedirect(reverse("estates:building_grid", args=[building.pk]))
                plan.numbers = numbers
                for column, type_id in zip(plan.columns, kwargs["unit_types"], strict=True):
                    column.unit_type_id = type_id
            if plan is not None:
                spans = []
                for col in plan.columns:
                    if spans and spans[-1]["unit"] == col.unit:
                        spans[-1]["span"] += 1
                    else:
                        spans.append({"unit": col.unit, "name": plan.units[col.unit - 1], "span": 1})
                preview = {
                    "rows": [
                        {"meta": row, "index": r, "cells": [(c, n) for c, n in enumerate(plan.numbers[r])]}
                        for r, row in enumerate(plan.rows)
                    ],
                    "columns": list(enumerate(plan.columns)),
                    "spans": spans,
                }
    return render(
        request,
        "estates/wizard.html",
        _context(
            request,
            _("Generate rooms for %(building)s") % {"building": building.name},
            building=building,
            form=form,
            preview=preview,
            unit_types=unit_types,
        ),
    )


# --- copy building -------------------------------------------------------------------------------


class CopyForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("new building code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("new building name"), max_length=100)
    project = forms.ModelChoiceField(label=gettext_lazy("into project"), queryset=Project.objects.none())
    zone = forms.ModelChoiceField(
        label=gettext_lazy("into zone"), queryset=Zone.objects.none(), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = scoped(user, Project, for_write=True)
        self.fields["zone"].queryset = scoped(user, Zone, for_write=True)


def copy_view(request, pk: int):
    _require(request, "estates.building.add")
    building = _building(request, pk, write=False)
    form = CopyForm(request.POST or None, user=request.user, initial={"project": building.project_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = []
        ok = _run(
            request,
            lambda: result.append(
                services.building_copy(
                    actor=request.user,
                    building=building,
                    code=data["code"],
                    name=data["name"],
                    project=data["project"],
                    zone=data["zone"],
                )
            ),
            _("The building was pasted."),
        )
        if ok:
            return HttpResponseRedirect(reverse("estates:building_grid", args=[result[0].pk]))
    return render(
        request,
        "estates/form_page.html",
        _context(
            request,
            _("Copy building %(building)s") % {"building": building.name},
            form=form,
            building=building,
        ),
    )


# --- import --------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("file (.xlsx or .csv)"))
    import_valid_rows = forms.BooleanField(
        label=gettext_lazy("import the valid rows"),
        required=False,
        help_text=gettext_lazy("Without this, nothing is imported when a row has an error."),
    )


def import_view(request):
    _require(request, "estates.room.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    run = None
    if request.method == "POST" and form.is_valid():
        company = OrgUnit.objects.filter(pk=current_company_id(request.user)).first()
        upload = form.cleaned_data["file"]
        result = []
        _run(
            request,
            lambda: result.append(
                imports.rooms_import(
                    actor=request.user,
                    company=company,
                    content=upload.read(),
                    file_name=upload.name,
                    import_valid_rows=form.cleaned_data["import_valid_rows"],
                )
            ),
        )
        run = result[0] if result else None
    return render(
        request,
        "estates/import.html",
        _context(
            request,
            _("Import rooms"),
            form=form,
            run=run,
            rows=list(run.rows.all()) if run else [],
            columns=json.dumps(list(imports.HEADERS), ensure_ascii=False),
            headers=list(imports.HEADERS),
        ),
    )
