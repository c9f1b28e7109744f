"""Read helpers for the registry."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload
from wtforms import SelectChoice

from livinglab.participants.models import Condition, Participant, PossibleDuplicate


def condition_choices(session: Session) -> list[SelectChoice]:
    """The active conditions as checkbox choices, by name."""
    rows = session.execute(
        select(Condition.code, Condition.name).where(Condition.is_active).order_by(Condition.name)
    )
    return [SelectChoice(code, name) for code, name in rows]


def query_unresolved_duplicates() -> Select[tuple[PossibleDuplicate]]:
    """Unresolved possible-duplicate flags, newest first, with both people eager-loaded."""
    return (
        select(PossibleDuplicate)
        .where(PossibleDuplicate.resolved_at.is_(None))
        .options(
            joinedload(PossibleDuplicate.participant).joinedload(Participant.user),
            joinedload(PossibleDuplicate.existing_participant).joinedload(Participant.user),
        )
        .order_by(PossibleDuplicate.created_at.desc(), PossibleDuplicate.id.desc())
    )
