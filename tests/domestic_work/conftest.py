"""The demand tests' catalogue and callers, reused: offers are made on its requests (see
tests/demand/conftest.py; `dalia` is its one individual worker)."""

from tests.demand.conftest import catalogue  # noqa: F401  (a fixture, registered by being imported here)
