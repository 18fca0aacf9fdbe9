"""Value constraints: what the contract calls valid is what the server accepts, before and after
normalisation (trimming, URL parsing, upper-casing), checked through the app against its own schema."""

import uuid

import pytest
from jsonschema import Draft202012Validator


def contract_property(app, schema: str, field: str) -> Draft202012Validator:
    """A validator for one property of a component schema, as the published contract states it."""
    spec = app.openapi()
    prop = spec["components"]["schemas"][schema]["properties"][field]
    return Draft202012Validator({**prop, "components": spec["components"]})


REASONS = [
    "abc",
    "ab ",  # the audit's case: three characters as sent, two after trimming
    " ab",
    "a b",
    "  a  ",
    "ab\t",
    " abc ",
    "a" * 500,
    " " + "a" * 499,
    "a" * 500 + " ",  # 501 as sent: over the contract's maxLength, refused however it trims
    "   ",
    "",
]


@pytest.mark.parametrize("reason", REASONS, ids=repr)
async def test_a_cancel_reason_is_accepted_exactly_when_the_contract_calls_it_valid(app, client, as_citizen_a, reason):
    valid = contract_property(app, "ReasonIn", "reason").is_valid(reason)

    # No such request: a body that passes validation reaches the service and gets its 404.
    response = await client.post(f"/v1/requests/{uuid.uuid4()}/cancel", json={"reason": reason}, headers=as_citizen_a)

    assert response.status_code == (404 if valid else 422), response.text
    assert response.json()["code"] == ("request_not_found" if valid else "validation_error")


def test_the_contract_refuses_a_reason_that_trims_below_its_minimum(app):
    reason = contract_property(app, "ReasonIn", "reason")

    assert not reason.is_valid("ab ")
    assert reason.is_valid("ab c ")


def test_trimming_removes_exactly_what_the_contract_pattern_calls_whitespace():
    import re

    from app.shared_schemas import WHITESPACE

    # Unicode White_Space is what `\s` matches in both pydantic's Rust regex and ECMA-262; U+001C is
    # space to Python's str.isspace() but not to `\s`, so it must survive trimming.
    assert all(re.fullmatch(r"\s", char) for char in WHITESPACE)
    assert "\x1c" not in WHITESPACE


@pytest.mark.parametrize("code", ["k7qx3mpa", " K7QX3MPA ", "K7QX3MPA\n"], ids=repr)
async def test_a_join_code_with_spaces_around_or_in_lower_case_is_valid_and_looked_up_upper_case(
    app, client, as_citizen_a, code
):
    assert contract_property(app, "JoinByCode", "join_code").is_valid(code)

    response = await client.post("/v1/condominium-memberships", json={"join_code": code}, headers=as_citizen_a)

    assert response.status_code == 404  # validated, then looked up (no building has this code)
    assert response.json()["code"] == "join_code_invalid"
