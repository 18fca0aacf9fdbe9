"""The caller's language for messages written for people (it or en), from Accept-Language.

The API speaks English in `detail` by default; messages a person must act on (a password that is
too weak) are also given in Italian. The header's own preference order and q-values decide
(RFC 9110 §12.5.4); with no usable header the account's preferred language, else Italian (the
platform's default language, as `preferred_language` defaults to it).
"""

from typing import Annotated, Literal

from fastapi import Depends, Header

Lang = Literal["it", "en"]
SUPPORTED: tuple[Lang, ...] = ("it", "en")


def negotiate(accept_language: str | None) -> Lang | None:
    """The supported language the header prefers most, or None when it names neither."""
    best: tuple[float, int, Lang] | None = None
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if primary in SUPPORTED and quality > 0 and (best is None or (-quality, position) < (-best[0], best[1])):
            best = (quality, position, "it" if primary == "it" else "en")
    return best[2] if best else None


async def _accept_language(
    accept_language: Annotated[
        str | None, Header(alias="Accept-Language", max_length=200, description="it or en, for messages to people")
    ] = None,
) -> Lang | None:
    return negotiate(accept_language)


AcceptLanguage = Annotated[Lang | None, Depends(_accept_language)]
