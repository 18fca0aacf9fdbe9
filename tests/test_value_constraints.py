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


@pytest.mark.parametrize("cursor", ["0" * 40, "not a cursor", "abc.def"], ids=repr)
async def test_a_cursor_without_the_published_shape_is_a_422_before_its_signature_is_checked(client, cursor):
    response = await client.get("/v1/zones", params={"cursor": cursor})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize(
    ("near", "valid"),
    [("45.4642,9.19", True), (" 45.4642 , 9.19 ", True), ("-90,180", True), ("1e5,2", False), ("91,0", False),
     ("nan,nan", False), ("45.46", False)],
)  # fmt: skip
async def test_near_is_accepted_exactly_when_it_matches_the_published_pattern(app, client, near, valid):
    spec = next(p for p in app.openapi()["paths"]["/v1/services"]["get"]["parameters"] if p["name"] == "near")
    assert Draft202012Validator(spec["schema"]).is_valid(near) is valid

    response = await client.get("/v1/services", params={"near": near})

    assert response.status_code == (200 if valid else 422), response.text


@pytest.mark.parametrize(
    ("available", "valid"),
    [("tue:16:00-18:00,thu:16:00-18:00", True), ("tue:16:00-18:00, thu:09:00-24:00 ", True),
     ("tue:25:00-26:00", False), ("0" * 20, False), ("tue 16-18", False)],
)  # fmt: skip
async def test_available_is_accepted_exactly_when_it_matches_the_published_pattern(app, client, available, valid):
    spec = next(p for p in app.openapi()["paths"]["/v1/services"]["get"]["parameters"] if p["name"] == "available")
    assert Draft202012Validator(spec["schema"]).is_valid(available) is valid

    response = await client.get("/v1/services", params={"available": available})

    assert response.status_code == (200 if valid else 422), response.text


def unbounded(schema, path: str) -> list[str]:
    """Where a request schema lets a value grow without a published limit."""
    found: list[str] = []
    if isinstance(schema, dict):
        kind, fmt = schema.get("type"), schema.get("format")
        fixed = "enum" in schema or "const" in schema or fmt in ("uuid", "date", "date-time", "time", "binary")
        if kind == "string" and not fixed and "maxLength" not in schema:
            found.append(f"{path}: string without maxLength")
        if kind == "array" and "maxItems" not in schema:
            found.append(f"{path}: array without maxItems")
        if kind in ("integer", "number") and not (
            {"minimum", "exclusiveMinimum"} & set(schema) and {"maximum", "exclusiveMaximum"} & set(schema)
        ):
            found.append(f"{path}: {kind} without bounds")
        for key, value in schema.items():
            found += unbounded(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            found += unbounded(value, f"{path}/{index}")
    return found


def test_every_request_value_has_a_published_limit(app):
    from app.request_defaults import request_body_schemas

    spec = app.openapi()
    schemas = spec["components"]["schemas"]
    problems = [p for name in sorted(request_body_schemas(spec)) for p in unbounded(schemas[name], name)]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                problems += unbounded(parameter.get("schema", {}), f"{method.upper()} {path} {parameter['name']}")

    assert problems == []
