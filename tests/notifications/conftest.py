# The domains' fixtures the lifecycle tables build on.
from tests.demand.conftest import catalogue, hub_operator  # noqa: F401
from tests.notifications.email_fixtures import mail, sessions, smtp  # noqa: F401 - the e-mail tests' fixtures
from tests.pools.conftest import hood  # noqa: F401
