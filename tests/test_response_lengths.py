"""A response string's maxLength is its column's length (app.shared_schemas.stored): the contract's
bound is true because the database cannot hold a longer value. Each response schema is paired with
the table its strings come from; a String(n) column of the same name must carry maxLength n."""

import pytest
from pydantic import BaseModel
from sqlalchemy import Enum, String

from app.accounts.schemas import UserRead
from app.catalog.schemas import ServiceRead
from app.categories.schemas import CategoryRead, ServiceCategory
from app.conversations.schemas import MessageRead, MessageReportRead
from app.courses.schemas import CourseRead
from app.demand.schemas import ReviewRead
from app.hubs.schemas import HubRead
from app.initiatives.schemas import InitiativeRead
from app.integrations.schemas import PartnerClientRead
from app.mail.schemas import PreferenceRead
from app.models import (
    Category,
    Course,
    Hub,
    Initiative,
    Message,
    MessageReport,
    Notification,
    NotificationPreference,
    PartnerClient,
    Pool,
    Provider,
    Review,
    Service,
    User,
    Zone,
)
from app.models.base import Base
from app.notifications.schemas import NotificationRead
from app.pools.schemas import PoolRead
from app.providers.schemas import ProviderRead, ServiceProvider
from app.zones.schemas import ZoneRead

READ_FROM = [
    (UserRead, User),
    (HubRead, Hub),
    (ZoneRead, Zone),
    (CategoryRead, Category),
    (ServiceCategory, Category),
    (PartnerClientRead, PartnerClient),
    (CourseRead, Course),
    (InitiativeRead, Initiative),
    (PoolRead, Pool),
    (ReviewRead, Review),
    (NotificationRead, Notification),
    (PreferenceRead, NotificationPreference),
    (ServiceRead, Service),
    (ProviderRead, Provider),
    (ServiceProvider, Provider),
    (MessageRead, Message),
    (MessageReportRead, MessageReport),
]


def _max_length(schema: type[BaseModel], field: str) -> int | None:
    json_schema = schema.model_json_schema()["properties"][field]
    options = json_schema.get("anyOf", [json_schema])
    return next((option.get("maxLength") for option in options if option.get("type") == "string"), None)


@pytest.mark.parametrize(("schema", "model"), READ_FROM, ids=lambda item: item.__name__)
def test_each_string_read_from_a_bounded_column_states_the_columns_length(
    schema: type[BaseModel], model: type[Base]
) -> None:
    columns = {
        column.key: column.type.length
        for column in model.__table__.columns
        if isinstance(column.type, String) and not isinstance(column.type, Enum)
    }
    bounded = {name: length for name, length in columns.items() if name in schema.model_fields and length}

    stated = {name: _max_length(schema, name) for name in bounded}

    assert bounded and stated == bounded
