"""A trial's history from the audit trail: in full for research staff, trimmed for the company.

The company's timeline is built from an allow-list (state changes and comments addressed
to it), so events about participants and internal notes can never slip into it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from livinglab.accounts.roles import Role
from livinglab.audit.models import AuditEvent
from trials.review.checklist import ITEMS
from trials.review.comments import company_comments
from trials.review.models import ChecklistRating
from trials.review.notifications import WORDS
from trials.states import TrialStatus

#: Roles whose holders are named on the timeline; anyone else acted as a participant.
NAMED_ROLES = (Role.RESEARCHER, Role.EVALUATOR, Role.ADMIN, Role.COMPANY)

#: Audit actions shown to the company: the trial's state changes (and its drafting).
COMPANY_ACTIONS: dict[str, TrialStatus] = {
    "trial.drafted": TrialStatus.DRAFT,
    **{
        f"trial.{status.value}": status for status in TrialStatus if status is not TrialStatus.DRAFT
    },
}

#: Plain words for events whose text needs nothing from the event's values.
FIXED = {
    "trial.drafted": "Proposal drafted",
    "allocation_list.generated": "Concealed allocation list generated",
    "consent_form.approved": "Consent form approved",
    "consent.given": "A participant gave consent",
    "consent.withdrawn": "A participant withdrew consent",
    "enrolment.consented": "A participant was enrolled after consenting",
    "enrolment.randomised": "A participant was randomised",
    "enrolment.withdrawn": "A participant was withdrawn from the trial",
    "observation.recorded": "An outcome value was recorded",
    "observation.corrected": "An outcome value was corrected",
    "observations.imported": "Outcome values imported from a file",
    "questionnaire.safety_flag": "A questionnaire answer was flagged for safety follow-up",
    "analysis.run": "Analysis run",
    "decision.recorded": "Adoption decision recorded",
    "review.comment_added": "Comment to the company added",
    "review.internal_note_added": "Internal note added (staff only)",
}


def actor_name(event: AuditEvent) -> str:
    """Who did it: staff and company users by name; participants never by name."""
    if event.actor is None:
        return "System"
    if not event.actor.has_role(*NAMED_ROLES):
        return "A participant"
    return event.actor.full_name


def _rating(value: str | None) -> str:
    return ChecklistRating(value).label if value else "not rated"


def _checklist_text(event: AuditEvent) -> str:
    new, old = event.new_value or {}, event.old_value or {}
    item = ITEMS.get(new.get("item", ""))
    label = item.label if item else new.get("item", "an item")
    rated, was = _rating(new.get("rating")).lower(), _rating(old.get("rating")).lower()
    return f"Checklist: {label} rated {rated} (was {was})"


ETHICS_NAMES = {
    "iras_id": "IRAS ID",
    "rec_reference": "REC reference",
    "ethics_approved_on": "approved on",
}


def _ethics_text(event: AuditEvent) -> str:
    parts = []
    for key, value in (event.new_value or {}).items():
        if key == "ethics_approved_on" and value:
            day = dt.date.fromisoformat(value)
            value = f"{day.day} {day:%B %Y}"
        parts.append(f"{ETHICS_NAMES.get(key, key)} {value}")
    return "Ethics references recorded: " + ", ".join(parts)


def describe(event: AuditEvent) -> str:
    """The event in plain words, for research staff."""
    action = event.action
    if action in FIXED:
        return FIXED[action]
    if action in COMPANY_ACTIONS:
        return f"Status changed to {COMPANY_ACTIONS[action].label.lower()}"
    if action == "review.checklist_rated":
        return _checklist_text(event)
    if action == "ethics.recorded":
        return _ethics_text(event)
    if action == "proposal.version_recorded":
        return f"Version {(event.new_value or {}).get('number', '')} of the proposal recorded"
    if action == "trial.revised":
        changed = ", ".join(k.replace("_", " ") for k in (event.new_value or {}))
        return f"Proposal changed: {changed}" if changed else "Proposal saved without changes"
    return action


def note_of(event: AuditEvent) -> str:
    """The reason, or the note or comment that came with the event (staff only)."""
    values: dict[str, Any] = event.new_value or {}
    if event.action == "review.checklist_rated":
        return values.get("note") or ""
    if event.action in ("review.comment_added", "review.internal_note_added"):
        return values.get("body") or ""
    return event.reason or ""


def query_trial_timeline(trial_id: int) -> Select[tuple[AuditEvent]]:
    """Every audit event for the trial, newest first, with the actor loaded."""
    return (
        select(AuditEvent)
        .where(AuditEvent.trial_id == trial_id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the company's timeline."""

    occurred_at: dt.datetime
    title: str
    text: str = ""


def company_timeline(session: Session, trial_id: int) -> list[TimelineEntry]:
    """What the company may see happen to its trial, oldest first.

    Only state changes (with the reason where the company is meant to read it) and the
    comments staff addressed to the company: never enrolment, consent, observation or
    allocation events, and never internal notes.
    """
    events = session.execute(
        select(AuditEvent.occurred_at, AuditEvent.action, AuditEvent.reason)
        .where(AuditEvent.trial_id == trial_id, AuditEvent.action.in_(COMPANY_ACTIONS))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    entries = []
    for occurred_at, action, reason in events:
        words = WORDS[COMPANY_ACTIONS[action]]
        text = (reason or "").strip() if words.reason_label else ""
        title = "Proposal drafted" if action == "trial.drafted" else words.subject
        entries.append(TimelineEntry(occurred_at, title, text))
    entries += [
        TimelineEntry(c.created_at, "Comment from research staff", c.body)
        for c in company_comments(session, trial_id)
    ]
    return sorted(entries, key=lambda entry: entry.occurred_at)
