"""Consent use cases: the standard form, signing, and the guard every data write calls."""

from __future__ import annotations

import functools
import re
import secrets

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from livinglab.participants.models import Participant
from trials.consent.models import (
    ComprehensionQuestion,
    Consent,
    ConsentChange,
    ConsentForm,
    ConsentFormStatus,
    ConsentKind,
    ConsentStatement,
)
from trials.proposals.models import Arm, Trial, TrialDesign, TrialSite
from trials.states import OPEN_FOR_ENROLMENT

STANDARD_STATEMENTS = (
    ("I have read and understood the participant information for this trial.", True),
    ("I have had the chance to ask questions and I am happy with the answers.", True),
    (
        "I understand that taking part is voluntary and I can stop at any time "
        "without giving a reason, without my NHS care being affected.",
        True,
    ),
    (
        "I agree that researchers at the Dorset Living Lab may see and record information "
        "about me for this trial, and that results are shared without my name.",
        True,
    ),
    ("I agree to take part in this trial.", True),
    ("I agree that the Living Lab may contact me about future studies.", False),
    (
        "I agree that my information, without my name, may be used in future research "
        "approved by a research ethics committee.",
        False,
    ),
)

#: (question, options, index of the right option, explanation shown when wrong).
STANDARD_QUESTIONS = (
    (
        "Can you stop taking part at any time?",
        ["Yes, at any time and without giving a reason", "No, not once I have started"],
        0,
        "You can stop at any time without giving a reason, and your NHS care will not be affected.",
    ),
    (
        "Who decides which group you are in?",
        ["I choose my group", "The research team chooses", "It is decided at random"],
        2,
        "Groups are decided at random by a computer, so that they can be compared fairly. "
        "Nobody chooses.",
    ),
    (
        "Will the company that makes the product see your name?",
        ["Yes", "No"],
        1,
        "The company never sees your name or contact details; it only sees results for "
        "groups of people.",
    ),
)


NUMBER_WORDS = {2: "two", 3: "three", 4: "four"}


def _what_taking_part_means(session: Session, trial: Trial) -> str:
    """The design in plain words: groups at random, one group before and after, or turns."""
    arms = session.scalar(select(func.count()).select_from(Arm).where(Arm.trial_id == trial.id))
    groups = NUMBER_WORDS.get(arms or 0, "several")
    if trial.design is TrialDesign.SINGLE_ARM:
        return (
            "Everyone who takes part uses the product. We measure how you are at the start "
            "and again later, to see what changes."
        )
    if trial.design is TrialDesign.CROSSOVER:
        return (
            f"You will try each of the {groups} options in turn, in an order chosen at "
            "random, with a break between them, so that the options can be compared fairly."
        )
    return (
        f"You will be put at random into one of {groups} groups, so that the groups can be "
        "compared fairly."
    )


def _information_sheet(session: Session, trial: Trial) -> str:
    return (
        f"{trial.summary}\n\n"
        "Taking part means a first visit, then follow-up visits, at a Living Lab site near "
        f"you. {_what_taking_part_means(session, trial)} Your information is kept securely "
        "and the company that makes the product never sees your name or contact details."
    )


def default_consent_form(session: Session, trial: Trial) -> ConsentForm:
    """Draft version 1 of the trial's consent form from the standard statements."""
    form = ConsentForm(
        trial_id=trial.id,
        version=1,
        status=ConsentFormStatus.DRAFT,
        information_sheet=_information_sheet(session, trial),
        statements=[
            ConsentStatement(position=i, text=text, is_required=required)
            for i, (text, required) in enumerate(STANDARD_STATEMENTS, start=1)
        ],
        questions=[
            ComprehensionQuestion(
                position=i, text=text, options=options, correct_option=right, explanation=why
            )
            for i, (text, options, right, why) in enumerate(STANDARD_QUESTIONS, start=1)
        ],
    )
    session.add(form)
    session.flush()
    return form


def refresh_draft_information_sheet(session: Session, trial: Trial) -> None:
    """Rewrite the draft consent form's information sheet after the proposal changed."""
    form = session.scalar(
        select(ConsentForm).where(
            ConsentForm.trial_id == trial.id, ConsentForm.status == ConsentFormStatus.DRAFT
        )
    )
    if form is not None:
        form.information_sheet = _information_sheet(session, trial)


