"""Excel export of customer rows: masked unless the user holds view_sensitive; logged by the caller."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from anju.core.masking import mask_id_number, mask_phone
from anju.core.spreadsheet import safe_row
from anju.customers.selectors import can_see_sensitive


def export_customers(user, queryset) -> tuple[bytes, int]:
    from openpyxl import Workbook

    show = can_see_sensitive(user)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Customers"))[:30])
    sheet.append(
        [
            str(h)
            for h in (
                _("customer code"),
                _("name"),
                _("customer type"),
                _("mobile"),
                _("phones"),
                _("ID type"),
                _("ID number"),
                _("gender"),
                _("birthday"),
                _("address"),
                _("tags"),
                _("state"),
                _("salesperson"),
                _("rooms"),
            )
        ]
    )
    count = 0
    for c in (
        queryset.select_related("salesperson")
        .prefetch_related("phones", "room_relations__room")
        .iterator(chunk_size=2000)
    ):
        phones = [p.number if show else mask_phone(p.number) for p in c.phones.all()]
        rooms = [
            f"{r.room.code}({r.get_role_display()})" for r in c.room_relations.all() if r.end_date is None
        ]
        sheet.append(
            safe_row(
                [
                    c.code,
                    c.name,
                    c.get_kind_display(),
                    c.mobile if show else mask_phone(c.mobile),
                    " ".join(phones),
                    c.id_type,
                    c.id_number if show else mask_id_number(c.id_number),
                    c.get_gender_display(),
                    c.birthday,
                    c.address,
                    ",".join(c.tags),
                    c.get_state_display(),
                    str(c.salesperson or ""),
                    " ".join(rooms),
                ]
            )
        )
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count
