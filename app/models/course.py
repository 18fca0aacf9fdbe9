import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk, Versioned, utcnow


class CourseStatus(enum.StrEnum):
    published = "published"
    cancelled = "cancelled"


class EnrolmentStatus(enum.StrEnum):
    enrolled = "enrolled"
    waitlisted = "waitlisted"
    cancelled = "cancelled"


class Course(UUIDPk, Timestamps, Versioned, Base):
    """A course run by a hub (e.g. financial education): sessions, seats, a waitlist."""

    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("price_cents IS NULL OR price_cents >= 0", name="price_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        Index("ix_course_hub_starts", "hub_id", "starts_at"),
        Index("ix_course_status_starts", "status", "starts_at"),
    )

    hub_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hub.id"))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("category.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2), default="it")
    price_cents: Mapped[int | None]  # None or 0: free
    capacity: Mapped[int] = mapped_column(SmallInteger)
    # [{starts_at, ends_at}] in order (RFC 3339 strings); starts_at/ends_at below span them all.
    sessions: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[CourseStatus] = mapped_column(Enum(CourseStatus, name="course_status"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None]


class CourseEnrolment(UUIDPk, Timestamps, Versioned, Base):
    """A citizen's seat (enrolled) or place in the queue (waitlisted) on a course.

    The waitlist order is (queued_at, id); positions are computed, so they are always 1..n.
    """

    __tablename__ = "course_enrolment"
    __table_args__ = (
        # One live enrolment per course and citizen; cancelled ones stay as history.
        Index(
            "uq_course_enrolment_live",
            "course_id",
            "citizen_id",
            unique=True,
            postgresql_where=text("status IN ('enrolled', 'waitlisted')"),
        ),
        Index("ix_course_enrolment_queue", "course_id", "status", "queued_at"),
        Index("ix_course_enrolment_citizen", "citizen_id", "created_at"),
    )

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    status: Mapped[EnrolmentStatus] = mapped_column(Enum(EnrolmentStatus, name="enrolment_status"))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    enrolled_at: Mapped[datetime | None]
    promoted_at: Mapped[datetime | None]  # moved from the waitlist to a seat
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