def get_form_for_approval(session: Session, trial: Trial) -> ConsentForm:
    """The newest draft consent form, which is approved with the trial."""
    form = session.scalar(
        select(ConsentForm)
        .where(ConsentForm.trial_id == trial.id, ConsentForm.status == ConsentFormStatus.DRAFT)
        .order_by(ConsentForm.version.desc())
    )
    if form is None:
        raise IllegalTransition("This trial has no draft consent form to approve.")
    return form


def approve_consent_form(session: Session, form: ConsentForm, *, actor: User) -> ConsentForm:
    """Approve a draft version; the previously approved version is superseded."""
    previous = session.scalars(
        select(ConsentForm).where(
            ConsentForm.trial_id == form.trial_id,
            ConsentForm.status == ConsentFormStatus.APPROVED,
        )
    ).all()
    for old in previous:
        old.status = ConsentFormStatus.SUPERSEDED
    form.status = ConsentFormStatus.APPROVED
    form.approved_at = utcnow()
    form.approved_by_id = actor.id
    session.flush()
    record(
        session,
        actor=actor,
        action="consent_form.approved",
        object_type="consent_form",
        object_id=form.id,
        trial_id=form.trial_id,
        new={"version": form.version},
    )
    return form


def current_consent_form(session: Session, trial_id: int) -> ConsentForm | None:
    return session.scalar(
        select(ConsentForm).where(
            ConsentForm.trial_id == trial_id, ConsentForm.status == ConsentFormStatus.APPROVED
        )
    )


def latest_consent(session: Session, participant_id: int, trial_id: int) -> Consent | None:
    """The newest consent or withdrawal record of this participant for this trial.

    Its form's statements and questions load only if used (the consent checks need neither).
    """
    form = joinedload(Consent.consent_form)
    return session.scalar(
        select(Consent)
        .where(Consent.participant_id == participant_id, Consent.trial_id == trial_id)
        .order_by(Consent.signed_at.desc(), Consent.id.desc())
        .limit(1)
        .options(form.lazyload(ConsentForm.statements), form.lazyload(ConsentForm.questions))
    )


def major_change_since(session: Session, trial_id: int, version: int) -> bool:
    """True when a version approved after ``version`` (current or since superseded) is major."""
    newer_major = session.scalar(
        select(ConsentForm.id)
        .where(
            ConsentForm.trial_id == trial_id,
            ConsentForm.version > version,
            ConsentForm.status != ConsentFormStatus.DRAFT,
            ConsentForm.change_kind == ConsentChange.MAJOR,
        )
        .limit(1)
    )
    return newer_major is not None


@functools.cache
def _latest_consent_statement() -> Select:
    """The participant's latest consent record's kind, and whether a major change of the
    form came after the version they signed: built once, run with bound ids (the guard
    runs on every enrolment, allocation and observation)."""
    signed = aliased(ConsentForm)
    trial_id = bindparam("trial_id")
    newer_major = (
        exists()
        .where(
            ConsentForm.trial_id == trial_id,
            ConsentForm.version > signed.version,
            ConsentForm.status != ConsentFormStatus.DRAFT,
            ConsentForm.change_kind == ConsentChange.MAJOR,
        )
        .correlate(signed)
    )
    return (
        select(Consent.kind, newer_major)
        .join(signed, signed.id == Consent.consent_form_id)
        .where(Consent.participant_id == bindparam("participant_id"), Consent.trial_id == trial_id)
        .order_by(Consent.signed_at.desc(), Consent.id.desc())
        .limit(1)
    )


def require_current_consent(session: Session, participant_id: int, trial_id: int) -> None:
    """The guard every enrolment, allocation and observation service calls: one light
    query (the latest record's kind, and whether a major change came after it).

    Consent on an older version still counts when every version approved since is a minor
    change; a major change needs the participant to re-consent first.

    Raises:
        NotPermitted: no consent, a withdrawal, or consent on a version older than a major
            change.
    """
    row = session.execute(
        _latest_consent_statement(), {"participant_id": participant_id, "trial_id": trial_id}
    ).first()
    kind, changed = row if row is not None else (None, False)
    if kind is not ConsentKind.CONSENT:
        raise NotPermitted("This participant has not given current consent to this trial.")
    if changed:
        raise NotPermitted(
            "This participant consented to an older version of the consent form and must "
            "re-consent first."
        )


