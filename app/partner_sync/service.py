"""Partner sync: a partner system keeps its provider's listings in step by its own external ids.

PUT replaces a listing (creating it the first time); content identical to what is stored is a
no-op that keeps the version, so partners can resend everything nightly. The bulk endpoint applies
each item in its own savepoint: an item either applies whole or not at all, and one bad item never
blocks the others. DELETE archives (listings are never hard-deleted: engagements refer to them).
"""

import hashlib
import json
import uuid
from typing import Literal

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app import ledger
from app.catalog import service as catalog_service
from app.errors import AppError, Forbidden, ValidationFailed
from app.models import AccreditationState, PartnerClient, Provider, Service, ServiceStatus
from app.partner_sync.schemas import (
    MAX_BULK_ITEMS,
    BulkSyncResult,
    ServiceSync,
    ServiceSyncItem,
    SyncItemError,
    SyncItemResult,
)
from app.providers import access as provider_access
from app.providers import search_columns

SyncOutcome = Literal["created", "updated", "unchanged"]


ProviderNotAccredited = catalog_service.ProviderNotAccredited
ServiceNotFound = catalog_service.ServiceNotFound
InvalidServiceTransition = catalog_service.InvalidServiceTransition


class BulkTooLarge(ValidationFailed):
    code = "bulk_too_large"


async def _bound_provider(session: AsyncSession, partner: PartnerClient) -> Provider:
    if partner.provider_id is None:
        raise Forbidden("This partner client is not bound to a provider; ask the city to bind it.")
    provider = await provider_access.get_provider_by_id(session, partner.provider_id)
    if provider is None:
        raise Forbidden("This partner client's provider no longer exists.")
    return provider


def _content_hash(data: ServiceSync) -> str:
    canonical = json.dumps(data.model_dump(mode="json", exclude_unset=False), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _upsert(
    session: AsyncSession, partner: PartnerClient, provider: Provider, external_id: str, data: ServiceSync
) -> tuple[Service, SyncOutcome]:
    content_hash = _content_hash(data)
    service = await catalog_service.get_by_external_id(session, provider.id, external_id, for_update=True)
    if service is not None and service.status == ServiceStatus.archived:
        # Archiving is final, as in the staff API: a new listing needs a new external id.
        raise InvalidServiceTransition(
            "This listing was archived; publish it again under a new external id.", current_state="archived"
        )
    if service is not None and service.content_hash == content_hash:
        return service, "unchanged"
    outcome: SyncOutcome = "updated" if service is not None else "created"
    if service is None:
        service = Service(
            id=uuid.uuid4(),  # now, not at flush: set_status's event refers to it before the INSERT
            provider_id=provider.id,
            external_id=external_id,
            category_id=data.category_id,
            title=data.title,
            delivery=data.delivery,
            price_model=data.price_model,
        )
    # Nothing reaches the database before the whole replacement is valid (a half-replaced row could
    # break a constraint mid-way), and the change is one write: the version moves by one.
    with session.no_autoflush:
        # PUT replaces: every field takes the sent value or its default.
        service.availability, service.availability_minutes, service.shared_prices = [], [], []
        service.zones_served, service.languages, service.description = [], provider.languages, ""
        service.min_persons = service.max_persons = service.price_cents = service.radius_km = None
        service.accessibility, service.capacity, service.income_based = None, None, False
        service.weekly_hours = service.session_minutes = None
        service.isee_bands = []
        service.category_id, service.title = data.category_id, data.title
        service.delivery, service.price_model = data.delivery, data.price_model
        await catalog_service.apply_fields(session, service, data)
        await catalog_service.validate_listing(session, service, provider)
        target = ServiceStatus(data.status)
        if target == ServiceStatus.published and provider.accreditation_state != AccreditationState.accredited:
            raise catalog_service.ProviderNotAccredited(
                "Only an accredited provider's services can be published.",
                current_state=provider.accreditation_state.value,
            )
        service.content_hash = content_hash
        session.add(service)
        if service.status != target or outcome == "created":
            await catalog_service.set_status(session, service, provider, target, actor=None)  # reindexes, flushes
        else:
            await search_columns.reindex(session, service, provider)
    ledger.audit(
        session,
        actor_id=partner.id,
        actor_kind="partner",
        action=f"service.sync_{outcome}",
        target_type="service",
        target_id=service.id,
        detail={"external_id": external_id},
    )
    await session.flush()
    return service, outcome


async def put_service(
    session: AsyncSession, partner: PartnerClient, external_id: str, data: ServiceSync
) -> tuple[Service, SyncOutcome]:
    provider = await _bound_provider(session, partner)
    return await _upsert(session, partner, provider, external_id, data)


async def archive_service(session: AsyncSession, partner: PartnerClient, external_id: str) -> None:
    provider = await _bound_provider(session, partner)
    service = await catalog_service.get_by_external_id(session, provider.id, external_id, for_update=True)
    if service is None:
        raise catalog_service.ServiceNotFound("No listing with this external id.")
    if service.status != ServiceStatus.archived:
        service.content_hash = None
        await catalog_service.set_status(session, service, provider, ServiceStatus.archived, actor=None)


def parse_bulk(body: bytes, content_type: str) -> list[object]:
    """The items of a bulk request: a JSON array, or NDJSON (one object a line)."""
    try:
        if content_type.split(";")[0].strip() == "application/x-ndjson":
            items = [json.loads(line) for line in body.decode("utf-8").splitlines() if line.strip()]
        else:
            items = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"The body is not valid JSON or NDJSON: {exc}", pointer="") from exc
    if not isinstance(items, list):
        raise ValidationFailed("The body must be a JSON array of listings.", pointer="")
    if len(items) > MAX_BULK_ITEMS:
        raise BulkTooLarge(f"At most {MAX_BULK_ITEMS} items per request.", pointer="")
    # The contract says every item is an object: anything else is a malformed request, refused
    # whole (an object with bad fields is still answered on its own, in `items`).
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValidationFailed("Every item must be a JSON object (a listing).", pointer=f"/{index}")
    return items


