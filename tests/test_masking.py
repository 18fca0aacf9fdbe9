"""Contact masking (app/masking.py): what is hidden, what is left alone, how fast.

Pure function, no database: each table row is one message as people write it."""

import time

import pytest

from app.masking import PLACEHOLDERS, SHORT_PLACEHOLDER, ContactKind, mask_contacts

PHONE, EMAIL, LINK, IBAN = ContactKind.phone, ContactKind.email, ContactKind.link, ContactKind.iban

# (written, the contact inside it). Numbers are in real, assigned ranges: libphonenumber knows the
# fictional ones (UK 07700 900xxx, US 555-01xx) and the plain rule catches them anyway.
PHONES = [
    # Italian mobiles
    ("chiamami al 3391234567", "3391234567"),
    ("chiamami al 339 1234567", "339 1234567"),
    ("cell 339 123 4567 grazie", "339 123 4567"),
    ("339 12 34 567", "339 12 34 567"),
    ("339.123.45.67", "339.123.45.67"),
    ("339-123-45-67", "339-123-45-67"),
    ("339/1234567", "339/1234567"),
    ("(339) 1234567", "(339) 1234567"),
    ("+39 339 1234567", "+39 339 1234567"),
    ("+393391234567", "+393391234567"),
    ("0039 339 1234567", "0039 339 1234567"),
    ("(+39) 339-123-45-67", "(+39) 339-123-45-67"),
    ("tel.+39 331-1234567", "+39 331-1234567"),
    ("cell:3391234567", "3391234567"),
    ("3 3 9 1 2 3 4 5 6 7", "3 3 9 1 2 3 4 5 6 7"),
    ("3 4 7  1 2 3  4 5 6 7", "3 4 7  1 2 3  4 5 6 7"),
    # Italian landlines
    ("02 12345678", "02 12345678"),
    ("02-1234-5678", "02-1234-5678"),
    ("tel: 02/12345678", "02/12345678"),
    ("06 1234 5678", "06 1234 5678"),
    ("0612345678", "0612345678"),
    ("0331 123456", "0331 123456"),
    ("02-12-34-56-78", "02-12-34-56-78"),
    ("+39 06 1234 5678", "+39 06 1234 5678"),
    ("0039 02 1234 5678", "0039 02 1234 5678"),
    # International, as written by people from there
    ("+44 7911 123456", "+44 7911 123456"),  # UK
    ("+44 (0) 7911 123456", "+44 (0) 7911 123456"),
    ("07911 123456", "07911 123456"),  # UK without the country code: the plain rule
    ("0044 7911 123456", "0044 7911 123456"),
    ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),  # France
    ("0033 6 12 34 56 78", "0033 6 12 34 56 78"),
    ("+49 151 23456789", "+49 151 23456789"),  # Germany
    ("+1 (212) 555-0123", "+1 (212) 555-0123"),  # US
    ("(415) 555-2671", "(415) 555-2671"),  # US without +1: the plain rule
    ("415-555-2671", "415-555-2671"),
    ("+40 721 234 567", "+40 721 234 567"),  # Romania
    ("0040721234567", "0040721234567"),
    ("+380 67 123 4567", "+380 67 123 4567"),  # Ukraine
    ("+63 917 123 4567", "+63 917 123 4567"),  # Philippines
    ("+51 987 654 321", "+51 987 654 321"),  # Peru
    ("+593 99 123 4567", "+593 99 123 4567"),  # Ecuador
    ("+373 69 123 456", "+373 69 123 456"),  # Moldova
    ("+355 69 123 4567", "+355 69 123 4567"),  # Albania
    ("+212 6 12 34 56 78", "+212 6 12 34 56 78"),  # Morocco
]

EMAILS = [
    ("scrivimi a mario.rossi@gmail.com. Poi ci sentiamo", "mario.rossi@gmail.com"),
    ("MARIO_ROSSI+lavoro@Libero.IT", "MARIO_ROSSI+lavoro@Libero.IT"),
    ("info@cooperativa-sole.org", "info@cooperativa-sole.org"),
    ("mario.rossi@studio.example.co.uk", "mario.rossi@studio.example.co.uk"),
    ("mario @ gmail . com", "mario @ gmail . com"),
    ("mario@gmail", "mario@gmail"),
    ("mario at gmail dot com", "mario at gmail dot com"),
    ("mario at gmail.com", "mario at gmail.com"),
    ("mario [at] libero [dot] it", "mario [at] libero [dot] it"),
    ("mario(at)libero.it", "mario(at)libero.it"),
    ("mario chiocciola libero punto it", "mario chiocciola libero punto it"),
]

