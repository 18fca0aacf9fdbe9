""".env.example lists every setting of app/config.py, and the defaults it shows are the real ones.

A setting added to (or renamed in) the Settings class without a line in .env.example fails here,
and so does a line whose value no longer matches the default."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from app.config import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"
# "# NAME=value" (commented out: copying the file to .env changes nothing until a line is uncommented)
ASSIGNMENT = re.compile(r"^#\s?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


def setting_names(model: type[BaseModel] = Settings, prefix: str = "") -> Iterator[str]:
    """Environment names of every leaf setting: nested groups as GROUP__NAME."""
    for name, field in model.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            yield from setting_names(field.annotation, f"{prefix}{name.upper()}__")
        else:
            yield f"{prefix}{name.upper()}"


def documented() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    return {m["name"]: m["value"] for m in map(ASSIGNMENT.match, lines) if m}


def leaf(dump: dict, name: str) -> object:
    for part in name.lower().split("__"):
        dump = dump[part]
    return dump


@pytest.fixture
def clean_environment(monkeypatch):
    """No setting from the test run's environment (conftest sets ENV=test and cheap Argon2)."""
    for name in setting_names():
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_env_example_lists_every_setting_and_nothing_else():
    listed = documented()

    assert sorted(set(setting_names()) - listed.keys()) == [], "settings missing from .env.example"
    assert sorted(listed.keys() - set(setting_names())) == [], ".env.example lists settings that do not exist"


def test_env_example_values_are_the_defaults(clean_environment):
    literal = {name: value for name, value in documented().items() if not value.startswith("<")}
    defaults = Settings(_env_file=None).model_dump(mode="json")

    for name, value in literal.items():
        clean_environment.setenv(name, value)
    from_example = Settings(_env_file=None).model_dump(mode="json")

    differing = {name: (leaf(from_example, name), leaf(defaults, name)) for name in literal}
    assert {name: pair for name, pair in differing.items() if pair[0] != pair[1]} == {}
    assert len(literal) >= 40, "most settings show their default literally"


def test_every_setting_in_env_example_has_a_comment_above_it():
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    undocumented, explained = [], False
    for line in lines:
        match = ASSIGNMENT.match(line)
        if match and not explained:
            undocumented.append(match["name"])
        explained = bool(match) or (line.startswith("# ") and not line.startswith("# ---"))

    assert undocumented == []
