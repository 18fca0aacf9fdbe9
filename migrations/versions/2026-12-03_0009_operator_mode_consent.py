"""Operator mode needs recorded consent: existing rows checked, then a check constraint

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:00:00.000000+00:00

Audit finding: a citizen could create an operator-mode request (no consent recorded), which let every
operator of the NIL's hubs read, edit and invite on it. From now on only a hub operator acting for a
citizen, with consent recorded, makes one, and the database refuses operator mode without consent.

Rows made before the rule are checked here. A row in operator mode without recorded consent was made
by the citizen themselves (operators always recorded consent), so the citizen never consented to
operators acting on it. Decision: such a request becomes a quote-mode request: it stays the
citizen's, with its state, invitations and offers untouched, and only the operators' access ends
(quote is the mode that shares the least: `open` would show it to every provider). The migration
logs how many rows it changed and their ids, so that the hubs can contact those households if a
request still needs an operator's help. Downgrading drops the constraint only: the changed modes
are not restored (they were never consented to).
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    changed = (
        op.get_bind()
        .execute(
            sa.text(
                "UPDATE demand_request SET mode = 'quote' "
                "WHERE mode = 'operator' AND consent_recorded_at IS NULL RETURNING id"
            )
        )
        .scalars()
        .all()
    )
    if changed:
        log.warning(
            "%d operator-mode request(s) had no recorded consent and became quote mode: %s",
            len(changed),
            ", ".join(sorted(str(i) for i in changed)),
        )
    op.create_check_constraint(
        op.f("ck_demand_request_operator_mode_has_consent"),
        "demand_request",
        "mode <> 'operator' OR consent_recorded_at IS NOT NULL",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_demand_request_operator_mode_has_consent"), "demand_request", type_="check")
