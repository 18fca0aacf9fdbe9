"""Spending's tests use demand's catalogue (providers and services in NIL 22) and hub operator."""

from tests.demand.conftest import as_hub_operator, catalogue, hub_operator  # noqa: F401 - fixtures, shared
