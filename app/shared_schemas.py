"""Pydantic building blocks shared by the domains' schemas (one definition, one OpenAPI component)."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]  # ISO 639-1
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 ]{5,19}$")]


class Strict(BaseModel):
    """Request bodies: unknown fields are a 422, never silently ignored (OWASP API3)."""

    model_config = ConfigDict(extra="forbid")


class PointIn(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
