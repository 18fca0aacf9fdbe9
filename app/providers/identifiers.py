"""Italian identifiers with their check characters (no network, pure arithmetic).

* Partita IVA and the 11-digit codice fiscale of organisations: a Luhn-style check digit.
* The 16-character codice fiscale of persons: a check letter from the odd/even position tables
  of DM 23/12/1976 (omocodia substitutions included, since the tables cover letters).
"""

import re

_CF_PERSON = re.compile(r"^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$")
_ODD = dict(
    zip(
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [
            1,
            0,
            5,
            7,
            9,
            13,
            15,
            17,
            19,
            21,
            1,
            0,
            5,
            7,
            9,
            13,
            15,
            17,
            19,
            21,
            2,
            4,
            18,
            20,
            11,
            3,
            6,
            8,
            12,
            14,
            16,
            10,
            22,
            25,
            24,
            23,
        ],
        strict=True,
    )
)
_EVEN = {**{str(d): d for d in range(10)}, **{chr(ord("A") + i): i for i in range(26)}}


def is_valid_partita_iva(value: str) -> bool:
    if not re.fullmatch(r"[0-9]{11}", value) or value == "0" * 11:  # ASCII digits only
        return False
    total = 0
    for index, char in enumerate(value[:10]):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return (10 - total % 10) % 10 == int(value[10])


def is_valid_person_tax_code(value: str) -> bool:
    if not _CF_PERSON.fullmatch(value):
        return False
    total = sum(_ODD[c] if i % 2 == 0 else _EVEN[c] for i, c in enumerate(value[:15]))
    return chr(ord("A") + total % 26) == value[15]


def is_valid_tax_code(value: str) -> bool:
    """A codice fiscale: 16 characters for a person, 11 digits for an organisation."""
    return is_valid_person_tax_code(value) if len(value) == 16 else is_valid_partita_iva(value)
