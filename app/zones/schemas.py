import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models import ZoneKind
from app.shared_schemas import stored


class Point(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class ZoneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: ZoneKind
    code: int = Field(ge=1, le=88, description="The city's own number: NIL 1-88 (ID_NIL), Municipio 1-9")
    name: stored(120)
    parent_id: uuid.UUID | None = Field(description="For a NIL: the Municipio containing its centroid")
    centroid: Point
    area_km2: float


class ZoneLocation(BaseModel):
    nil: ZoneRead
    municipio: ZoneRead
    method: Literal["centroid", "polygon"] = Field(
        description=(
            "polygon: the NIL boundary contains the point; centroid: the point lies in a thin gap between the"
            " simplified NIL boundaries (within their simplification tolerance), placed in the nearest NIL"
            " centroid of the NILs that close"
        )
    )
    distance_km: float = Field(description="Distance from the point to the NIL centroid")
