"""The email that tells a trial's research staff about a serious adverse event at once.

It names the trial and the participant's code only: never their name or the description,
which staff read after signing in.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User, UserRole, researcher_sites
from livinglab.accounts.roles import Role
from livinglab.mail.services import email_link, queue_message
from trials.proposals.models import Trial, TrialSite
from trials.safety.models import AdverseEvent

SUBJECT_LENGTH = 200


def trial_staff(session: Session, trial_id: int) -> list[tuple[str, str]]:
    """(email, full name) of active researchers at the trial's approved sites, once each."""
    rows = session.execute(
        select(User.email, User.full_name)
        .join(UserRole, UserRole.user_id == User.id)
        .join(researcher_sites, researcher_sites.c.user_id == User.id)
        .join(TrialSite, TrialSite.site_id == researcher_sites.c.site_id)
        .where(
            TrialSite.trial_id == trial_id,
            TrialSite.is_approved.is_(True),
            User.is_active_account.is_(True),
            UserRole.role == Role.RESEARCHER,
        )
        .distinct()
        .order_by(User.email)
    )
    return [(email, name) for email, name in rows]


def notify_serious_event(
    session: Session, trial: Trial, event: AdverseEvent, *, participant_code: str
) -> int:
    """Queue the alert for each of the trial's staff; returns how many were queued."""
    title = " ".join(trial.title.split())
    subject = f"Serious adverse event: {title}"[:SUBJECT_LENGTH]
    template = current_app.jinja_env.get_template("mail/messages/serious_adverse_event.txt")
    link = email_link("safety.trial_events", trial_id=trial.id)
    sent = 0
    for email, name in trial_staff(session, trial.id):
        body = template.render(
            name=name, title=title, code=participant_code, event=event, link=link
        )
        queue_message(session, to=email, subject=subject, body=body)
        sent += 1
    return sent
