"""Recording the adoption decision, and publishing it to the people who took part."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.decisions.evidence import Certainty, TierReached
from evaluation.decisions.models import AdoptionDecision, DecisionOutcome
from evaluation.runs.models import AnalysisRun
from evaluation.runs.services import latest_run
from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.audit.services import record
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.mail.services import email_link, queue_message
from livinglab.participants.models import Participant
from trials.enrolment.models import Enrolment
from trials.lifecycle import transition
from trials.proposals.models import Trial
from trials.states import TrialStatus

#: Same limit as the form: the summary is emailed and shown on the public page.
SUMMARY_MAX = 1500
SUBJECT_LENGTH = 200
PARTICIPANT_EMAIL = "evaluation/decisions/participant_email.txt"
#: Deleted accounts keep a placeholder address on this domain (see participants.erasure).
ERASED_DOMAIN = "@invalid"
NEEDS_EVALUATION = (
    "An adoption decision needs an evaluated trial: run the primary analysis first. A trial "
    "that is already decided cannot be decided again."
)


def decision_run(session: Session, trial: Trial) -> AnalysisRun:
    """The run a new decision on ``trial`` would cite: its newest finished run.

    Raises:
        IllegalTransition: the trial is not evaluated, or has no finished run.
    """
    run = latest_run(session, trial.id)
    if trial.status is not TrialStatus.EVALUATED or run is None:
        raise IllegalTransition(NEEDS_EVALUATION)
    return run


def _clean(text: str | None) -> str | None:
    """Stripped text, or None when nothing is left."""
    return (text or "").strip() or None


def _checked_choice(field: str, value: str | None, allowed: type, message: str) -> str | None:
    if value is None:
        return None
    try:
        return allowed(value).value
    except ValueError:
        raise InvalidInput(field, message) from None


def _checked_judgements(
    outcome: DecisionOutcome,
    reasons: str,
    *,
    nice_tier: str | None,
    certainty: str | None,
    conditions: str | None,
    public_summary: str | None,
) -> dict[str, str | None]:
    """The cleaned values, or InvalidInput naming the first field that breaks a rule."""
    if not reasons.strip():
        raise InvalidInput("reasons", "Give the reasons for the decision")
    conditions = _clean(conditions)
    if outcome is DecisionOutcome.ADOPT_WITH_CONDITIONS and conditions is None:
        raise InvalidInput("conditions", "Give the conditions of adoption")
    summary = _clean(public_summary)
    if summary is not None and len(summary) > SUMMARY_MAX:
        raise InvalidInput(
            "public_summary", f"Summary for the public must be {SUMMARY_MAX} characters or fewer"
        )
    return {
        "nice_tier": _checked_choice(
            "nice_tier", nice_tier, TierReached, "Select a tier from the list"
        ),
        "certainty": _checked_choice(
            "certainty", certainty, Certainty, "Select a certainty from the list"
        ),
        # Conditions belong only to "adopt with conditions"; anything else typed is dropped.
        "conditions": conditions if outcome is DecisionOutcome.ADOPT_WITH_CONDITIONS else None,
        "public_summary": summary,
    }


def record_decision(
    session: Session,
    trial: Trial,
    *,
    actor: User,
    outcome: DecisionOutcome,
    reasons: str,
    nice_tier: str | None = None,
    certainty: str | None = None,
    conditions: str | None = None,
    cost_note: str | None = None,
    public_summary: str | None = None,
) -> AdoptionDecision:
    """Record the adoption decision on an evaluated trial, citing its latest analysis run.

    In the same transaction the trial moves to *decided* (the company is emailed by the
    move), the decision is audited with every field, and, when there is a public summary,
    it is published: one email to each participant who was randomised (see
    :func:`notify_participants`) and the summary on the trial's public page.

    Args:
        nice_tier: a :class:`TierReached` value; certainty: a :class:`Certainty` value.
        conditions: required for "adopt with conditions", dropped for other outcomes.
        public_summary: plain English for residents, at most :data:`SUMMARY_MAX` characters.

    Raises:
        NotPermitted: the actor is not an evaluator for this trial.
        IllegalTransition: the trial has not been evaluated (or is already decided).
        InvalidInput: ``reasons`` is empty, conditions are missing for "adopt with
            conditions", a choice is not on its list, or the summary is too long.
    """
    if not actor.has_role(Role.EVALUATOR):
        raise NotPermitted("Only an evaluator can record the adoption decision.")
    fields = _checked_judgements(
        outcome,
        reasons,
        nice_tier=nice_tier,
        certainty=certainty,
        conditions=conditions,
        public_summary=public_summary,
    )
    run = decision_run(session, trial)
    decision = AdoptionDecision(
        trial_id=trial.id,
        analysis_run_id=run.id,
        outcome=outcome,
        reasons=reasons.strip(),
        decided_by_id=actor.id,
        cost_note=_clean(cost_note),
        **fields,
    )
    session.add(decision)
    session.flush()
    _audit(session, decision, actor=actor)
    transition(session, trial, TrialStatus.DECIDED, actor=actor, details={"outcome": outcome})
    if decision.public_summary is not None:
        notify_participants(session, trial, decision.public_summary)
    session.flush()
    return decision


def _audit(session: Session, decision: AdoptionDecision, *, actor: User) -> None:
    record(
        session,
        actor=actor,
        action="decision.recorded",
        object_type="adoption_decision",
        object_id=decision.id,
        trial_id=decision.trial_id,
        new={
            "outcome": decision.outcome,
            "analysis_run_id": decision.analysis_run_id,
            "nice_tier": decision.nice_tier,
            "certainty": decision.certainty,
            "conditions": decision.conditions,
            "cost_note": decision.cost_note,
            "public_summary": decision.public_summary,
        },
        reason=decision.reasons,
    )


def participant_addresses(session: Session, trial_id: int) -> list[str]:
    """Email addresses of everyone randomised in the trial whose account is open (one query).

    Deleted accounts are closed and keep only a placeholder address, so they are left out.
    """
    rows = session.scalars(
        select(User.email)
        .join(Participant, Participant.user_id == User.id)
        .join(Enrolment, Enrolment.participant_id == Participant.id)
        .where(
            Enrolment.trial_id == trial_id,
            Enrolment.randomised_at.is_not(None),
            User.is_active_account.is_(True),
            User.email.not_like(f"%{ERASED_DOMAIN}"),
        )
        .order_by(Enrolment.id)
    )
    return list(dict.fromkeys(rows))


def notify_participants(session: Session, trial: Trial, summary: str) -> int:
    """Queue the public summary to every randomised participant; returns how many.

    The email names the trial by its public title and carries the summary and a link to
    the public page, nothing else: no arm, no measurement, no name.
    """
    # Straight from the Jinja environment: context processors need a request, and the
    # demo loader records decisions without one.
    template = current_app.jinja_env.get_template(PARTICIPANT_EMAIL)
    title = " ".join(trial.title.split())
    subject = f"Results of the trial you took part in: {title}"[:SUBJECT_LENGTH]
    link = email_link("consent.trial_page", trial_id=trial.id)
    body = template.render(title=title, summary=summary, link=link)
    addresses = participant_addresses(session, trial.id)
    for address in addresses:
        queue_message(session, to=address, subject=subject, body=body)
    return len(addresses)


def get_decision(session: Session, trial_id: int) -> AdoptionDecision | None:
    return session.scalar(select(AdoptionDecision).where(AdoptionDecision.trial_id == trial_id))
