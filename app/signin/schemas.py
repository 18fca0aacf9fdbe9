from datetime import datetime

from pydantic import BaseModel, Field

from app.shared_schemas import Strict


class AuthorizationStart(Strict):
    redirect_uri: str = Field(
        min_length=1,
        max_length=2000,
        description="The frontend's callback, exactly as registered for this provider (OIDC__PROVIDERS)",
        examples=["https://app.welfareditutti.example/signin/callback"],
    )


class AuthorizationRead(BaseModel):
    authorization_url: str = Field(
        max_length=8000, description="Send the person's browser here; the provider returns to redirect_uri"
    )
    state: str = Field(
        max_length=128,
        description="Also in the URL; the provider hands it back with the code. Keep it in the browser "
        "session and check it on return (login CSRF); single use",
    )
    expires_at: datetime = Field(description="The callback must come before this")


class CallbackCreate(Strict):
    code: str = Field(min_length=1, max_length=2000, description="The provider's authorization code")
    state: str = Field(min_length=1, max_length=128, description="The state the provider handed back")
