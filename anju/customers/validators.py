"""Validation of Chinese resident ID numbers (GB 11643-1999) and phone numbers.

Hard errors raise `django.core.exceptions.ValidationError` with a translated message; soft findings
(an address code missing from the bundled table, a mobile prefix unknown to the phone metadata) are
returned as `warnings` so the caller can show them without blocking the save.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def parse_id(value) -> int | None:
    """A row id typed into a URL or form ("42"), else None: ASCII digits only ("²".isdigit() is true
    but int() refuses it) and short enough for a bigint column."""
    value = str(value or "").strip()
    return int(value) if re.fullmatch(r"[0-9]{1,18}", value) else None


WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # S mod 11 = 0..10

# Province-level address codes (first two digits, GB/T 2260).
PROVINCES = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}

_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")


@dataclass
class IdNumber:
    number: str  # normalised 18 characters
    birth_date: datetime.date
    gender: str  # "male" | "female"
    province: str = ""
    upgraded_from: str = ""  # the legacy 15-digit number it came from
    warnings: list[str] = field(default_factory=list)


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def upgrade_legacy(number15: str) -> str:
    """GB 11643-1989 → GB 11643-1999: insert the century "19" and append the check character."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_char(first17)


def _birth_date(text: str) -> datetime.date | None:
    try:
        return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def parse_id_number(value: str, *, today: datetime.date | None = None) -> IdNumber:
    """Validate a resident ID number; return it normalised (18 characters, upper-case X)."""
    raw = re.sub(r"\s", "", str(value or "")).upper()
    upgraded_from = ""
    if _ID15.match(raw):
        upgraded_from = raw
        raw = upgrade_legacy(raw)
    elif not _ID18.match(raw):
        raise ValidationError(
            _("A resident ID number has 18 characters (the last may be X) or, for old cards, 15 digits."),
            code="id_format",
        )
    birth = _birth_date(raw[6:14])
    today = today or datetime.date.today()
    if birth is None or birth > today or birth.year < 1800:
        raise ValidationError(_("The birth date in this ID number is not a real date."), code="id_date")
    if not upgraded_from and check_char(raw[:17]) != raw[17]:
        raise ValidationError(
            _("The check character of this ID number is wrong; please check the number."),
            code="id_checksum",
        )
    warnings = []
    province = PROVINCES.get(raw[:2], "")
    if not province:
        warnings.append(
            _("The address code %(code)s of this ID number is not in the code table; please check it.")
            % {"code": raw[:6]}
        )
    return IdNumber(
        number=raw,
        birth_date=birth,
        gender="male" if int(raw[16]) % 2 else "female",
        province=province,
        upgraded_from=upgraded_from,
        warnings=warnings,
    )


@dataclass
class Phone:
    number: str  # as it will be stored: 11 digits for a mobile, 0755-83283496 for a landline
    digits: str  # digits only, for searching
    kind: str  # "mobile" | "fixed" | "other"
    warnings: list[str] = field(default_factory=list)


_PHONE_CHARS = re.compile(r"^[\d\s\-+()（）转#*]+$")


def parse_phone(value: str) -> Phone:
    """Validate a mainland phone number. Mobiles with a prefix unknown to the metadata warn only."""
    text = str(value or "").strip()
    if not text or not _PHONE_CHARS.match(text):
        raise ValidationError(_("Enter a phone number made of digits (and - for landlines)."), code="phone")
    digits = re.sub(r"\D", "", text)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        number = digits
        try:
            valid = phonenumbers.is_valid_number(phonenumbers.parse(number, "CN"))
        except phonenumbers.NumberParseException:
            valid = False
        warnings = (
            []
            if valid
            else [
                _("The mobile number %(number)s has a prefix that is not known yet; please check it.")
                % {"number": number}
            ]
        )
        return Phone(number=number, digits=digits, kind="mobile", warnings=warnings)
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("This is not a valid phone number."), code="phone") from exc
    if phonenumbers.is_valid_number(parsed):
        kind = phonenumbers.number_type(parsed)
        if kind in (
            phonenumbers.PhoneNumberType.FIXED_LINE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            return Phone(number=text, digits=digits, kind="fixed")
        return Phone(number=text, digits=digits, kind="other")
    if len(digits) in (7, 8) and not digits.startswith("0"):
        # A local landline without area code (e.g. 83283496) is usable inside one city.
        return Phone(
            number=text,
            digits=digits,
            kind="fixed",
            warnings=[_("The phone number %(number)s has no area code.") % {"number": text}],
        )
    raise ValidationError(_("This is not a valid phone number."), code="phone")


def normalise_plate(value: str) -> str:
    return re.sub(r"[\s·\-.]", "", str(value or "")).upper()


_PLATE = re.compile(r"^[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}$|^[\u4e00-\u9fa5][A-Z][A-Z0-9]{4}[\u4e00-\u9fa5]$")


def validate_plate(value: str) -> str:
    plate = normalise_plate(value)
    if not _PLATE.match(plate):
        raise ValidationError(
            _(
                "Enter a plate number such as 粤B12345 (new-energy plates have 6 characters after the letter)."
            ),
            code="plate",
        )
    return plate
