"""Sign-in with an OpenID Provider: why a sign-in is refused, one code per reason.

Every refusal after the callback has taken its state commits that (`persist_changes`): a state is
single use whether the sign-in it started succeeds or not, so a failed callback cannot be retried
with the same state (nor a stolen code raced through it).
"""

from app.errors import AppError, Conflict, NotFound


class OidcProviderUnknown(NotFound):
    code, title = "oidc_provider_unknown", "Unknown Identity Provider"


class RedirectUriNotRegistered(AppError):
    status_code, code, title = 400, "redirect_uri_not_registered", "Redirect URI Not Registered"


class SignInRefused(AppError):
    """The base of the callback's refusals (never sent itself)."""

    __abstract__ = True
    status_code, code, title = 400, "sign_in_refused", "Sign-in Refused"
    persist_changes = True


class OidcStateInvalid(SignInRefused):
    """No authorization of this provider has this state (forged, mistyped, or another provider's)."""

    code, title = "oidc_state_invalid", "Unknown Sign-in State"


class OidcStateUsed(SignInRefused):
    code, title = "oidc_state_used", "Sign-in State Already Used"


class OidcStateExpired(SignInRefused):
    code, title = "oidc_state_expired", "Sign-in State Expired"


class OidcCodeRejected(SignInRefused):
    """The provider's token endpoint refused the code: replayed, expired, or issued to someone else."""

    code, title = "oidc_code_rejected", "Authorization Code Rejected"


class IdTokenMalformed(SignInRefused):
    code, title = "id_token_malformed", "Malformed ID Token"


class IdTokenUnsigned(SignInRefused):
    """`alg: none`: an unsigned token proves nothing."""

    code, title = "id_token_unsigned", "Unsigned ID Token"


class IdTokenAlgorithmRefused(SignInRefused):
    code, title = "id_token_algorithm_refused", "ID Token Algorithm Refused"


class IdTokenSignatureInvalid(SignInRefused):
    """Not signed by any of the provider's keys, even after fetching them again."""

    code, title = "id_token_signature_invalid", "ID Token Signature Invalid"


class IdTokenIssuerMismatch(SignInRefused):
    code, title = "id_token_issuer_mismatch", "ID Token From Another Issuer"


class IdTokenAudienceMismatch(SignInRefused):
    code, title = "id_token_audience_mismatch", "ID Token For Another Client"


class IdTokenExpired(SignInRefused):
    code, title = "id_token_expired", "ID Token Expired"


class IdTokenIssuedInFuture(SignInRefused):
    code, title = "id_token_issued_in_future", "ID Token Issued In The Future"


class IdTokenNonceMismatch(SignInRefused):
    code, title = "id_token_nonce_mismatch", "ID Token Nonce Mismatch"


class IdTokenClaimMissing(SignInRefused):
    code, title = "id_token_claim_missing", "ID Token Claim Missing"


class AcrNotAllowed(SignInRefused):
    """The level of assurance the provider asserted is not one this deployment accepts."""

    code, title = "acr_not_allowed", "Level Of Assurance Not Allowed"


class UserinfoSubjectMismatch(SignInRefused):
    """OpenID Connect Core 5.3.2: userinfo about another subject than the id_token's is not used."""

    code, title = "userinfo_subject_mismatch", "Userinfo For Another Subject"


class IdentityClaimMissing(SignInRefused):
    """The provider did not release an attribute the account needs (fiscal code, name, e-mail)."""

    code, title = "identity_claim_missing", "Identity Attribute Missing"


class FiscalCodeInvalid(SignInRefused):
    code, title = "fiscal_code_invalid", "Fiscal Code Invalid"


class OidcEmailInUse(Conflict):
    """Never linked by e-mail alone: an account with this e-mail exists but no verified identity
    joins it to this fiscal code."""

    code, title = "oidc_email_in_use", "E-mail Belongs To Another Account"
    persist_changes = True


class SignInAccountInactive(SignInRefused):
    status_code = 403
    code, title = "sign_in_account_inactive", "Account Deactivated"


class OidcProviderUnavailable(AppError):
    """The provider could not be reached or answered nonsense (discovery, keys, token, userinfo)."""

    status_code, code, title = 502, "oidc_provider_unavailable", "Identity Provider Unavailable"
    persist_changes = True