def wrong_answer_message(question: ComprehensionQuestion) -> str:
    return f"That is not right. {question.explanation}"


def correct_answers(form: ConsentForm) -> dict[int, int]:
    """Question id -> the right option: for the demo data and tests."""
    return {question.id: question.correct_option for question in form.questions}


def _normalise_name(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def _new_reference() -> str:
    return "DLL-" + secrets.token_hex(4).upper()


#: The consent form pages show the same words.
REQUIRED_STATEMENT = "You must agree to this statement to take part"


def signed_consent(
    form: ConsentForm,
    participant: Participant,
    *,
    trial_id: int,
    answers: dict[int, bool],
    comprehension: dict[int, int],
    typed_name: str,
) -> Consent:
    """A new consent record on ``form`` after the checks every signature needs (unsaved).

    Raises:
        InvalidInput: on ``statement_<id>`` (a required statement not agreed),
            ``question_<id>`` (a wrong answer) or ``typed_name`` (not their own name).
    """
    for statement in form.statements:
        if statement.is_required and not answers.get(statement.id):
            raise InvalidInput(f"statement_{statement.id}", REQUIRED_STATEMENT)
    for question in form.questions:
        if comprehension.get(question.id) != question.correct_option:
            raise InvalidInput(f"question_{question.id}", wrong_answer_message(question))
    if _normalise_name(typed_name) != _normalise_name(participant.user.full_name):
        raise InvalidInput(
            "typed_name", "Type your full name exactly as it appears on your account"
        )
    return Consent(
        reference=_new_reference(),
        participant_id=participant.id,
        trial_id=trial_id,
        consent_form_id=form.id,
        kind=ConsentKind.CONSENT,
        answers={str(s.id): bool(answers.get(s.id)) for s in form.statements},
        typed_name=typed_name.strip(),
        signed_at=utcnow(),
        comprehension_answers={str(q.id): comprehension[q.id] for q in form.questions} or None,
    )


def sign_consent(
    session: Session,
    *,
    participant: Participant,
    trial: Trial,
    site_id: int,
    answers: dict[int, bool],
    typed_name: str,
    comprehension: dict[int, int] | None = None,
) -> Consent:
    """Record the participant's consent to the trial's current form and enrol them.

    Args:
        answers: statement id -> agreed, for every statement on the form.
        comprehension: question id -> option chosen; every question must be answered right.
        typed_name: the full name the participant typed as their signature.

    Raises:
        IllegalTransition: the trial is not recruiting, or the participant already consented.
        InvalidInput: ``site_id``, ``statement_<id>``, ``question_<id>`` or ``typed_name``
            is wrong.
    """
    # Imported here: enrolment services call back into this module for the consent guard.
    from trials.enrolment.services import create_enrolment

    if trial.status not in OPEN_FOR_ENROLMENT:
        raise IllegalTransition("This trial is not recruiting at the moment.")
    form = current_consent_form(session, trial.id)
    if form is None:
        raise IllegalTransition("This trial has no approved consent form yet.")
    site = session.scalar(
        select(TrialSite).where(
            TrialSite.trial_id == trial.id,
            TrialSite.site_id == site_id,
            TrialSite.is_approved.is_(True),
        )
    )
    if site is None:
        raise InvalidInput("site_id", "Select a site where this trial is running")
    latest = latest_consent(session, participant.id, trial.id)
    if latest is not None and latest.kind is ConsentKind.CONSENT:
        raise IllegalTransition("You have already consented to this trial.")
    consent = signed_consent(
        form,
        participant,
        trial_id=trial.id,
        answers=answers,
        comprehension=comprehension or {},
        typed_name=typed_name,
    )
    session.add(consent)
    session.flush()
    record(
        session,
        actor=participant.user,
        action="consent.given",
        object_type="consent",
        object_id=consent.id,
        trial_id=trial.id,
        new={"consent_form_version": form.version, "answers": consent.answers},
    )
    create_enrolment(
        session, trial=trial, participant=participant, site_id=site_id, actor=participant.user
    )
    return consent
