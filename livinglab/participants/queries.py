"""Read helpers for the registry."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, lazyload
from wtforms import SelectChoice

from livinglab.extensions import db
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


def participant_of_current_user() -> Participant | None:
    """The signed-in user's registry profile, if they have one."""
    # current_user is already loaded: take it from the identity map, not a join and reload.
    return db.session.scalar(
        select(Participant)
        .where(Participant.user_id == current_user.id)
        .options(lazyload(Participant.user))
    )


def current_participant() -> Participant:
    """The signed-in user's registry profile (403 for a participant account without one)."""
    participant = participant_of_current_user()
    if participant is None:
        abort(403)
    return participant
