# The e-mail tests' fixtures: account e-mails (reset and verification codes) are read from a real SMTP server.
from tests.notifications.email_fixtures import mail, sessions, smtp  # noqa: F401
