from app.errors import AppError, Conflict, Forbidden, NotFound


class EmailTaken(Conflict):
    code, title = "email_taken", "E-mail Already Registered"


class InvalidGrant(AppError):
    """RFC 6749 §5.2: wrong credentials, or a bad, expired or revoked refresh token."""

    status_code, code, title = 400, "invalid_grant", "Invalid Grant"


class RefreshTokenReused(InvalidGrant):
    """A used refresh token came back: the family is revoked, and that revocation must stick."""

    persist_changes = True


class InvalidClientCredentials(AppError):
    status_code, code, title = 401, "invalid_client", "Invalid Client"
    headers = {"WWW-Authenticate": 'Basic realm="token"'}


class InvalidScope(AppError):
    status_code, code, title = 400, "invalid_scope", "Invalid Scope"


class UnsupportedGrantType(AppError):
    status_code, code, title = 400, "unsupported_grant_type", "Unsupported Grant Type"


class WrongPassword(AppError):
    status_code, code, title = 400, "wrong_password", "Wrong Password"


class WeakPassword(AppError):
    """The password meets the length rule but is easy to guess; the reason and what to do instead
    come in the caller's language (Content-Language says which)."""

    status_code, code, title = 422, "weak_password", "Weak Password"

    def __init__(self, reason: str, *, suggestions: list[str], pointer: str, language: str) -> None:
        super().__init__(
            reason,
            errors=[{"pointer": pointer, "location": "body", "detail": reason}],
            suggestions=suggestions,
        )
        self.headers = {"Content-Language": language}


class UserNotFound(NotFound):
    code = "user_not_found"


class OwnAccountProtected(Conflict):
    code, title = "own_account_protected", "Own Account Protected"


class AccountTokenUnknown(AppError):
    """No token like this was ever issued (mistyped, truncated, or for another purpose)."""

    status_code, code, title = 400, "account_token_unknown", "Unknown Token"


class AccountTokenUsed(AppError):
    status_code, code, title = 410, "account_token_used", "Token Already Used"


class AccountTokenExpired(AppError):
    status_code, code, title = 410, "account_token_expired", "Token Expired"


class EmailNotVerified(Forbidden):
    code, title = "email_not_verified", "E-mail Not Verified"
