"""E-mails of notifications, built from the Jinja2 templates shipped in app/mail/templates: one
notification (`instant`) or the day's digest, in the person's language, plain text and HTML
(multipart/alternative), with the headers of a well-behaved bulk sender:

* `List-Unsubscribe` (RFC 2369: the signed link, and a mailto: when MAIL__UNSUBSCRIBE_MAILTO is set)
  and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), for the kind (instant) or the
  digest as a whole; each item of a digest also carries its kind's own link in the body;
* `Message-ID` derived from the delivery's id: the same on a retry, so a receiving system can tell
  a repeat (after a worker was killed mid-send) from a new e-mail;
* `Auto-Submitted: auto-generated` (RFC 3834: no vacation auto-replies), `Content-Language`.

Templates are generic: a kind's title from the catalogue (app.notification_kinds), the
notification's `data` as label/value lines, and a link. HTML is autoescaped.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2

from app.accounts import account_tokens
from app.config import MailSettings
from app.mail import rules
from app.models import EmailChoice, Notification, User
from app.notification_kinds import NOTIFICATION_KINDS

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("app.mail", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

STRINGS: dict[str, dict[str, str]] = {
    "it": {
        "hello": "Gentile",
        "open": "Apri le tue notifiche",
        "why": "Ricevi questa e-mail perché hai scelto di essere avvisato subito per questo tipo di notifica.",
        "why_digest": "Ricevi questo riepilogo una volta al giorno per i tipi di notifica che hai scelto.",
        "preferences": "Scegli quali e-mail ricevere",
        "stop_kind": "Non ricevere più e-mail di questo tipo",
        "stop_digest": "Non ricevere più il riepilogo",
        "digest_intro": "ecco le novità dall'ultimo riepilogo:",
        "digest_subject": "Welfare di Tutti: {count} novità",
        "page_title": "Welfare di Tutti: e-mail",
        "page_ask": "Non ricevere più e-mail per",
        "page_button": "Sì, non inviatemele più",
        "page_done": "Non riceverai più e-mail per",
        "page_undo": "Le notifiche restano nell'app; puoi riattivare le e-mail dalle tue preferenze.",
        "code": "Codice",
        "valid_until": "Valido fino al",
        "why_account": "Ricevi questa e-mail perché riguarda il tuo account: non puoi disattivarla.",
    },
    "en": {
        "hello": "Dear",
        "open": "Open your notifications",
        "why": "You get this e-mail because you chose to hear at once about this kind of notification.",
        "why_digest": "You get this digest once a day for the kinds of notification you chose.",
        "preferences": "Choose which e-mails you get",
        "stop_kind": "Stop e-mails of this kind",
        "stop_digest": "Stop the digest",
        "digest_intro": "here is what happened since the last digest:",
        "digest_subject": "Welfare di Tutti: {count} update(s)",
        "page_title": "Welfare di Tutti: e-mail",
        "page_ask": "Stop e-mails for",
        "page_button": "Yes, stop them",
        "page_done": "You will no longer get e-mails for",
        "page_undo": "Notifications stay in the app; you can turn e-mails back on in your preferences.",
        "code": "Code",
        "valid_until": "Valid until",
        "why_account": "You get this e-mail because it concerns your account: it cannot be turned off.",
    },
}


# What an account's own e-mail says, per kind (app.notification_kinds: account_security), in Italian
# and English. The code is entered in the app (the API's POST /v1/auth/password-reset/confirm or
# /v1/auth/email-verification).
ACCOUNT_BODIES: dict[str, tuple[str, str]] = {
    "account.verify_email": (
        "Per confermare che questo indirizzo è tuo, inserisci il codice qui sotto nell'app. Finché non lo "
        "confermi puoi accedere e consultare, ma non inviare richieste, offerte o recensioni.",
        "To confirm that this address is yours, enter the code below in the app. Until you do, you can "
        "sign in and read, but not send requests, offers or reviews.",
    ),
    "account.password_reset": (
        "Hai chiesto di reimpostare la password. Inserisci il codice qui sotto nell'app per sceglierne una "
        "nuova: tutti i tuoi accessi verranno chiusi. Se non sei stato tu, ignora questa e-mail: la password "
        "non cambia.",
        "You asked to reset your password. Enter the code below in the app to choose a new one: every "
        "session of yours will be signed out. If it was not you, ignore this e-mail: your password stays.",
    ),
    "account.registration_attempted": (
        "Qualcuno ha provato a registrare un nuovo account con questo indirizzo, che ne ha già uno. Se eri "
        "tu, accedi con la tua password o chiedi di reimpostarla. Se non eri tu, non devi fare nulla.",
        "Someone tried to register a new account with this address, which already has one. If it was you, "
        "sign in with your password or ask to reset it. If it was not you, there is nothing to do.",
    ),
}


def _account_email(
    notification: Notification, language: str, strings: dict[str, str], zone: ZoneInfo
) -> dict[str, Any]:
    """The template context of an account's own e-mail: its words and, for a link kind, the code."""
    italian, english = ACCOUNT_BODIES[notification.kind]
    data = notification.data or {}
    code = account_tokens.token_for(uuid.UUID(data["token_id"])) if "token_id" in data else None
    valid_until = _value(data.get("expires_at"), language, zone)
    return {"body": italian if language == "it" else english, "code": code, "valid_until": valid_until}


