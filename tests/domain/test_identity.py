"""ID-number rules (FAQ 13, 19) without a database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.identity import (
    BadIdNumber,
    default_password,
    normalize_id_number,
    validate_id_number,
)
from tests.factories import id_ending_in_x, valid_id


def test_mainland_id_checksum_is_verified():
    good = valid_id(1)
    assert validate_id_number(good) == good
    wrong_digit = (
        good[:17] + str((int(good[17]) + 1) % 10) if good[17].isdigit() else good[:17] + "0"
    )
    with pytest.raises(BadIdNumber, match="校验位"):
        validate_id_number(wrong_digit)


def test_letters_are_upper_cased_and_the_default_password_ends_upper_case():
    id_number = id_ending_in_x()
    assert validate_id_number(id_number.lower()) == id_number
    assert default_password(id_number.lower()) == id_number[-6:]
    assert default_password(id_number).endswith("X")


@pytest.mark.parametrize("raw", ["A123456(7)", "a123456（7）", " 1234567(8) "])
def test_ids_with_parentheses_default_to_123456(raw):
    assert default_password(validate_id_number(raw)) == "123456"


@pytest.mark.parametrize("raw", ["", "123", "12345678901234567", "A1<script>", "A123456(7"])
def test_bad_ids_are_refused_with_a_reason(raw):
    with pytest.raises(BadIdNumber) as error:
        validate_id_number(raw)
    assert str(error.value)


@given(st.text(max_size=40))
def test_normalisation_is_idempotent(raw):
    once = normalize_id_number(raw)
    assert normalize_id_number(once) == once
    assert once == once.upper()
