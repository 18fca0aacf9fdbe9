"""Income-based prices as responses show them and as acceptance records them: the one place that
turns `rules.price_for_household` into a `YourPrice`. Pure (no database), so catalogue and demand
views, and demand's acceptance, all use it."""

from typing import Any

from app.income.rules import IseeValue, price_for_household
from app.income.schemas import IseeBand, YourPrice


def your_price(list_price_cents: int | None, bands: list[dict[str, Any]], isee: IseeValue | None) -> YourPrice | None:
    """The household's price under these bands, or None (no ISEE in force, no bands, nothing priced)."""
    if isee is None or not bands or list_price_cents is None:
        return None
    price = price_for_household(list_price_cents, bands, isee.value_cents)
    band = IseeBand.model_validate(price.band) if price.band is not None else None
    return YourPrice(price_cents=price.price_cents, band_index=price.band_index, band=band, reason=price.reason)


def record_of(price: YourPrice, isee: IseeValue) -> dict[str, Any]:
    """What an accepted offer and its engagement keep (JSONB): the price, the band, why, and which
    declaration it came from (for the audit; responses leave the declaration out)."""
    return {**price.model_dump(mode="json"), "isee_declaration_id": str(isee.declaration_id)}


def recorded(record: dict[str, Any] | None) -> YourPrice | None:
    if record is None:
        return None
    return YourPrice.model_validate({k: v for k, v in record.items() if k != "isee_declaration_id"})
