"""Who is taking part, against Dorset's adult population.

The participants of a trial are everyone who consented (whatever happened next). Their
groups are counted in SQL, one GROUP BY per dimension; people whose group is unknown or
who preferred not to say are counted apart and left out of the shares.

A group is flagged as under-represented when Dorset's share lies above the upper end of
the 95% Wilson interval of the participants' share: the shortfall is then unlikely to be
chance. A smaller shortfall (under 80% of Dorset's share) is shown as "fewer than
expected" without a warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session
from statsmodels.stats.proportion import proportion_confint

from livinglab.participants.ethnicity import ETHNIC_SECTIONS
from livinglab.participants.models import Participant
from trials.eligibility.rules import latest_birth_date, today_in_uk
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.monitoring.reference import DIMENSIONS, Reference
from trials.randomisation.bands import AGE_BANDS

#: Enrolment statuses of people who consented to the trial.
CONSENTED_STATUSES = frozenset(EnrolmentStatus) - {
    EnrolmentStatus.INTERESTED,
    EnrolmentStatus.SCREENED,
}
#: Groups named by NHS England's Core20PLUS5 approach to reducing health inequalities.
CORE20PLUS5 = frozenset(
    {
        ("deprivation_quintile", "1"),
        ("ethnic_group", "asian"),
        ("ethnic_group", "black"),
        ("ethnic_group", "mixed"),
        ("ethnic_group", "other"),
    }
)
#: Below this many participants with a known group, no comparison is drawn.
MIN_KNOWN = 20
FEWER_THAN_EXPECTED = 0.8

_SECTION_OF = {code: s.code for s in ETHNIC_SECTIONS for code, _label in s.groups}


@dataclass(frozen=True)
class GroupRow:
    dimension: str
    category: str
    label: str
    count: int
    share: float | None
    ci_high: float | None
    reference_share: float
    is_core20plus5: bool

    @property
    def under_represented(self) -> bool:
        return self.ci_high is not None and self.reference_share > self.ci_high

    @property
    def fewer_than_expected(self) -> bool:
        return (
            self.share is not None
            and not self.under_represented
            and self.share < FEWER_THAN_EXPECTED * self.reference_share
        )


@dataclass(frozen=True)
class DimensionTable:
    dimension: str
    label: str
    rows: list[GroupRow]
    known: int
    unknown: int

    @property
    def too_few(self) -> bool:
        return self.known < MIN_KNOWN


@dataclass(frozen=True)
class Representativeness:
    participants: int
    tables: list[DimensionTable]
    source: str

    @property
    def warnings(self) -> list[GroupRow]:
        return [row for table in self.tables for row in table.rows if row.under_represented]

    @property
    def core20plus5_warnings(self) -> list[GroupRow]:
        return [row for row in self.warnings if row.is_core20plus5]


def age_band_expression(
    today: dt.date, dob: ColumnElement[dt.date] = Participant.date_of_birth
) -> ColumnElement[str]:
    """The age band on ``today`` of someone born on ``dob``, as SQL (dates compared, so
    any database works); ``None`` under 18."""
    bands = [(dob <= latest_birth_date(today, youngest), label) for label, youngest in AGE_BANDS]
    return case(*reversed(bands), else_=None)


def _grouped_counts(
    session: Session, trial_id: int, site_ids: Collection[int] | None, today: dt.date
) -> dict[str, dict[str | None, int]]:
    """dimension -> (raw value -> count): one query grouping by every dimension at once."""
    age = age_band_expression(today).label("age_band")
    query = (
        select(
            age,
            Participant.sex,
            Participant.deprivation_quintile,
            Participant.ethnic_group,
            func.count(),
        )
        .join(Enrolment, Enrolment.participant_id == Participant.id)
        .where(Enrolment.trial_id == trial_id, Enrolment.status.in_(CONSENTED_STATUSES))
        .group_by(age, Participant.sex, Participant.deprivation_quintile, Participant.ethnic_group)
    )
    if site_ids is not None:
        query = query.where(Enrolment.site_id.in_(site_ids))
    counts: dict[str, dict[str | None, int]] = {d: {} for d in DIMENSIONS}
    for age_band, sex, quintile, ethnic, n in session.execute(query):
        values = {
            "age_band": age_band,
            "sex": str(sex) if sex is not None else None,
            "deprivation_quintile": str(quintile) if quintile is not None else None,
            "ethnic_group": _SECTION_OF.get(ethnic or ""),
        }
        for dimension, value in values.items():
            counts[dimension][value] = counts[dimension].get(value, 0) + n
    return counts


def representativeness(
    session: Session,
    trial_id: int,
    reference: Reference,
    *,
    site_ids: Collection[int] | None = None,
    today: dt.date | None = None,
) -> Representativeness:
    """Compare the trial's consented participants (at ``site_ids``, or all) with Dorset."""
    counts = _grouped_counts(session, trial_id, site_ids, today or today_in_uk())
    tables = []
    participants = sum(counts["sex"].values())
    for dimension, (label, categories) in DIMENSIONS.items():
        by_value = counts[dimension]
        known = sum(n for value, n in by_value.items() if value in categories)
        rows = []
        for category, category_label in categories.items():
            n = by_value.get(category, 0)
            share = ci_high = None
            if known >= MIN_KNOWN:
                share = n / known
                ci_high = float(proportion_confint(n, known, alpha=0.05, method="wilson")[1])
            rows.append(
                GroupRow(
                    dimension=dimension,
                    category=category,
                    label=category_label,
                    count=n,
                    share=share,
                    ci_high=ci_high,
                    reference_share=reference.shares[dimension, category],
                    is_core20plus5=(dimension, category) in CORE20PLUS5,
                )
            )
        tables.append(DimensionTable(dimension, label, rows, known, participants - known))
    return Representativeness(participants, tables, reference.source)
