import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.models import PartnerScope
from app.shared_schemas import Version, stored, trimmed


class PartnerClientCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Cooperativa Lotta contro l'Emarginazione", "scopes": ["listings:write", "events:read"]}
            ]
        },
    )

    name: trimmed(200)
    scopes: list[PartnerScope] = Field(min_length=1, max_length=10)
    provider_id: uuid.UUID | None = Field(
        default=None, description="The provider organisation whose listings the client syncs (listings:write)"
    )


class PartnerClientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: stored(200)
    client_id: stored(64)
    scopes: list[PartnerScope] = Field(max_length=len(PartnerScope))
    provider_id: uuid.UUID | None
    is_active: bool
    created_at: datetime
    revoked_at: datetime | None
    version: Version


class PartnerClientCreated(PartnerClientRead):
    client_secret: str = Field(description="Shown only in this response; store it safely")
