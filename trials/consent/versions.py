"""New versions of an approved consent form: draft, approve as a minor or major change, tell
participants, and find who must re-consent.

A minor change (a typo, new contact details) is told to participants and blocks nothing. A
major change (a new risk or procedure) stops every new study activity of a participant who
agreed to an older version until they re-consent (:mod:`trials.consent.reconsent`); the
guard is :func:`trials.consent.services.require_current_consent`.
"""

from __future__ import annotations

from flask import render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.mail.services import queue_message
from trials.consent.models import (
    ComprehensionQuestion,
    ConsentChange,
    ConsentForm,
    ConsentFormStatus,
    ConsentKind,
    ConsentStatement,
)
from trials.consent.services import (
    approve_consent_form,
    current_consent_form,
    latest_consent,
    major_change_since,
)
from trials.consent.version_queries import query_recipients
from trials.permissions import can_run_trial, is_site_researcher
from trials.proposals.models import Trial
from trials.states import TrialStatus

#: Trial states in which staff may draft and approve new consent-form versions.
VERSIONABLE = frozenset({TrialStatus.APPROVED, TrialStatus.RECRUITING, TrialStatus.FOLLOW_UP})

MAX_SUMMARY = 2000


def can_manage_consent_forms(user: User, trial: Trial) -> bool:
    """Draft, edit and approve versions: staff at an approved site of a trial still running.

    While the proposal is in review, the reviewers (staff at a site it asks for) may edit
    the draft of version 1, which is approved with the trial.
    """
    if trial.status is TrialStatus.IN_REVIEW:
        return is_site_researcher(user, trial)
    return can_run_trial(user, trial) and trial.status in VERSIONABLE


def require_manager(session: Session, form: ConsentForm, actor: User) -> Trial:
    """The form's trial, once ``actor`` may change its consent forms.

    Raises:
        NotPermitted: the actor is not research staff at an approved site of the trial.
        IllegalTransition: the trial is not in review, approved, recruiting or in follow-up.
    """
    trial = session.scalars(
        select(Trial).where(Trial.id == form.trial_id).options(selectinload(Trial.trial_sites))
    ).one()
    in_review = trial.status is TrialStatus.IN_REVIEW
    if not (is_site_researcher if in_review else can_run_trial)(actor, trial):
        raise NotPermitted("Only research staff at this trial's sites can change its consent form.")
    if not in_review and trial.status not in VERSIONABLE:
        raise IllegalTransition(
            "The consent form can only change while the trial is in review, approved, recruiting "
            "or in follow-up."
        )
    return trial


def require_draft(form: ConsentForm) -> None:
    """Raises IllegalTransition unless ``form`` is a draft: approved versions never change."""
    if form.status is not ConsentFormStatus.DRAFT:
        raise IllegalTransition(
            f"Version {form.version} is {form.status.value} and can no longer be changed. "
            "Create a new version instead."
        )


def draft_of(session: Session, trial_id: int) -> ConsentForm | None:
    return session.scalar(
        select(ConsentForm).where(
            ConsentForm.trial_id == trial_id, ConsentForm.status == ConsentFormStatus.DRAFT
        )
    )


def start_new_version(session: Session, trial: Trial, *, actor: User) -> ConsentForm:
    """A draft copy (version n+1) of the trial's approved consent form, to edit.

    Raises:
        NotPermitted: the actor is not research staff at an approved site of the trial.
        IllegalTransition: the trial is not running, has no approved form yet (version 1 is
            approved with the trial), or a draft version already exists.
    """
    if trial.status not in VERSIONABLE:
        raise IllegalTransition(
            "A new version can only be made once the trial and its first version are approved, "
            "and until the trial's data are locked."
        )
    if not can_run_trial(actor, trial):
        raise NotPermitted("Only research staff at this trial's sites can change its consent form.")
    existing = draft_of(session, trial.id)
    if existing is not None:
        raise IllegalTransition(
            f"Version {existing.version} is already being drafted. Edit or approve it first."
        )
    current = current_consent_form(session, trial.id)
    if current is None:
        raise IllegalTransition(
            "This trial has no approved consent form yet: version 1 is approved with the trial."
        )
    draft = ConsentForm(
        trial_id=trial.id,
        version=current.version + 1,
        status=ConsentFormStatus.DRAFT,
        information_sheet=current.information_sheet,
        statements=[
            ConsentStatement(position=s.position, text=s.text, is_required=s.is_required)
            for s in current.statements
        ],
        questions=[
            ComprehensionQuestion(
                position=q.position,
                text=q.text,
                options=list(q.options),
                correct_option=q.correct_option,
                explanation=q.explanation,
            )
            for q in current.questions
        ],
    )
    session.add(draft)
    session.flush()
    record(
        session,
        actor=actor,
        action="consent_form.drafted",
        object_type="consent_form",
        object_id=draft.id,
        trial_id=trial.id,
        new={"version": draft.version, "copied_from_version": current.version},
    )
    return draft


