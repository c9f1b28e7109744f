"""Reads about who agreed to which consent-form version, done in SQL (no loops over consents).

A participant's standing in a trial is their latest consent or withdrawal record; they must
re-consent when that record is a consent and a version approved after the one they signed
is a major change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from livinglab.accounts.models import User
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
from trials.enrolment.models import Enrolment


def _is_latest_record(consent: type[Consent]) -> object:
    """SQL: no later consent or withdrawal record of the same participant in the same trial."""
    later = aliased(Consent, name="later_record")
    return ~(
        select(later.id)
        .where(
            later.participant_id == consent.participant_id,
            later.trial_id == consent.trial_id,
            or_(
                later.signed_at > consent.signed_at,
                and_(later.signed_at == consent.signed_at, later.id > consent.id),
            ),
        )
        .exists()
    )


def _major_change_after(signed: type[ConsentForm]) -> object:
    """SQL: a version approved after ``signed`` (now current or superseded) is a major change."""
    newer = aliased(ConsentForm, name="newer_version")
    return (
        select(newer.id)
        .where(
            newer.trial_id == signed.trial_id,
            newer.version > signed.version,
            newer.status != ConsentFormStatus.DRAFT,
            newer.change_kind == ConsentChange.MAJOR,
        )
        .exists()
    )


def _aliases() -> tuple[type[Consent], type[ConsentForm]]:
    """A participant's latest record, and the version it was signed on."""
    return aliased(Consent, name="latest_record"), aliased(ConsentForm, name="signed_version")


def _from_current_consents(query: Select, latest: type[Consent], signed: type[ConsentForm]):
    """``query`` over latest records that are consents (not withdrawals), with their version."""
    return (
        query.select_from(latest)
        .join(signed, signed.id == latest.consent_form_id)
        .where(latest.kind == ConsentKind.CONSENT, _is_latest_record(latest))
    )


def query_needing_reconsent(trial_id: int) -> Select[tuple[Enrolment]]:
    """The trial's enrolments whose participant must re-consent, by participant code."""
    latest, signed = _aliases()
    return (
        _from_current_consents(select(Enrolment), latest, signed)
        .join(
            Enrolment,
            and_(
                Enrolment.participant_id == latest.participant_id,
                Enrolment.trial_id == latest.trial_id,
            ),
        )
        .where(latest.trial_id == trial_id, _major_change_after(signed))
        .order_by(Enrolment.participant_code, Enrolment.id)
    )


def count_needing_reconsent(session: Session, trial_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(query_needing_reconsent(trial_id).subquery())
    )


def count_to_tell(session: Session, trial_id: int) -> int:
    """Participants whose latest record is a consent: told when a new version is approved."""
    latest, signed = _aliases()
    query = _from_current_consents(select(func.count(latest.id)), latest, signed)
    return session.scalar(query.where(latest.trial_id == trial_id))


def query_recipients(session: Session, trial_id: int, form_id: int) -> list:
    """(email, full name, must re-consent) of everyone whose latest record is a consent to
    a version other than ``form_id``, with an account still open."""
    latest, signed = _aliases()
    query = select(User.email, User.full_name, _major_change_after(signed).label("major"))
    return session.execute(
        _from_current_consents(query, latest, signed)
        .join(Participant, Participant.id == latest.participant_id)
        .join(User, User.id == Participant.user_id)
        .where(
            latest.trial_id == trial_id,
            latest.consent_form_id != form_id,
            User.is_active_account.is_(True),
        )
        .order_by(User.id)
    ).all()


@dataclass(frozen=True)
class VersionChange:
    version: int
    kind: ConsentChange | None
    summary: str


@dataclass(frozen=True)
class ConsentNotice:
    """What a participant is told on "My trials" about versions newer than the one they signed."""

    trial_id: int
    signed_version: int
    current_version: int
    #: Versions approved after the one they signed, oldest first.
    changes: list[VersionChange] = field(default_factory=list)

    @property
    def must_reconsent(self) -> bool:
        return any(change.kind is ConsentChange.MAJOR for change in self.changes)


def consent_overview(
    session: Session, participant_id: int
) -> tuple[dict[int, int], dict[int, ConsentNotice]]:
    """The participant's consents for their "My trials" page, in one query.

    Returns:
        (trial id -> id of their latest consent, for the copy link; trial id -> notice, for
        trials where versions were approved after the one their standing consent is on).
    """
    consent = aliased(Consent, name="consent_record")
    signed = aliased(ConsentForm, name="signed_version")
    newer = aliased(ConsentForm, name="newer_version")
    rows = session.execute(
        select(
            consent.trial_id,
            consent.id,
            signed.version,
            _is_latest_record(consent).label("is_latest"),
            newer.version,
            newer.change_kind,
            newer.change_summary,
        )
        .select_from(consent)
        .join(signed, signed.id == consent.consent_form_id)
        .outerjoin(
            newer,
            and_(
                newer.trial_id == consent.trial_id,
                newer.version > signed.version,
                newer.status != ConsentFormStatus.DRAFT,
            ),
        )
        .where(consent.participant_id == participant_id, consent.kind == ConsentKind.CONSENT)
        .order_by(consent.signed_at, consent.id, newer.version)
    ).all()
    latest_ids: dict[int, int] = {}
    signed_versions: dict[int, int] = {}
    changes: dict[int, list[VersionChange]] = {}
    for trial_id, consent_id, signed_version, is_latest, version, kind, summary in rows:
        latest_ids[trial_id] = consent_id
        if is_latest and version is not None:
            signed_versions[trial_id] = signed_version
            changes.setdefault(trial_id, []).append(VersionChange(version, kind, summary))
    notices = {
        trial_id: ConsentNotice(trial_id, signed_versions[trial_id], newer[-1].version, newer)
        for trial_id, newer in changes.items()
    }
    return latest_ids, notices


def consent_notices(session: Session, participant_id: int) -> dict[int, ConsentNotice]:
    """Trial id -> notice, for the participant's trials with newer versions (one query)."""
    return consent_overview(session, participant_id)[1]


@dataclass(frozen=True)
class ApprovableVersion:
    """A draft version the reviewer can approve with the trial, with what it holds."""

    id: int
    version: int
    statements: int
    questions: int


def approvable_versions(session: Session, trial_id: int) -> list[ApprovableVersion]:
    """The trial's draft consent-form versions, newest first, with their counts (one query)."""
    statements = (
        select(func.count(ConsentStatement.id))
        .where(ConsentStatement.consent_form_id == ConsentForm.id)
        .scalar_subquery()
    )
    questions = (
        select(func.count(ComprehensionQuestion.id))
        .where(ComprehensionQuestion.consent_form_id == ConsentForm.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(ConsentForm.id, ConsentForm.version, statements, questions)
        .where(ConsentForm.trial_id == trial_id, ConsentForm.status == ConsentFormStatus.DRAFT)
        .order_by(ConsentForm.version.desc())
    )
    return [ApprovableVersion(*row) for row in rows]
