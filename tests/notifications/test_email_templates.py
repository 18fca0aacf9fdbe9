"""The e-mail templates ship inside the package, and the digest's clock is Milan's (DST included)."""

import tomllib
from datetime import UTC, datetime
from fnmatch import fnmatch
from pathlib import Path
from zoneinfo import ZoneInfo

from app.mail import messages, rules

ROOT = Path(__file__).resolve().parents[2]
ROME = ZoneInfo("Europe/Rome")


def test_every_template_is_package_data_of_the_wheel():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = package_data["package-data"]["app.mail"]
    templates = ROOT / "app" / "mail" / "templates"
    shipped = sorted(p.relative_to(templates.parent).as_posix() for p in templates.iterdir())

    assert shipped == [
        "templates/account.html",
        "templates/account.txt",
        "templates/digest.html",
        "templates/digest.txt",
        "templates/notification.html",
        "templates/notification.txt",
        "templates/unsubscribe.html",
    ]
    assert [name for name in shipped if not any(fnmatch(name, pattern) for pattern in patterns)] == []
    # Loaded through the package (PackageLoader), as an installed wheel loads them.
    assert sorted(messages.ENVIRONMENT.list_templates()) == [name.removeprefix("templates/") for name in shipped]


def test_the_digest_slot_is_the_latest_digest_hour_on_romes_clock():
    winter_evening = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)  # 18:30 in Rome (UTC+1)
    winter_afternoon = datetime(2026, 12, 3, 16, 30, tzinfo=UTC)  # 17:30 in Rome
    summer_evening = datetime(2026, 7, 1, 16, 5, tzinfo=UTC)  # 18:05 in Rome (UTC+2)

    assert rules.digest_slot(winter_evening, hour=18, zone=ROME) == datetime(2026, 12, 3, 18, tzinfo=ROME)
    assert rules.digest_slot(winter_afternoon, hour=18, zone=ROME) == datetime(2026, 12, 2, 18, tzinfo=ROME)
    assert rules.digest_slot(summer_evening, hour=18, zone=ROME).astimezone(UTC) == datetime(2026, 7, 1, 16, tzinfo=UTC)
    # The night the clocks go back (25 October 2026): still one slot a day, at 18:00 local.
    after_change = datetime(2026, 10, 25, 17, 0, tzinfo=UTC)  # 18:00 CET
    assert rules.digest_slot(after_change, hour=18, zone=ROME).astimezone(UTC) == after_change


def test_details_are_label_value_lines_in_a_stable_order():
    assert messages.details({"when": "domani", "count": 2, "empty": None, "names": ["A", "B"]}) == [
        ("Count", "2"),
        ("Names", "A, B"),
        ("When", "domani"),
    ]


def test_details_speak_the_readers_language_and_leave_out_what_means_nothing_to_a_person():
    data = {
        "request_id": "5f0c3c1e-4a8e-4c43-9a51-0f6f6f0c7b11",
        "provider_ids": ["5f0c3c1e-4a8e-4c43-9a51-0f6f6f0c7b12"],
        "threshold": "days_3",
        "weekly_cost_cents": 123450,
        "valid_until": "2026-07-01T16:30:00+00:00",
        "provider_name": "Cooperativa Sole",
        "state": "active",
    }
    assert messages.details(data, "it", ROME) == [
        ("Ente", "Cooperativa Sole"),
        ("Stato", "active"),
        ("Valido fino al", "01/07/2026 18:30"),  # 16:30 UTC is 18:30 in Rome in summer
        ("Costo settimanale", "1.234,50 €"),
    ]
    assert messages.details(data, "en", ROME) == [
        ("Provider", "Cooperativa Sole"),
        ("State", "active"),
        ("Valid until", "01/07/2026 18:30"),
        ("Weekly cost", "€1,234.50"),
    ]
    assert messages.details({"price_cents": -5, "note": "T-shirt"}, "it", ROME) == [
        ("Note", "T-shirt"),  # not a timestamp: shown as written
        ("Prezzo", "-0,05 €"),
    ]


def test_tutti_serve_says_where_emails_go():
    from app.cli import startup_banner
    from app.config import MailSettings, Settings

    logged = startup_banner(Settings(_env_file=None), "127.0.0.1", 8000, demo=False, worker_pid=123)
    relayed = startup_banner(
        Settings(_env_file=None, mail=MailSettings(smtp_host="smtp.example.org", smtp_port=465, smtp_tls="tls")),
        "127.0.0.1",
        8000,
        demo=False,
        worker_pid=123,
    )

    assert "E-mail:  written to the log, not sent (MAIL__SMTP_HOST is unset)" in logged
    assert "E-mail:  sent through SMTP smtp.example.org:465 (TLS: tls)" in relayed
