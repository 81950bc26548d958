import contextlib
import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.customers.validators import (
    check_char,
    normalise_plate,
    parse_id_number,
    parse_phone,
    upgrade_legacy,
    validate_plate,
)


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014", "11010519491231002x"])
def test_the_standards_examples_pass(number):
    parsed = parse_id_number(number)
    assert parsed.number == number.upper()
    assert parsed.warnings == []


def test_birth_date_gender_and_province_come_from_the_number():
    parsed = parse_id_number("11010519491231002X")
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.gender == "female"  # sequence 002 is even
    assert parsed.province == "北京市"
    assert parse_id_number("440524188001010014").gender == "male"


def test_wrong_check_character_is_an_error():
    with pytest.raises(ValidationError) as exc:
        parse_id_number("110105194912310021")
    assert exc.value.code == "id_checksum"


@pytest.mark.parametrize("number", ["110105194902300023", "110105209912310028", "11010519491331002X"])
def test_impossible_birth_dates_are_errors(number):
    first17 = number[:17]
    with pytest.raises(ValidationError) as exc:
        parse_id_number(first17 + check_char(first17))
    assert exc.value.code == "id_date"


@pytest.mark.parametrize("number", ["", "1234", "11010519491231002Y", "A1010519491231002X"])
def test_malformed_numbers_are_errors(number):
    with pytest.raises(ValidationError):
        parse_id_number(number)


def test_legacy_15_digit_numbers_are_upgraded():
    parsed = parse_id_number("110105491231002")
    assert parsed.number == "11010519491231002X"
    assert parsed.upgraded_from == "110105491231002"
    assert upgrade_legacy("440524800101001") == "440524198001010011"[:17] + check_char("44052419800101001")


def test_unknown_address_code_is_a_warning_not_an_error():
    first17 = "99010519800101001"
    parsed = parse_id_number(first17 + check_char(first17))
    assert parsed.warnings and "990105" in str(parsed.warnings[0])


dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31))


@settings(max_examples=300, deadline=None)
@given(area=st.sampled_from(["110105", "440524", "310101", "510107"]), birth=dates, seq=st.integers(0, 999))
def test_any_generated_valid_number_passes_and_round_trips(area, birth, seq):
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    parsed = parse_id_number(first17 + check_char(first17))
    assert parsed.birth_date == birth
    assert parsed.gender == ("male" if seq % 2 else "female")


@settings(max_examples=300, deadline=None)
@given(birth=dates, seq=st.integers(0, 999), pos=st.integers(0, 16), delta=st.integers(1, 9))
def test_any_single_digit_error_is_caught(birth, seq, pos, delta):
    first17 = f"440524{birth:%Y%m%d}{seq:03d}"
    good = first17 + check_char(first17)
    digit = (int(good[pos]) + delta) % 10
    bad = good[:pos] + str(digit) + good[pos + 1 :]
    with pytest.raises(ValidationError):
        parse_id_number(bad)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=25))
def test_arbitrary_text_never_crashes(text):
    with contextlib.suppress(ValidationError):
        parse_id_number(text)
    with contextlib.suppress(ValidationError):
        parse_phone(text)


@settings(max_examples=100, deadline=None)
@given(
    birth=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(1999, 12, 31)),
    seq=st.integers(0, 999),
)
def test_legacy_upgrade_agrees_with_the_18_digit_form(birth, seq):
    legacy = f"440524{birth:%y%m%d}{seq:03d}"
    parsed = parse_id_number(legacy)
    assert parsed.number[:6] == "440524" and parsed.number[6:8] == "19"
    assert parse_id_number(parsed.number).number == parsed.number


# --- phones ----------------------------------------------------------------------------------
def test_mobile_numbers_are_normalised():
    phone = parse_phone("138 0013 8000")
    assert (phone.number, phone.kind, phone.warnings) == ("13800138000", "mobile", [])
    assert parse_phone("+86 138-0013-8000").number == "13800138000"


def test_unknown_mobile_prefix_warns_but_is_accepted():
    phone = parse_phone("17412345678")
    assert phone.kind == "mobile" and phone.warnings


def test_landlines_are_accepted():
    phone = parse_phone("0755-83283496")
    assert phone.kind == "fixed" and phone.warnings == []
    assert parse_phone("010-12345678").kind in ("fixed", "other")


@pytest.mark.parametrize("text", ["abc", "123", "1380013800", "23800138000x", ""])
def test_garbage_phones_are_refused(text):
    with pytest.raises(ValidationError):
        parse_phone(text)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_any_11_digit_mobile_is_accepted_perhaps_with_a_warning(number):
    assert parse_phone(number).number == number


def test_plates():
    assert normalise_plate("粤b·12345") == "粤B12345"
    assert validate_plate("粤B D12345") == "粤BD12345"
    with pytest.raises(ValidationError):
        validate_plate("12345")