LINKS = [
    ("guarda https://example.it/profilo?id=3 e dimmi", "https://example.it/profilo?id=3"),
    ("http://mio-sito.com", "http://mio-sito.com"),
    ("vai su www.example.it/pagina, grazie", "www.example.it/pagina"),
    ("scrivimi su wa.me/393391234567", "wa.me/393391234567"),
    ("https://wa.me/393391234567", "https://wa.me/393391234567"),
    ("t.me/mariorossi", "t.me/mariorossi"),
    ("il mio sito è babysitter-milano.it.", "babysitter-milano.it"),
    ("bit.ly/abc123", "bit.ly/abc123"),
    ("(vedi facebook.com/mario.rossi)", "facebook.com/mario.rossi"),
]

IBANS = [
    ("IBAN IT60 X054 2811 1010 0000 0123 456 grazie", "IT60 X054 2811 1010 0000 0123 456"),
    ("IT60X0542811101000000123456", "IT60X0542811101000000123456"),
    ("it60x0542811101000000123456", "it60x0542811101000000123456"),
    ("RO49 AAAA 1B31 0075 9384 0000", "RO49 AAAA 1B31 0075 9384 0000"),
    ("DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"),
    ("GB29 NWBK 6016 1331 9268 19", "GB29 NWBK 6016 1331 9268 19"),
]

# Numbers and words that look like contacts and are not: they stay exactly as written.
LOOK_ALIKES = [
    "costa 1.200,00 € al mese",
    "15 € l'ora, 12,50 a pasto, € 40 in tutto, 20%",
    "il preventivo è di 1.250 euro",
    "1.200.000",
    "dalle 9-13 e dalle 14-18",
    "orari 8-12 14-18 20-22",
    "dalle 8.30-12.30",
    "alle 14:30 o alle 14.30",
    "il 12/03/2026",
    "dal 12/03/2026 al 15/03/2026",
    "il 2026-03-12",
    "1.3.26",
    "via Roma 12, 20121 Milano",
    "corso Buenos Aires 33/5, 20124 Milano (MI)",
    "3 bambini di 4, 6 e 9 anni",
    "40 ore settimanali, 26 giorni di ferie",
    "nel 2026",
    "anni 2024 2025 2026",
    "dal 1998 al 2024",
    "livello CS del CCNL, 1.750 € lordi",
    "p.es. domani",
    "ciao.come stai",
    "piano 3, interno 12, scala B",
    "IT60X0542811101000000123457",  # an IBAN with a wrong check digit
    "XX60X0542811101000000123456",  # no such country
    "aiuto per la sig.ra Bianchi",
    "ci vediamo alle 14 a casa",
    "codice 12345",
    "protocollo n. 2026/123",
    "pratica n. 2026/0001234",
    # libphonenumber alone reads these as short landlines (0103 2026, 030 630)
    "contratto dal 01.03.2026 al 31.12.2026",
    "dal 01.03.2026-31.12.2026 ore 8.30-12.30",
    "dal 01-03-2026 al 31-12-26",
    "ore 0.30-6.30",
    "dalle 7.30 alle 19.30, lun-ven 8:00-12:00 / 14:00-18:00",
    "orari: 8-12/14-18, sabato 9-12",
    "€1.200-1.500 al mese, 12.000 - 15.000 euro annui",
    "codice fiscale RSSMRA80A01F205X",
    "CAP 20100, civico 123/A, piano 2 scala A int. 5",
    "assistenza 24/7, h24, 365 giorni",
    "il bimbo pesa 12,5 kg ed è alto 95 cm",
]


def _expect(written: str, contact: str, kind: ContactKind) -> str:
    placeholder = PLACEHOLDERS[kind] if len(PLACEHOLDERS[kind]) <= len(contact) else SHORT_PLACEHOLDER
    return written.replace(contact, placeholder)


@pytest.mark.parametrize(
    ("written", "contact", "kind"),
    [(*row, PHONE) for row in PHONES]
    + [(*row, EMAIL) for row in EMAILS]
    + [(*row, LINK) for row in LINKS]
    + [(*row, IBAN) for row in IBANS],
)
def test_a_contact_is_replaced_by_its_placeholder_and_nothing_else_changes(
    written: str, contact: str, kind: ContactKind
) -> None:
    result = mask_contacts(written)
    assert result.text == _expect(written, contact, kind)
    assert result.kinds == (kind,)
    assert result.masked


