"""The one database reader for analyses: a tidy, pseudonymised dataset and its fingerprint."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from livinglab.participants.models import Participant
from livinglab.sites.models import Site
from trials.consent.models import Consent, WithdrawalScope
from trials.enrolment.models import Enrolment
from trials.observations.models import Observation
from trials.proposals.models import Arm, Measure, Trial, TrialVisit

#: Columns of the long dataset, one row per participant per visit per measure.
LONG_COLUMNS = [
    "participant",
    "site",
    "arm",
    "age_band",
    "sex",
    "imd_quintile",
    "visit",
    "day",
    "measure",
    "value",
]


def latest_withdrawal_scope():
    """The withdrawal scope of the enrolment's newest consent record (None for a consent),
    as a subquery correlated to :class:`Enrolment`."""
    return (
        select(Consent.withdrawal_scope)
        .where(
            Consent.participant_id == Enrolment.participant_id,
            Consent.trial_id == Enrolment.trial_id,
        )
        .order_by(Consent.signed_at.desc(), Consent.id.desc())
        .limit(1)
        .correlate(Enrolment)
        .scalar_subquery()
    )


def data_still_used():
    """The enrolment's data may be analysed: no withdrawal that stopped the use of data."""
    scope = latest_withdrawal_scope()
    return or_(scope.is_(None), scope != WithdrawalScope.STOP_DATA_USE)


def build_long_dataset(session: Session, trial: Trial) -> pd.DataFrame:
    """Every randomised participant x visit x measure of ``trial``, missing values kept.

    Only the trial participant code identifies a row: no name, email, date of birth or
    postcode ever enters the frame; age is a band and deprivation a quintile, for
    adjustment and subgroups. One SQL query, whatever the trial size.

    A participant whose latest consent record is a withdrawal that stopped the use of
    their data is left out entirely; one who only stopped taking part keeps their data.
    """
    grid = (
        select(
            Enrolment.participant_code.label("participant"),
            Site.code.label("site"),
            Arm.name.label("arm"),
            Enrolment.age_band.label("age_band"),
            Enrolment.sex.label("sex"),
            Participant.deprivation_quintile.label("imd_quintile"),
            TrialVisit.code.label("visit"),
            TrialVisit.day_offset.label("day"),
            Measure.name.label("measure"),
            Observation.value.label("value"),
        )
        .select_from(Enrolment)
        .join(Site, Site.id == Enrolment.site_id)
        .join(Arm, Arm.id == Enrolment.arm_id)
        .join(Participant, Participant.id == Enrolment.participant_id)
        .join(TrialVisit, TrialVisit.trial_id == Enrolment.trial_id)
        .join(Measure, Measure.trial_id == Enrolment.trial_id)
        .outerjoin(
            Observation,
            (Observation.enrolment_id == Enrolment.id)
            & (Observation.visit_id == TrialVisit.id)
            & (Observation.measure_id == Measure.id),
        )
        .where(
            Enrolment.trial_id == trial.id,
            Enrolment.arm_id.is_not(None),
            data_still_used(),
        )
        .order_by(Enrolment.participant_code, TrialVisit.day_offset, Measure.name)
    )
    rows = session.execute(grid).all()
    frame = pd.DataFrame(rows, columns=LONG_COLUMNS)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    return frame
