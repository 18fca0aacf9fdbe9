"""Sign-in with an OpenID Provider (SPID/CIE): the authorizations waiting for their callback."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPk, utcnow


class OidcAuthorization(UUIDPk, Base):
    """One authorization request sent to a provider, kept until its callback (single use, short-lived).

    The state is stored as its SHA-256: the row alone cannot complete a sign-in. The nonce and the PKCE
    verifier are kept as they are, since the callback needs them: the nonce to compare with the
    id_token's, the verifier to send to the token endpoint.
    """

    __tablename__ = "oidc_authorization"

    provider: Mapped[str] = mapped_column(String(40))
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
