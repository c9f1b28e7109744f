"""Emails to the proposing company when its trial changes state or staff comment on it.

Messages go through the outbox in the caller's transaction, so an email exists only if
the change was committed. They name the trial and the new state in plain words, with the
reviewers' reason where the company is meant to read it: never participant data.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User, UserRole
from livinglab.accounts.roles import Role
from livinglab.mail.services import email_link, queue_message
from trials.proposals.models import Trial
from trials.states import TrialStatus

SUBJECT_LENGTH = 200


@dataclass(frozen=True)
class StatusWords:
    #: Short phrase for the subject line.
    subject: str
    #: The news, as the email's first sentence.
    headline: str
    #: How to introduce the reason, or ``None`` when the reason is not for the company.
    reason_label: str | None = None


S = TrialStatus
WORDS: dict[TrialStatus, StatusWords] = {
    S.DRAFT: StatusWords("Saved as a draft", "Your proposal has been saved as a draft."),
    S.SUBMITTED: StatusWords(
        "Submitted for review",
        "Your proposal has been submitted. Research staff at the sites will review it.",
        "Note with the submission",
    ),
    S.IN_REVIEW: StatusWords(
        "In review", "Research staff at the sites have started to review your proposal."
    ),
    S.CHANGES_REQUESTED: StatusWords(
        "Changes requested",
        "Research staff have sent your proposal back and asked for changes. "
        "Change the proposal, then submit it again.",
        "What needs to change",
    ),
    S.APPROVED: StatusWords(
        "Approved",
        "Your proposal has been approved. Recruitment opens once the ethics approval is recorded.",
        "Comments from the reviewers",
    ),
    S.REJECTED: StatusWords(
        "Rejected", "Research staff have rejected your proposal.", "The reason given"
    ),
    S.RECRUITING: StatusWords(
        "Recruitment open",
        "Recruitment has opened: residents can now find the trial and take part.",
    ),
    S.FOLLOW_UP: StatusWords(
        "Recruitment closed", "Recruitment has closed. The trial is now in follow-up."
    ),
    S.LOCKED: StatusWords(
        "Data locked", "The trial's data have been locked, ready for the evaluation."
    ),
    S.EVALUATED: StatusWords(
        "Evaluated", "The evaluation of the trial is complete. The NHS adoption decision follows."
    ),
    S.DECIDED: StatusWords(
        "Adoption decision recorded",
        "The NHS adoption decision has been recorded. You can read the result and the decision.",
    ),
    S.WITHDRAWN: StatusWords("Withdrawn", "Your proposal has been withdrawn.", "The reason given"),
}


def proposal_link(trial_id: int) -> str:
    """The company's page for the trial: absolute in a request (or with SERVER_NAME)."""
    return email_link("proposals.detail", trial_id=trial_id)


def company_recipients(session: Session, organisation_id: int) -> list[tuple[str, str]]:
    """(email, full name) of the organisation's active company users."""
    rows = session.execute(
        select(User.email, User.full_name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.organisation_id == organisation_id,
            User.is_active_account.is_(True),
            UserRole.role == Role.COMPANY,
        )
        .order_by(User.id)
    )
    return [(email, name) for email, name in rows]


def _subject(phrase: str, trial: Trial) -> str:
    title = " ".join(trial.title.split())
    return f"{phrase}: {title}"[:SUBJECT_LENGTH]


def _send(session: Session, trial: Trial, subject: str, template: str, **context) -> int:
    # Straight from the Jinja environment: the app's context processors need a request,
    # and transitions also run without one (the demo loader, CLI commands).
    body_template = current_app.jinja_env.get_template(template)
    link = proposal_link(trial.id)
    sent = 0
    for email, name in company_recipients(session, trial.organisation_id):
        body = body_template.render(name=name, trial=trial, link=link, **context)
        queue_message(session, to=email, subject=subject, body=body)
        sent += 1
    return sent


def notify_status_change(
    session: Session, trial: Trial, *, target: TrialStatus, reason: str | None
) -> int:
    """Email the company that ``trial`` is now ``target``; returns how many were queued."""
    words = WORDS[target]
    shown_reason = (reason or "").strip() if words.reason_label else ""
    return _send(
        session,
        trial,
        _subject(words.subject, trial),
        "mail/messages/trial_status.txt",
        words=words,
        reason=shown_reason,
    )


def notify_comment(session: Session, trial: Trial) -> int:
    """Email the company that research staff left it a comment (the text stays on the site)."""
    return _send(
        session,
        trial,
        _subject("New comment from research staff", trial),
        "mail/messages/trial_comment.txt",
    )