@dataclass(frozen=True, slots=True)
class Item:
    title: str
    details: list[tuple[str, str]]
    link: str
    unsubscribe: str
    when: str


# Labels of the data keys notifications carry, in Italian and English. A key not listed is shown
# humanised (`weekly_hours` -> "Weekly hours"); ids are left out (the e-mail's link leads to the item, and
# a UUID means nothing to a person), as is the reminder's internal `threshold`.
LABELS: dict[str, tuple[str, str]] = {
    "by": ("Da", "By"),
    "closes_at": ("Chiude il", "Closes on"),
    "display_name": ("Nome", "Name"),
    "end_date": ("Fino al", "Until"),
    "ends_at": ("Fine", "Ends"),
    "expires_at": ("Scade il", "Expires on"),
    "households": ("Famiglie", "Households"),
    "min_members": ("Famiglie minime", "Minimum households"),
    "pool_title": ("Gruppo", "Pool"),
    "price": ("Prezzo", "Price"),
    "price_model": ("Tariffa", "Price model"),
    "provider_name": ("Ente", "Provider"),
    "quotes_due_at": ("Preventivi entro il", "Quotes due by"),
    "rating": ("Voto", "Rating"),
    "reason": ("Motivo", "Reason"),
    "start_date": ("Dal", "From"),
    "starts_at": ("Inizio", "Starts"),
    "state": ("Stato", "State"),
    "status": ("Stato", "Status"),
    "title": ("Titolo", "Title"),
    "valid_until": ("Valido fino al", "Valid until"),
    "verification_kind": ("Verifica", "Verification"),
    "weekly_cost": ("Costo settimanale", "Weekly cost"),
}
HIDDEN = {"threshold"}


def _label(key: str, language: str) -> str:
    if key in LABELS:
        italian, english = LABELS[key]
        return italian if language == "it" else english
    return key.replace("_", " ").strip().capitalize()


def _money(cents: int, language: str) -> str:
    """Euro amounts as people write them: 1.234,50 € in Italian, €1,234.50 in English."""
    amount = f"{abs(cents) / 100:,.2f}"
    sign = "-" if cents < 0 else ""
    if language == "it":
        return f"{sign}{amount.replace(',', ' ').replace('.', ',').replace(' ', '.')} €"
    return f"{sign}€{amount}"


def _value(value: Any, language: str, zone: ZoneInfo) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_value(v, language, zone) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{_label(k, language)} {_value(v, language, zone)}" for k, v in value.items())
    if isinstance(value, str) and "T" in value:
        try:  # an ISO timestamp with its offset: shown in the platform's time zone
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")
    return "" if value is None else str(value)


def details(data: dict[str, Any], language: str = "it", zone: ZoneInfo | None = None) -> list[tuple[str, str]]:
    """A notification's data as label/value lines in the reader's language, in a stable order (what any
    kind can show): ids and internal keys left out, `*_cents` as euros, timestamps in local time."""
    zone = zone or ZoneInfo("Europe/Rome")
    lines = []
    for key, value in sorted(data.items()):
        if value in (None, "", []) or key in HIDDEN or key.endswith(("_id", "_ids")):
            continue
        if key.endswith("_cents") and isinstance(value, int) and not isinstance(value, bool):
            lines.append((_label(key.removesuffix("_cents"), language), _money(value, language)))
        else:
            lines.append((_label(key, language), _value(value, language, zone)[:500]))
    return lines