def approval_problems(form: ConsentForm) -> list[str]:
    """What stops ``form`` being approved, in words for staff (empty when it can be)."""
    problems = []
    if not form.information_sheet.strip():
        problems.append("Write the information for participants.")
    if not any(statement.is_required for statement in form.statements):
        problems.append("Add at least one statement participants must agree to.")
    return problems


def _checked_change(
    change_kind: ConsentChange | str | None, change_summary: str
) -> tuple[ConsentChange, str]:
    try:
        kind = ConsentChange(change_kind)
    except ValueError:
        raise InvalidInput(
            "change_kind", "Select whether this is a minor or a major change"
        ) from None
    summary = (change_summary or "").strip()
    if not summary:
        raise InvalidInput(
            "change_summary", "Describe what changed, in plain words for participants"
        )
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(
            "change_summary", f"Summary of changes must be {MAX_SUMMARY:,} characters or fewer"
        )
    return kind, summary


def approve_new_version(
    session: Session,
    form: ConsentForm,
    *,
    actor: User,
    change_kind: ConsentChange | str | None,
    change_summary: str,
) -> ConsentForm:
    """Approve a draft version after the first; the previous version is superseded.

    Every participant whose latest record is a consent to an older version is emailed:
    "nothing to do" after a minor change, "read and agree again" (with a link) when a major
    change stands between their version and this one. Nobody who withdrew is told.
    Needs a request context (or ``SERVER_NAME``) to build the links in the emails.

    Args:
        change_kind: minor or major (``ConsentChange`` or its value).
        change_summary: what changed, in plain words; shown to participants.

    Raises:
        NotPermitted, IllegalTransition: see :func:`require_manager` and :func:`require_draft`;
            also IllegalTransition for version 1 or a form that is not complete.
        InvalidInput: on ``change_kind`` or ``change_summary``.
    """
    trial = require_manager(session, form, actor)
    require_draft(form)
    if form.version == 1:
        raise IllegalTransition("Version 1 is approved with the trial when it is reviewed.")
    kind, summary = _checked_change(change_kind, change_summary)
    problems = approval_problems(form)
    if problems:
        raise IllegalTransition(" ".join(problems))
    previous = current_consent_form(session, trial.id)
    approve_consent_form(session, form, actor=actor)
    form.change_kind = kind
    form.change_summary = summary
    session.flush()
    told = _tell_participants(session, trial, form)
    record(
        session,
        actor=actor,
        action="consent_form.change_approved",
        object_type="consent_form",
        object_id=form.id,
        trial_id=trial.id,
        old={"version": previous.version if previous else None},
        new={
            "version": form.version,
            "change_kind": kind,
            "change_summary": summary,
            "participants_told": told[0],
            "participants_to_reconsent": told[1],
        },
    )
    return form


def _tell_participants(session: Session, trial: Trial, form: ConsentForm) -> tuple[int, int]:
    """Email everyone on an older version; returns (told, asked to re-consent)."""
    rows = query_recipients(session, trial.id, form.id)
    context = {
        "trial": trial,
        "form": form,
        "my_trials_link": url_for("consent.my_trials", _external=True),
        "reconsent_link": url_for("consent_versions.reconsent", trial_id=trial.id, _external=True),
    }
    asked = 0
    for email, full_name, must_reconsent in rows:
        asked += bool(must_reconsent)
        template = "consent_major_change" if must_reconsent else "consent_minor_change"
        subject = (
            f"Please read and agree again: {trial.title}"
            if must_reconsent
            else f"Information updated: {trial.title}"
        )
        queue_message(
            session,
            to=email,
            subject=" ".join(subject.split())[:200],
            body=render_template(f"mail/messages/{template}.txt", full_name=full_name, **context),
        )
    return len(rows), asked


# The participant's side ------------------------------------------------------------------


def needs_reconsent(session: Session, participant_id: int, trial_id: int) -> ConsentForm | None:
    """The current form when the participant must re-consent to it, else ``None``.

    That is when their latest record is a consent to an older version and a version
    approved since then is a major change.
    """
    latest = latest_consent(session, participant_id, trial_id)
    if latest is None or latest.kind is not ConsentKind.CONSENT:
        return None
    current = current_consent_form(session, trial_id)
    if current is None or current.id == latest.consent_form_id:
        return None
    if not major_change_since(session, trial_id, latest.consent_form.version):
        return None
    return current
