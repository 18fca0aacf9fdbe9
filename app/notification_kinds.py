"""Every kind of notification the platform writes: the one list that `app.ledger.notify` checks,
that the inbox filters by, that preferences are set per, and that e-mail templates are chosen by.

A kind is named `<subject>.<what happened>`. Each says who receives it (for the docs and the
lifecycle tests), its title in Italian and English (the inbox's and the e-mail's subject line),
and whether e-mail is sent by default (`instant`, `digest` or `off`; in-app is always on), optionally
per role (`email_by_role`: e.g. provider staff, who hear of many cases a day, take the digest for a
kind that a citizen gets at once). Each person may change it (`/v1/me/notification-preferences`).

Adding a notification: add its kind here (in its domain's section), call `ledger.notify` in the
same transaction as the change, and add its row to the domain's lifecycle table test.
"""

import enum
from dataclasses import dataclass

from app.errors import ValidationFailed


# One problem wherever a request names kinds (the inbox's filter, e-mail preferences).
class UnknownNotificationKind(ValidationFailed):
    """The request named a notification kind the catalogue does not hold."""

    code = "unknown_notification_kind"


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
    email_by_role: tuple[tuple[str, EmailDefault], ...] = ()  # (role, default) where it differs
    # Mails about the account itself (a reset link, a verification link, someone using the address):
    # always sent at once, whatever the person chose, and without an unsubscribe link.
    account_security: bool = False

    def title(self, language: str) -> str:
        return self.title_it if language == "it" else self.title_en

    def email_default(self, role: str) -> EmailDefault:
        """The e-mail default of a person of this role (app.models.Role's value)."""
        if self.account_security:
            return EmailDefault.instant
        return next((choice for name, choice in self.email_by_role if name == role), self.email)


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
    # The household is the citizen and the hub operator who made the request for them (app/demand/notices.py);
    # request.expiring and offer.expiring are the worker's reminders (once each: app/demand/tasks.py).
    # request.quotes_due_soon is its reminder to invited providers; quotes_extended: app/demand/quote_deadlines.py.
    K(
        "engagement.cancelled",
        "engagement",
        "both sides (the household, the provider's staff) but whoever cancelled",
        "Incarico annullato",
        "Engagement cancelled",
    ),
    K(
        "engagement.completed",
        "engagement",
        "both sides (the household, the provider's staff) but whoever completed it",
        "Incarico completato",
        "Engagement completed",
        # The household hears at once (it is asked for a review); for the provider's staff, who
        # see many engagements end each week and act on none of them, it is bookkeeping: digest.
        email_by_role=(("provider_staff", _D),),
    ),
    K(
        "engagement.started",
        "engagement",
        "the household but whoever accepted the offer (the provider's staff are told offer.accepted)",
        "Incarico avviato",
        "Engagement started",
    ),
    K(
        "engagement.substitute_requested",
        "engagement",
        "both sides (the household, the provider's staff) but whoever asked",
        "Richiesta di sostituzione",
        "A substitute is requested",
    ),
    K(
        "offer.accepted",
        "offer",
        "the provider's staff",
        "La tua offerta è stata accettata",
        "Your offer was accepted",
    ),
    K(
        "offer.declined",
        "offer",
        "the provider's staff (declined, another offer accepted, or the request cancelled or expired)",
        "La tua offerta non è stata accettata",
        "Your offer was not accepted",
        _D,
    ),
    K(
        "offer.expiring",
        "offer",
        "the household (the citizen, and the hub operator acting for them)",
        "Un'offerta scade entro 24 ore",
        "An offer expires within 24 hours",
    ),
    K("offer.received", "offer", "the household", "Nuova offerta ricevuta", "New offer received"),
    K(
        "request.expiring",
        "request",
        "the household (the citizen, and the hub operator acting for them)",
        "La tua richiesta scade tra 3 giorni",
        "Your request expires in 3 days",
    ),
    K(
        "request.invited",
        "request",
        "the invited provider's staff",
        "Invito a presentare un'offerta",
        "You are invited to quote",
    ),
    K(
        "request.quotes_due_soon",
        "request",
        "the staff of each invited provider that has not offered, a day before quotes are due",
        "Preventivi in scadenza entro 24 ore",
        "Quotes due within 24 hours",
    ),
    K(
        "request.quotes_extended",
        "request",
        "the staff of every provider invited to the request",
        "Termine per i preventivi prorogato",
        "Deadline for quotes extended",
        _D,
    ),
    K(
        "review.approved",
        "review",
        "the review's author and the provider's staff",
        "Recensione pubblicata",
        "Review published",
        _D,
    ),
    K("review.rejected", "review", "the review's author", "Recensione non pubblicata", "Review not published"),
    # --- supply: accreditation and verifications -------------------------------------------------
    # The city's decisions on an application or an accreditation (not the provider's own submit or
    # withdraw: its staff made those).
    K(
        "provider.accredited",
        "provider",
        "the provider's staff",
        "Il vostro ente è accreditato",
        "Your organisation is accredited",
    ),
    K(
        "provider.changes_requested",
        "provider",
        "the provider's staff",
        "Il Comune chiede modifiche alla domanda di accreditamento",
        "The city asks for changes to your accreditation application",
    ),
    K(
        "provider.reinstated",
        "provider",
        "the provider's staff",
        "L'accreditamento è di nuovo attivo",
        "Your accreditation is reinstated",
    ),
    K(
        "provider.suspended",
        "provider",
        "the provider's staff",
        "L'accreditamento è sospeso",
        "Your accreditation is suspended",
    ),
    # The worker, 30 and 7 days before a check that counts as a badge expires (data: threshold).
    K(
        "verification.expiring",
        "verification",
        "the provider's staff",
        "Una verifica sta per scadere",
        "A verification is about to expire",
    ),
    # --- community: courses and rides ------------------------------------------------------------
    K(
        "course.cancelled",
        "course",
        "the people enrolled or waitlisted",
        "Il corso è stato annullato",
        "The course has been cancelled",
    ),
    K(
        "enrolment.cancelled",
        "enrolment",
        "the person, when the hub's operators cancel their enrolment",
        "La tua iscrizione è stata annullata",
        "Your enrolment has been cancelled",
    ),
    K(
        "enrolment.confirmed",
        "enrolment",
        "the person who enrolled and got a seat (their booking receipt)",
        "Iscrizione confermata",
        "Enrolment confirmed",
    ),
    K(
        "enrolment.promoted",
        "enrolment",
        "the person moved from the waitlist to a seat",
        "Si è liberato un posto per te nel corso",
        "A seat freed up: you are enrolled",
    ),
    K(
        "ride.assigned",
        "ride",
        "the requester and the volunteer a coordinator assigned",
        "Accompagnamento assegnato",
        "Ride assigned",
    ),
    K(
        "ride.cancelled",
        "ride",
        "the requester and the assigned volunteer, but not whoever cancelled",
        "Accompagnamento annullato",
        "Ride cancelled",
    ),
    K(
        "ride.claimed",
        "ride",
        "the requester, when a volunteer takes their ride",
        "Un volontario ha preso in carico il tuo accompagnamento",
        "A volunteer has taken your ride",
    ),
    # --- identity: accounts (app/accounts/recovery.py, verification.py, service.register) ----------
    # The e-mail carries the code (derived from data.token_id by app/accounts/account_tokens.py).
    K(
        "account.verify_email",
        "user",
        "the account's owner, at the address to verify",
        "Conferma il tuo indirizzo e-mail",
        "Confirm your e-mail address",
        account_security=True,
    ),
    K(
        "account.password_reset",
        "user",
        "the account's owner, who asked to reset the password",
        "Reimposta la tua password",
        "Reset your password",
        account_security=True,
    ),
    K(
        "account.registration_attempted",
        "user",
        "the account's owner, when someone tries to register their address again",
        "Qualcuno ha provato a registrarsi con il tuo indirizzo",
        "Someone tried to register with your address",
        account_security=True,
    ),
    # --- identity: income (app/income/service.py) ---------------------------------------------------
    K(
        "isee.verified",
        "isee_declaration",
        "the household that declared it",
        "Il tuo ISEE è stato verificato",
        "Your ISEE has been verified",
    ),
    K(
        "isee.rejected",
        "isee_declaration",
        "the household that declared it (with the reason)",
        "La tua dichiarazione ISEE non è stata accettata",
        "Your ISEE declaration was not accepted",
    ),
    # --- money: timesheets and co-payments (app/timesheets/service.py, copayments.py) ---------------
    # The household is the citizen and the operator who made the request for them (app/demand/notices.py).
    K(
        "timesheet.submitted",
        "timesheet",
        "the household",
        "Ore da confermare",
        "Hours to confirm",
    ),
    K(
        "timesheet.updated",
        "timesheet",
        "the household (the window to confirm or dispute starts again)",
        "Ore corrette dal fornitore",
        "Hours corrected by the provider",
    ),
    K(
        "timesheet.disputed",
        "timesheet",
        "the provider's staff",
        "Ore contestate",
        "Hours disputed",
    ),
    K(
        "timesheet.confirmed",
        "timesheet",
        "both sides (the household, the provider's staff) but whoever confirmed",
        "Ore confermate",
        "Hours confirmed",
        email_by_role=(("provider_staff", _D),),
    ),
    K(
        "timesheet.rejected",
        "timesheet",
        "both sides (the household, the provider's staff) after a decision",
        "Ore respinte",
        "Hours rejected",
    ),
    K(
        "copayment.received",
        "copayment",
        "the household",
        "Pagamento ricevuto dal fornitore",
        "Payment received by the provider",
        _D,
    ),
    # --- conversations ---------------------------------------------------------------------------
    # One per thread and person while the thread is unread for them (app/conversations/messages.py).
    K(
        "message.received",
        "thread",
        "the other side of the thread: the household (and the operator who made the request for it), "
        "or the provider's staff",
        "Nuovo messaggio",
        "New message",
    ),
    # --- money: programmes and grants -------------------------------------------------------------
    # app/programmes/applications.py (decided: granted, waitlisted, ineligible, rejected) and grants.py.
    K(
        "programme_application.decided",
        "programme_application",
        "the household that applied",
        "Domanda di contributo decisa",
        "Your funding application was decided",
    ),
    K(
        "grant.credited",
        "grant",
        "the household granted",
        "Contributo accreditato",
        "Grant credited",
    ),
    K(
        "grant.expiring",
        "grant",
        "the household, two weeks before its grant expires (app/programmes/tasks.py)",
        "Il tuo contributo sta per scadere",
        "Your grant is about to expire",
    ),
    K(
        "grant.expired",
        "grant",
        "the household whose grant expired",
        "Contributo scaduto",
        "Grant expired",
        email=_D,
    ),
)

NOTIFICATION_KINDS: dict[str, NotificationKind] = {k.name: k for k in _KINDS}
# The bound the contract publishes on every list of kinds (the catalogue, preferences, unsubscribe);
# tests/notifications/test_inbox.py keeps the catalogue under it.
MAX_KINDS = 200


def kind(name: str) -> NotificationKind:
    """The kind named `name`; a name not in the list is a programming error."""
    try:
        return NOTIFICATION_KINDS[name]
    except KeyError:
        raise ValueError(f"unknown notification kind {name!r}: add it to app/notification_kinds.py") from None