class Links:
    """The links an e-mail carries: all to the API's public address (MAIL__BASE_URL)."""

    def __init__(self, settings: MailSettings, key: bytes) -> None:
        self.base = settings.base_url.rstrip("/")
        self.key = key

    def inbox(self) -> str:
        return f"{self.base}/v1/me/notifications"

    def preferences(self) -> str:
        return f"{self.base}/v1/me/notification-preferences"

    def token(self, user_id: uuid.UUID, scope: str) -> str:
        return rules.unsubscribe_token(self.key, user_id, scope)

    def unsubscribe(self, user_id: uuid.UUID, scope: str) -> str:
        return f"{self.base}/v1/email/unsubscribe/{self.token(user_id, scope)}"


def _item(notification: Notification, language: str, links: Links, zone: ZoneInfo) -> Item:
    kind = NOTIFICATION_KINDS.get(notification.kind)
    return Item(
        title=kind.title(language) if kind else notification.kind,
        details=details(notification.data or {}, language, zone),
        link=links.inbox(),
        unsubscribe=links.unsubscribe(notification.user_id, notification.kind),
        when=notification.created_at.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
    )


def one_line(text: str) -> str:
    """`text` with every run of white space (line breaks included: CR, LF, U+2028, ...) as one space.
    A person's name is free text and goes into the To: header, where a line break would be refused by
    the e-mail library (or, in a laxer one, start a header of the sender's choosing)."""
    return " ".join(text.split())


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "welfareditutti.example"


def unsubscribe_page(view: object, language: str) -> str:
    """The page a person sees who opens an unsubscribe link in a browser: a button that POSTs (a
    GET never unsubscribes: mail scanners follow links), then the confirmation."""
    strings = STRINGS[language if language in STRINGS else "it"]
    return ENVIRONMENT.get_template("unsubscribe.html").render(t=strings, language=language, view=view)


def build(
    *,
    delivery_id: uuid.UUID,
    mode: EmailChoice,
    user: User,
    notifications: Sequence[Notification],
    settings: MailSettings,
    key: bytes,
    now: datetime,
) -> EmailMessage:
    """The e-mail of one delivery: `notifications` (one for instant, one or more for a digest)."""
    language = user.preferred_language if user.preferred_language in STRINGS else "it"
    strings = STRINGS[language]
    zone = ZoneInfo(settings.timezone)
    links = Links(settings, key)
    items = [_item(n, language, links, zone) for n in notifications]
    digest = mode == EmailChoice.digest
    scope = rules.DIGEST_SCOPE if digest else notifications[0].kind
    subject = strings["digest_subject"].format(count=len(items)) if digest else items[0].title
    name = one_line(user.full_name)
    context = {
        "t": strings,
        "language": language,
        "name": name,
        "subject": subject,
        "items": items,
        "item": items[0],
        "preferences_url": links.preferences(),
        "unsubscribe_url": links.unsubscribe(user.id, scope),
    }
    template = "digest" if digest else "notification"
    kind = NOTIFICATION_KINDS.get(notifications[0].kind)
    account = not digest and kind is not None and kind.account_security
    if account:
        template = "account"
        context |= _account_email(notifications[0], language, strings, zone)
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = formataddr((name, user.email))
    message["Subject"] = one_line(subject)  # a catalogue title today; kept to one line whatever comes
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{delivery_id}@{_domain(settings.sender)}>"
    message["Auto-Submitted"] = "auto-generated"
    if not account:  # an account's own e-mail is not a list one leaves (RFC 8058 is for bulk mail)
        unsubscribe = [f"<{links.unsubscribe(user.id, scope)}>"]
        if settings.unsubscribe_mailto:
            subject_line = quote(f"unsubscribe {links.token(user.id, scope)}")
            unsubscribe.append(f"<mailto:{settings.unsubscribe_mailto}?subject={subject_line}>")
        message["List-Unsubscribe"] = ", ".join(unsubscribe)
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(ENVIRONMENT.get_template(f"{template}.txt").render(context))
    message.add_alternative(ENVIRONMENT.get_template(f"{template}.html").render(context), subtype="html")
    message["Content-Language"] = language  # after the body: set_content() drops Content-* headers
    return message
