"""Review comments: to the company, or internal notes the company never sees."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.errors import InvalidInput, NotPermitted
from trials.permissions import is_site_researcher
from trials.proposals.models import Trial
from trials.review.models import ReviewComment
from trials.review.notifications import notify_comment

MAX_COMMENT = 5000


def add_comment(
    session: Session, trial: Trial, *, actor: User, body: str, is_internal: bool
) -> ReviewComment:
    """Add a comment to the company (it is emailed a link) or an internal note; audited.

    Raises:
        NotPermitted: the actor is not research staff at one of the trial's sites.
        InvalidInput: ``body`` when empty or longer than 5000 characters.
    """
    if not is_site_researcher(actor, trial):
        raise NotPermitted("Only research staff at a site this trial asks for can comment on it.")
    text = body.strip()
    if not text:
        raise InvalidInput("body", "Enter your comment")
    if len(text) > MAX_COMMENT:
        raise InvalidInput("body", f"Comment must be {MAX_COMMENT} characters or fewer")
    comment = ReviewComment(
        trial_id=trial.id, author_id=actor.id, body=text, is_internal=is_internal
    )
    session.add(comment)
    session.flush()
    record(
        session,
        actor=actor,
        action="review.internal_note_added" if is_internal else "review.comment_added",
        object_type="review_comment",
        object_id=comment.id,
        trial_id=trial.id,
        new={"is_internal": is_internal, "body": text},
    )
    if not is_internal:
        notify_comment(session, trial)
    return comment


def staff_comments(session: Session, trial_id: int) -> list[ReviewComment]:
    """Every comment and internal note on the trial, oldest first (for research staff only)."""
    return list(
        session.scalars(
            select(ReviewComment)
            .where(ReviewComment.trial_id == trial_id)
            .order_by(ReviewComment.created_at, ReviewComment.id)
        )
    )


def company_comments(session: Session, trial_id: int) -> list[ReviewComment]:
    """The comments research staff addressed to the company, oldest first: never a note."""
    return list(
        session.scalars(
            select(ReviewComment)
            .where(ReviewComment.trial_id == trial_id, ReviewComment.is_internal.is_(False))
            .order_by(ReviewComment.created_at, ReviewComment.id)
        )
    )
