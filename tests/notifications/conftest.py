from tests.pools.conftest import hood  # noqa: F401 - the pool neighbourhood, for the helper's own test