_item_adapter = TypeAdapter(ServiceSyncItem)


async def bulk_sync(session: AsyncSession, partner: PartnerClient, items: list[object]) -> BulkSyncResult:
    provider = await _bound_provider(session, partner)
    results: list[SyncItemResult] = []
    seen: set[str] = set()
    for index, raw in enumerate(items):
        external_id = raw.get("external_id") if isinstance(raw, dict) else None
        try:
            item = _item_adapter.validate_python(raw)
            if item.external_id in seen:
                raise ValidationFailed("external_id repeated in this request.", pointer="/external_id")
            seen.add(item.external_id)
            data = ServiceSync(**item.model_dump(exclude={"external_id"}, exclude_unset=True))
            async with session.begin_nested():  # one item, all or nothing
                service, outcome = await _upsert(session, partner, provider, item.external_id, data)
            results.append(
                SyncItemResult(
                    index=index,
                    external_id=item.external_id,
                    result=outcome,
                    service_id=service.id,
                    version=service.version,
                )
            )
        except ValidationError as exc:
            results.append(
                SyncItemResult(
                    index=index,
                    external_id=_text(external_id),
                    result="error",
                    errors=[
                        SyncItemError(
                            pointer=f"/{index}/" + "/".join(str(p) for p in e["loc"]),
                            detail=e["msg"],
                            code="validation_error",
                        )
                        for e in exc.errors()
                    ],
                )
            )
        except DBAPIError:  # e.g. a NUL byte, or a concurrent first insert of the same id
            results.append(
                SyncItemResult(
                    index=index,
                    external_id=_text(external_id),
                    result="error",
                    errors=[
                        SyncItemError(
                            pointer=f"/{index}",
                            detail="The item could not be stored; check its text and retry.",
                            code="item_rejected",
                        )
                    ],
                )
            )
        except AppError as exc:
            pointer = next((e.get("pointer", "") for e in exc.extra.get("errors", [])), "")
            results.append(
                SyncItemResult(
                    index=index,
                    external_id=_text(external_id),
                    result="error",
                    errors=[SyncItemError(pointer=f"/{index}{pointer}", detail=exc.detail, code=exc.code)],
                )
            )
    count = {k: sum(r.result == k for r in results) for k in ("created", "updated", "unchanged", "error")}
    return BulkSyncResult(
        created=count["created"],
        updated=count["updated"],
        unchanged=count["unchanged"],
        errors=count["error"],
        items=results,
    )


def _text(value: object) -> str | None:
    return value[:100] if isinstance(value, str) else None
