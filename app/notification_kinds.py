"""Every kind of notification the platform writes: the one list that `app.ledger.notify` checks,
that the inbox filters by, that preferences are set per, and that e-mail templates are chosen by.

A kind is named `<subject>.<what happened>`. Each says who receives it (for the docs and the
lifecycle tests), its title in Italian and English (the inbox's and the e-mail's subject line),
and whether e-mail is sent by default (`instant`, `digest` or `off`; in-app is always on).

Adding a notification: add its kind here (in its domain's section), call `ledger.notify` in the
same transaction as the change, and add its row to the domain's lifecycle table test.
"""

import enum
from dataclasses import dataclass


class EmailDefault(enum.StrEnum):
    instant = "instant"
    digest = "digest"
    off = "off"


@dataclass(frozen=True, slots=True)
class NotificationKind:
    name: str
    subject_type: str
    recipients: str  # who is told, in words (docs and tests)
    title_it: str
    title_en: str
    email: EmailDefault = EmailDefault.instant

    def title(self, language: str) -> str:
        return self.title_it if language == "it" else self.title_en


_I, _D, _O = EmailDefault.instant, EmailDefault.digest, EmailDefault.off
K = NotificationKind

_KINDS: tuple[NotificationKind, ...] = (
    # --- sharing: pools -------------------------------------------------------------------------
    K(
        "pool.invitation",
        "pool",
        "the invited household",
        "Invito a un gruppo condiviso",
        "Invitation to a shared pool",
    ),
    K("pool.priced", "pool", "the pool's households", "Il gruppo ha un prezzo", "Your pool has a price"),
    K("pool.activated", "pool", "the pool's households", "Il gruppo è attivo", "Your pool is active"),
    K(
        "pool.back_to_forming",
        "pool",
        "the pool's households",
        "Il gruppo cerca nuove famiglie",
        "Your pool is looking for households again",
    ),
    K("pool.closing", "pool", "the pool's households", "Il gruppo sta per chiudere", "Your pool is closing"),
    K("pool.closed", "pool", "the pool's households", "Il gruppo è chiuso", "Your pool has closed"),
    # --- demand: requests, offers, engagements, reviews ------------------------------------------
    # --- supply: accreditation and verifications -------------------------------------------------
    # --- community: courses and rides ------------------------------------------------------------
    # --- conversations ---------------------------------------------------------------------------
)

NOTIFICATION_KINDS: dict[str, NotificationKind] = {k.name: k for k in _KINDS}


def kind(name: str) -> NotificationKind:
    """The kind named `name`; a name not in the list is a programming error."""
    try:
        return NOTIFICATION_KINDS[name]
    except KeyError:
        raise ValueError(f"unknown notification kind {name!r}: add it to app/notification_kinds.py") from None
