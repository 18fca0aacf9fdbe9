"""Optimistic concurrency: the `version` column is the ETag; If-Match is compared with it."""

from typing import Protocol

from app.errors import PreconditionFailed

ANY_VERSION = -1  # If-Match: *


class HasVersion(Protocol):
    version: int


def etag_of(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str) -> list[int]:
    """The versions an If-Match header accepts; [ANY_VERSION] for `*`. Weak tags never match."""
    if value.strip() == "*":
        return [ANY_VERSION]
    versions = []
    for tag in value.split(","):
        tag = tag.strip()
        digits = tag[1:-1]
        if tag.startswith('"') and tag.endswith('"') and digits.isascii() and digits.isdigit():
            versions.append(int(digits))
    return versions


def ensure_version(obj: HasVersion, if_match: list[int] | None) -> None:
    """Raise 412 unless the caller's If-Match (when sent) names the current version."""
    if if_match is None or ANY_VERSION in if_match:
        return
    if obj.version not in if_match:
        raise PreconditionFailed(
            f"The resource has changed (current ETag {etag_of(obj.version)}); read it again.",
            current_etag=etag_of(obj.version),
        )
