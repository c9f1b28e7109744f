"""Reading the audit trail with filters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from livinglab.audit.models import AuditEvent


def query_audit_events(
    *,
    action: str | None = None,
    object_type: str | None = None,
    actor_id: int | None = None,
    trial_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Select[tuple[AuditEvent]]:
    """Newest first, filtered in SQL, with the actor eager-loaded."""
    query = select(AuditEvent).options(selectinload(AuditEvent.actor))
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if trial_id:
        query = query.where(AuditEvent.trial_id == trial_id)
    if since:
        query = query.where(AuditEvent.occurred_at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
        query = query.where(AuditEvent.occurred_at < end)
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