def test_there_are_enough_phone_formats() -> None:
    assert len(PHONES) >= 20
    assert len({written for written, _ in PHONES}) == len(PHONES)


@pytest.mark.parametrize("written", LOOK_ALIKES)
def test_look_alikes_stay_untouched(written: str) -> None:
    result = mask_contacts(written)
    assert result.text == written
    assert result.kinds == ()
    assert not result.masked


def test_every_kind_in_one_message_is_masked_and_the_kinds_are_listed_sorted_once() -> None:
    written = (
        "Buongiorno! Sono disponibile dalle 9-13, 15 € l'ora, a partire dal 12/03/2026. "
        "Chiamami al 339 123 4567 o al +44 7911 123456, scrivi a mario.rossi@gmail.com, "
        "vedi www.example.it e paga su IT60 X054 2811 1010 0000 0123 456. Via Roma 12, 20121 Milano."
    )
    result = mask_contacts(written)
    assert result.text == (
        "Buongiorno! Sono disponibile dalle 9-13, 15 € l'ora, a partire dal 12/03/2026. "
        "Chiamami al [telefono] o al [telefono], scrivi a [email], "
        "vedi [link] e paga su [IBAN]. Via Roma 12, 20121 Milano."
    )
    assert result.kinds == (EMAIL, IBAN, LINK, PHONE)
    assert [str(kind) for kind in result.kinds] == ["email", "iban", "link", "phone"]


def test_two_numbers_in_a_row_are_both_masked() -> None:
    assert mask_contacts("3391234567 e 3397654321").text == "[telefono] e [telefono]"
    assert mask_contacts("+33 6 12 34 56 78 oppure 0033 6 12 34 56 78").text == "[telefono] oppure [telefono]"


def test_an_e_mail_is_one_contact_not_a_link_and_an_iban_is_not_a_phone() -> None:
    assert mask_contacts("info@example.it").kinds == (EMAIL,)
    assert mask_contacts("IT60X0542811101000000123456").kinds == (IBAN,)


def test_a_long_number_is_hidden_as_a_phone_on_purpose() -> None:
    # The plain rule errs on the side of hiding: a VAT or card number reads like a phone number.
    assert mask_contacts("P.IVA 12345678901").text == "P.IVA [telefono]"
    assert mask_contacts("carta 4111 1111 1111 1111").kinds == (PHONE,)


def test_a_masked_text_is_never_longer_than_what_was_written() -> None:
    # Short contacts get the short placeholder, so the text fits the column it was written for.
    written = " ".join(["a@b.it", "ab.it", "061234567", "t.me/x"] * 200)
    result = mask_contacts(written)
    assert len(result.text) <= len(written)
    assert "a@b.it" not in result.text and "ab.it" not in result.text and "061234567" not in result.text
    assert SHORT_PLACEHOLDER in result.text


def test_a_message_with_nothing_to_mask_is_returned_as_it_is() -> None:
    for written in ["", "Buongiorno, la tata è disponibile anche il mercoledì?", "🙂 grazie!"]:
        assert mask_contacts(written).text == written


def _cpu_ms(text: str) -> float:
    """Best of several runs, in CPU time of this process: the code's cost, not the shared machine's load."""
    timings = []
    for _ in range(7):
        started = time.process_time()
        mask_contacts(text)
        timings.append(time.process_time() - started)
    return min(timings) * 1000


def test_a_long_message_is_masked_in_well_under_10_ms() -> None:
    # The worst a real message gets: 4,000 characters dense with numbers (prices, times, dates,
    # addresses) and contacts (22 phone numbers, 22 e-mails); and 4,000 characters of plain prose.
    sentence = (
        "Disponibile dalle 9-13 e 14-18, 15 € l'ora (1.200,00 € al mese), dal 12/03/2026, via Roma 12, "
        "20121 Milano, 3 bambini; chiamami al 339 123 4567 o scrivi a mario.rossi@gmail.com. "
    )
    dense = (sentence * (4000 // len(sentence) + 1))[:4000]
    prose = ("Buongiorno, la tata è disponibile anche il mercoledì pomeriggio, dalle 14 alle 18. " * 60)[:4000]
    assert len(dense) == len(prose) == 4000
    dense_ms, prose_ms = _cpu_ms(dense), _cpu_ms(prose)
    print(f"4,000 characters masked in {dense_ms:.2f} ms (dense with contacts), {prose_ms:.2f} ms (prose)")
    assert dense_ms < 10
    assert prose_ms < 5
