"""Writing audit events: every service that changes data calls :func:`record`."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    trial_id: int | None = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit event to the session, in the caller's transaction.

    Args:
        actor: who made the change, or ``None`` for the system.
        action: dotted verb such as ``trial.approved``.
        object_type, object_id: what changed.
        trial_id: the trial the change belongs to, for trial timelines.
        old, new: the values before and after (JSON-serialisable after conversion).
        reason: the reason the actor gave, if any.

    The event is flushed so it gets its id, and is rolled back with the change if the
    transaction fails.
    """
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        trial_id=trial_id,
        old_value=_jsonable(old) if old is not None else None,
        new_value=_jsonable(new) if new is not None else None,
        reason=reason,
    )
    session.add(event)
    session.flush()
    return event
