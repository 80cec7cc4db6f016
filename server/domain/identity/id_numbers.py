"""ID numbers (证件号) and the default password rules (FAQ 12, 13, 19)."""

from __future__ import annotations

import re
import unicodedata

_MAINLAND_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_MAINLAND_CHECK = "10X98765432"
_MAINLAND = re.compile(r"^\d{17}[\dX]$")
_MAINLAND_OLD = re.compile(r"^\d{15}$")
# Hong Kong (A123456(7)), Macau (1234567(8)), Taiwan and passports, military officer IDs
# (which may contain Chinese characters such as 南字第1234567号).
_OTHER = re.compile(r"^[0-9A-Z()\u4e00-\u9fff]{6,30}$")

DEFAULT_PASSWORD_WITH_PARENTHESES = "123456"


class BadIdNumber(ValueError):
    """The reason is a Chinese sentence shown in import reports."""


def normalize_id_number(raw: str) -> str:
    """Upper-case (FAQ 13), half-width, no spaces: the one form stored and compared."""
    # NFKC turns （）into () and full-width digits into ASCII. Upper-casing and dropping
    # spaces can leave text that NFKC changes again (a + space + accent), so repeat until
    # stable: normalising a normalised number must change nothing.
    text = raw or ""
    for _ in range(4):
        step = "".join(unicodedata.normalize("NFKC", text).upper().split())
        if step == text:
            break
        text = step
    return text


def normalize_login_name(raw: str) -> str:
    """Usernames are matched in the same normalised form as ID numbers."""
    return normalize_id_number(raw)


def validate_id_number(raw: str) -> str:
    """Return the normalised ID number or raise BadIdNumber with the reason."""
    value = normalize_id_number(raw)
    if not value:
        raise BadIdNumber("证件号为空")
    if len(value) == 18 and value[:17].isdigit():
        if not _MAINLAND.match(value):
            raise BadIdNumber("身份证号格式不正确")
        if _mainland_check_char(value) != value[17]:
            raise BadIdNumber("身份证号校验位错误，请核对")
        return value
    if _MAINLAND_OLD.match(value):
        return value
    if value.isdigit():
        raise BadIdNumber("身份证号应为18位")
    if not _OTHER.match(value):
        raise BadIdNumber("证件号含有不允许的字符或长度不正确")
    if value.count("(") != value.count(")"):
        raise BadIdNumber("证件号括号不匹配")
    return value


def _mainland_check_char(value: str) -> str:
    total = sum(
        int(digit) * weight for digit, weight in zip(value[:17], _MAINLAND_WEIGHTS, strict=False)
    )
    return _MAINLAND_CHECK[total % 11]


def default_password(id_number: str) -> str:
    """Last 6 characters of the ID number, or 123456 when it contains parentheses (FAQ 19)."""
    value = normalize_id_number(id_number)
    if "(" in value or ")" in value:
        return DEFAULT_PASSWORD_WITH_PARENTHESES
    return value[-6:]
