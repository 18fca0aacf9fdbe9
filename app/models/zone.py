import enum
import uuid

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ZoneKind(enum.StrEnum):
    municipio = "municipio"
    nil = "nil"


class Zone(Base):
    """A Municipio or a NIL (Nucleo di Identità Locale). Reference data, seeded, never edited by the API.

    Ids are UUIDv5 of "<kind>:<code>", so they are the same on every installation.
    """

    __tablename__ = "zone"
    __table_args__ = (UniqueConstraint("kind", "code", name="uq_zone_kind_code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[ZoneKind] = mapped_column(Enum(ZoneKind, name="zone_kind"))
    code: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("zone.id"), index=True)
    centroid_lat: Mapped[float]
    centroid_lon: Mapped[float]
    area_km2: Mapped[float]
    # Largest centroid-to-boundary distance (NIL only): beyond it a point is not in this NIL.
    reach_km: Mapped[float | None]

    @property
    def centroid(self) -> dict[str, float]:
        return {"lat": self.centroid_lat, "lon": self.centroid_lon}
