"""Retry delays of the worker's outboxes (webhook deliveries, e-mails): one rule for both."""

import random
from datetime import timedelta


def exponential(attempt: int, *, base_seconds: float, max_seconds: float, at_least: float | None = None) -> timedelta:
    """base x 2^(attempt-1), capped at max_seconds, +/-20 % jitter (workers retrying at once spread
    out); never sooner than `at_least` (a receiver's Retry-After), itself capped at max_seconds."""
    delay = min(base_seconds * 2 ** max(attempt - 1, 0), max_seconds)
    delay *= random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not cryptography
    if at_least is not None:
        delay = max(delay, min(at_least, max_seconds))
    return timedelta(seconds=delay)
