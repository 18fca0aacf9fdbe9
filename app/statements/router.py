import uuid
from typing import Literal

from fastapi import Query, Request, Response

from app.accounts.auth import Admin, CurrentUser
from app.db import ReadSessionDep, SessionDep
from app.errors import Forbidden, NotAuthenticated, error_responses
from app.providers.access import ProviderNotFound
from app.routing import api_router
from app.statements import service
from app.statements.schemas import Month, ProgrammeSpend, ProviderStatement

statements_router = api_router(prefix="/providers", tags=["statements"])
spend_router = api_router(prefix="/programmes", tags=["statements"])

CSV = "text/csv"


def _wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "csv"
    accept = request.headers.get("accept", "")
    return CSV in accept and "application/json" not in accept


@statements_router.get(
    "/{provider_id}/statements/{month}",
    response_model=ProviderStatement,
    responses={
        200: {
            "description": "The statement, as JSON or (Accept: text/csv, or ?format=csv) as CSV",
            "content": {CSV: {"schema": {"type": "string", "maxLength": 50_000_000}}},
        },
        **error_responses(NotAuthenticated, ProviderNotFound, service.MonthNotStarted),
    },
)
async def get_provider_statement(
    provider_id: uuid.UUID,
    month: Month,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    format: Literal["json", "csv"] | None = Query(default=None, description="csv: the accounting office's sheet"),
) -> ProviderStatement | Response:
    """A provider's monthly statement (its staff; admins for every provider): public money captured
    per programme (what each funder owes) and co-payments due, received and outstanding."""
    statement = await service.provider_statement(session, user, provider_id, month)
    if _wants_csv(request, format):
        filename = f"statement-{provider_id}-{month}.csv"
        return Response(
            service.statement_csv(statement),
            media_type=f"{CSV}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return statement.summary


@spend_router.get(
    "/{programme_id}/spend",
    response_model=ProgrammeSpend,
    responses=error_responses(NotAuthenticated, Forbidden),
)
async def get_programme_spend(programme_id: uuid.UUID, session: ReadSessionDep, admin: Admin) -> ProgrammeSpend:
    """Where a programme's money stands (admins): granted, committed in holds, spent, expired, remaining."""
    return await service.programme_spend(session, programme_id)
