"""The one place a trial changes state: checks the move and actor, audits it, tells the company."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.errors import IllegalTransition, NotPermitted
from trials.proposals.models import Trial
from trials.review.notifications import notify_status_change
from trials.states import REFUSALS, TrialStatus, roles_for


def transition(
    session: Session,
    trial: Trial,
    target: TrialStatus,
    *,
    actor: User,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    action: str | None = None,
    notify: bool = True,
) -> Trial:
    """Move ``trial`` to ``target``, write the audit event and email the company.

    The emails go to the outbox in the same transaction (see
    :mod:`trials.review.notifications`). ``action`` names the audit event when the
    default ``trial.<target>`` would mislead (a move back, such as unlocking the data);
    ``notify=False`` leaves the company's email out for such internal moves.

    Raises:
        IllegalTransition: the move is not in the state table from the current state.
        NotPermitted: the move is legal but none of the actor's roles may make it.
    """
    source = trial.status
    allowed = roles_for(source, target)
    if not allowed:
        raise IllegalTransition(
            f"{REFUSALS.get(target, 'This change is not allowed.')} "
            f"This trial is {source.label.lower()}."
        )
    if not actor.has_role(*allowed):
        raise NotPermitted("Your role does not allow this change to the trial.")
    trial.status = target
    record(
        session,
        actor=actor,
        action=action or f"trial.{target.value}",
        object_type="trial",
        object_id=trial.id,
        trial_id=trial.id,
        old={"status": source},
        new={"status": target, **(details or {})},
        reason=reason,
    )
    if notify:
        notify_status_change(session, trial, target=target, reason=reason)
    return trial
