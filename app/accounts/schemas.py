import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from app.models import IdentityLevel, Language, Role
from app.shared_schemas import Count, Phone, Strict, Version, stored, trimmed

Password = Annotated[str, Field(min_length=10, max_length=128, description="10 to 128 characters")]
FullName = trimmed(200)


class RegistrationCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "giulia.rossi@example.org",
                    "password": "una-password-lunga",
                    "full_name": "Giulia Rossi",
                    "phone": "+39 02 1234567",
                    "role": "citizen",
                }
            ]
        },
    )

    email: EmailStr = Field(max_length=254)
    password: Password
    full_name: FullName
    phone: Phone | None = None
    role: Literal["citizen", "worker"] = Field(
        default="citizen", description="Self-registration is for citizens and individual workers"
    )
    preferred_language: Language = Language.it


class IdentityVerifiedRead(BaseModel):
    """The identity an OpenID Provider (SPID/CIE) verified for this account, as of the latest sign-in."""

    provider: stored(40) = Field(description="The configured provider signed in with (e.g. spid, cie)")
    level: IdentityLevel = Field(description="Level of assurance: SpidL2, SpidL3 or CIE")
    verified_at: datetime


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: stored(254)
    full_name: stored(200)
    phone: stored(32) | None
    role: Role
    preferred_language: Language
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: Version
    email_verified: bool = Field(
        default=False, description="False until the owner follows the link mailed to the address"
    )
    identity_verified: IdentityVerifiedRead | None = Field(
        default=None, description="Set once the person signed in with SPID or CIE; null otherwise"
    )


class MeUpdate(Strict):
    email: EmailStr | None = Field(
        default=None, max_length=254, description="A new address: unverified until its mailed link is followed"
    )
    full_name: FullName | None = None
    phone: Phone | None = None
    preferred_language: Language | None = None


class RegistrationAccepted(BaseModel):
    """The answer to a registration or a reset request: the same whether or not the e-mail has an
    account, so that nobody learns which addresses do."""

    status: Literal["accepted"] = "accepted"
    detail: stored(300) = Field(description="What happens next, in words")


class PasswordResetRequest(Strict):
    email: EmailStr = Field(max_length=254)


class PasswordReset(Strict):
    token: str = Field(min_length=1, max_length=100, description="The code the e-mail carried")
    new_password: Password


class EmailVerification(Strict):
    token: str = Field(min_length=1, max_length=100, description="The code the e-mail carried")


class PasswordChange(Strict):
    current_password: str = Field(max_length=128)
    new_password: Password


class UserAdminUpdate(Strict):
    role: Role | None = None
    is_active: bool | None = None


class TokenRead(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: Count = Field(description="Seconds until the access token expires")
    refresh_token: str | None = Field(default=None, description="Absent for client credentials")
    scope: str | None = None


class LogoutRequest(Strict):
    refresh_token: str = Field(min_length=1, max_length=200)
