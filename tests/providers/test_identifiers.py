"""Italian identifiers: partita IVA (Luhn-style check digit) and codice fiscale (check letter)."""

import pytest

from app.providers.identifiers import is_valid_partita_iva, is_valid_person_tax_code, is_valid_tax_code

# --- partita IVA -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["01114601006", "12345678903"])
def test_partita_iva_with_right_check_digit_is_valid(value):
    assert is_valid_partita_iva(value) is True


@pytest.mark.parametrize("value", ["01114601007", "01114601000", "12345678901"])
def test_partita_iva_with_wrong_check_digit_is_invalid(value):
    assert is_valid_partita_iva(value) is False


def test_partita_iva_of_all_zeros_is_invalid_although_its_check_digit_fits():
    assert is_valid_partita_iva("00000000000") is False


@pytest.mark.parametrize(
    "value",
    ["0111460100", "011146010066", "0111460100A", " 01114601006", "01114601006 ", "IT01114601006", "", "0111-460100"],
)
def test_partita_iva_not_of_eleven_digits_is_invalid(value):
    assert is_valid_partita_iva(value) is False


def test_partita_iva_of_non_ascii_digits_is_invalid():
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in "01114601006")

    assert is_valid_partita_iva(arabic_indic) is False


# --- codice fiscale of a person --------------------------------------------------------------------


def test_person_tax_code_with_right_check_letter_is_valid():
    assert is_valid_person_tax_code("RSSMRA85T10A562S") is True


@pytest.mark.parametrize("last", [c for c in "ABCDEFGHIJKLMNOPQRTUVWXYZ"])
def test_person_tax_code_with_wrong_check_letter_is_invalid(last):
    assert is_valid_person_tax_code("RSSMRA85T10A562" + last) is False


def test_omocodia_variant_with_its_own_check_letter_is_valid():
    # the last digit 2 becomes N (0-9 → LMNPQRSTUV); the check letter is recomputed: H
    assert is_valid_person_tax_code("RSSMRA85T10A56NH") is True


def test_omocodia_variant_keeping_the_original_check_letter_is_invalid():
    assert is_valid_person_tax_code("RSSMRA85T10A56NS") is False


def test_person_tax_code_in_lowercase_is_invalid():
    assert is_valid_person_tax_code("rssmra85t10a562s") is False


@pytest.mark.parametrize(
    "value",
    [
        "RSSMRA85T10A562",  # 15 characters
        "RSSMRA85T10A562SX",  # 17 characters
        "RSSMRA85T10A5A2S",  # A is not an omocodia letter for a digit
        "RSSMR485T10A562S",  # a digit where the name letters go
        "RSSMRA85110A562S",  # a digit where the month letter goes
        "RSSMRA85T10A562 ",
        "RSSMRA85T10A562!",
    ],
)
def test_malformed_person_tax_code_is_invalid(value):
    assert is_valid_person_tax_code(value) is False


# --- codice fiscale, either form -------------------------------------------------------------------


def test_tax_code_of_sixteen_characters_is_checked_as_a_persons():
    assert is_valid_tax_code("RSSMRA85T10A562S") is True
    assert is_valid_tax_code("RSSMRA85T10A562T") is False


def test_tax_code_of_eleven_digits_is_checked_as_an_organisations():
    assert is_valid_tax_code("01114601006") is True
    assert is_valid_tax_code("01114601007") is False


@pytest.mark.parametrize("value", ["", "0111460100", "RSSMRA85T10A56", "0111460100600"])
def test_tax_code_of_another_length_is_invalid(value):
    assert is_valid_tax_code(value) is False
