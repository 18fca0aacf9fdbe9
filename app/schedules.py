"""Weekly schedules: `[{day, opens, closes}]` in Europe/Rome local time, stored as minute ranges.

A week is minutes 0..10080 from Monday 00:00. Each slot becomes the half-open range
[day*1440 + opens, day*1440 + closes); PostgreSQL's int4multirange then answers "do these overlap"
(`&&`) and "by how many minutes" (`*`) with a GiST index. An overnight slot is two slots.
"""

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.dialects.postgresql import Range

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 1440
_TIME = r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$"


def minutes_of(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


class WeeklySlot(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"day": "tue", "opens": "16:00", "closes": "18:30"}]}
    )

    day: Day
    opens: Annotated[str, Field(pattern=_TIME, max_length=5, description="HH:MM, local time (Europe/Rome)")]
    closes: Annotated[str, Field(pattern=_TIME, max_length=5, description="HH:MM, after opens; 24:00 ends the day")]

    @model_validator(mode="after")
    def _closes_after_opens(self) -> "WeeklySlot":
        if minutes_of(self.closes) <= minutes_of(self.opens):
            raise ValueError("closes must be after opens (split an overnight slot in two)")
        return self

    def to_range(self) -> tuple[int, int]:
        base = DAYS.index(self.day) * MINUTES_PER_DAY
        return base + minutes_of(self.opens), base + minutes_of(self.closes)


# A weekly schedule the server sends: slots stored as a client sent them (at most 50), or derived
# from minute ranges (PostgreSQL merges touching ranges, so each day holds at most 720 slots of a
# minute with a minute between them). The contract's maxItems is that ceiling.
MAX_WEEKLY_SLOTS = 7 * MINUTES_PER_DAY // 2
WeeklySchedule = Annotated[list[WeeklySlot], Field(max_length=MAX_WEEKLY_SLOTS)]


def first_overlap(slots: list[WeeklySlot]) -> int | None:
    """Index of the first slot that overlaps an earlier one, or None."""
    seen: list[tuple[int, int]] = []
    for index, slot in enumerate(slots):
        start, end = slot.to_range()
        if any(start < other_end and other_start < end for other_start, other_end in seen):
            return index
        seen.append((start, end))
    return None


def to_multirange(slots: list[WeeklySlot]) -> list[Range[int]]:
    return [Range(start, end, bounds="[)") for start, end in sorted(s.to_range() for s in slots)]


_WINDOW = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun):(\d{2}:\d{2})-(\d{2}:\d{2})$")


def parse_windows(text: str) -> list[WeeklySlot]:
    """Parse `tue:16:00-18:00,thu:16:00-18:00` (a search filter) into slots; ValueError if bad."""
    slots = []
    for part in text.split(","):
        match = _WINDOW.match(part.strip())
        if not match:
            raise ValueError(f"{part.strip()!r} is not day:HH:MM-HH:MM")
        slots.append(WeeklySlot(day=match[1], opens=match[2], closes=match[3]))
    return slots


# --- minute ranges (as read back from an int4multirange) -------------------------------------------

Span = tuple[int, int]  # [start, end) minutes since Monday 00:00


def spans_of(multirange: object) -> list[Span]:
    """[(start, end)] of a multirange read from the database (a list of Range), or of slots' ranges."""
    return sorted((r.lower, r.upper) for r in multirange)  # type: ignore[attr-defined]


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    """The minutes both lists cover (both sorted and non-overlapping, as multiranges are)."""
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def total_minutes(spans: list[Span]) -> int:
    return sum(end - start for start, end in spans)


def slots_of(spans: list[Span]) -> list[WeeklySlot]:
    """Weekly slots covering the spans, split at midnight (PostgreSQL merges 23:00-24:00 with the next
    day's 00:00-01:00 into one range)."""
    slots = []
    for start, end in spans:
        while start < end:
            day, offset = divmod(start, MINUTES_PER_DAY)
            stop = min(end, (day + 1) * MINUTES_PER_DAY)
            slots.append(WeeklySlot(day=DAYS[day], opens=_hhmm(offset), closes=_hhmm(stop - day * MINUTES_PER_DAY)))
            start = stop
    return slots


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
