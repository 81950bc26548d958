import io

from openpyxl import Workbook, load_workbook

from anju.core.spreadsheet import safe_cell, safe_row


def test_control_characters_are_dropped_and_formulas_neutralised():
    assert safe_cell("张\x1c三") == "张三"
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-12.5") == "-12.5"
    assert safe_cell(7) == 7
    assert safe_cell(None) is None


def test_a_workbook_with_hostile_text_saves_and_reads_back_as_text():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.append(safe_row(["a\x00b", "=1+1", "普通"]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = [c.value for c in next(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())]
    assert cells == ["ab", "'=1+1", "普通"]


def test_api_text_fields_refuse_control_characters_but_keep_line_breaks():
    import pytest
    from rest_framework.exceptions import ValidationError

    from anju.core.api.fields import PlainTextField

    field = PlainTextField()
    assert field.run_validation("第一行\r\n第二行\t!") == "第一行\r\n第二行\t!"
    with pytest.raises(ValidationError):
        field.run_validation("张\x1c三")
