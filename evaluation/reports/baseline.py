"""CONSORT's baseline table: who was randomised to each arm, counted in SQL.

Columns are the arms (in the trial's order) and the total; rows are counts with the
percentage of the column's participants, and the primary measure's baseline mean (SD).
There are no p-values: CONSORT advises against testing baseline differences in a
randomised trial (any difference is chance by design).

Participants who asked that their data no longer be used are left out, as they are from
the analysis dataset (:func:`evaluation.dataset.build_long_dataset`). Age band and sex
are the ones recorded at randomisation; deprivation and ethnic group come from the
registry profile, grouped as in the representativeness report.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evaluation.dataset import build_long_dataset, data_still_used
from livinglab.participants.ethnicity import ETHNIC_SECTIONS
from livinglab.participants.models import Participant, Sex
from livinglab.sites.models import Site
from trials.enrolment.models import Enrolment
from trials.monitoring.reference import DIMENSIONS
from trials.proposals.models import Arm, Measure, Trial, TrialVisit

TOTAL = "Total"
NOT_KNOWN = "Not known"
DATA_WITHDRAWN_NOTE = "Participants who asked that their data no longer be used are not described."
_SECTION_OF = {code: section.code for section in ETHNIC_SECTIONS for code, _label in section.groups}
#: Section key -> (heading, category -> label), in the table's order (site is added per trial).
SECTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "age_band": DIMENSIONS["age_band"],
    "sex": ("Sex", {sex.value: sex.label for sex in Sex}),
    "deprivation_quintile": DIMENSIONS["deprivation_quintile"],
    "ethnic_group": DIMENSIONS["ethnic_group"],
}


@dataclass(frozen=True)
class MeasureSummary:
    """A measure at one visit in one arm: participants with a value, mean and SD (n − 1)."""

    n: int
    mean: float | None
    sd: float | None


@dataclass(frozen=True)
class BaselineRow:
    """One line of the table; each tuple lines up with :attr:`BaselineTable.columns`.

    ``percents`` is ``None`` for a mean (SD) line; ``counts`` then holds the participants
    with a value.
    """

    section: str
    label: str
    counts: tuple[int, ...]
    percents: tuple[float | None, ...] | None
    texts: tuple[str, ...]


@dataclass(frozen=True)
class BaselineTable:
    """Baseline characteristics by arm; ``columns`` are the arm names then ``"Total"``."""

    columns: tuple[str, ...]
    n: tuple[int, ...]
    rows: tuple[BaselineRow, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts, lists, strings and numbers (JSON-safe)."""
        return asdict(self)

    def section(self, name: str) -> list[BaselineRow]:
        return [row for row in self.rows if row.section == name]


def _float(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def baseline_measure_summary(
    long_df: pd.DataFrame, measure: str, visit: str
) -> dict[str, MeasureSummary]:
    """Arm name (and ``"Total"``) -> n, mean and SD of ``measure`` at ``visit``.

    Pure: reads the long dataset's ``arm, visit, measure, value`` columns; missing values
    are not counted. An arm with no value has n 0 and no mean; one value has no SD.
    """
    subset = long_df[(long_df["measure"] == measure) & (long_df["visit"] == visit)]
    arms = list(dict.fromkeys(long_df["arm"]))
    values = subset.dropna(subset=["value"])
    summaries = {arm: _summary(values.loc[values["arm"] == arm, "value"]) for arm in arms}
    summaries[TOTAL] = _summary(values["value"])
    return summaries


def _summary(values: pd.Series) -> MeasureSummary:
    n = len(values)
    mean = _float(values.mean()) if n else None
    sd = _float(values.std(ddof=1)) if n > 1 else None
    return MeasureSummary(n=n, mean=mean, sd=sd)


def query_characteristics(session: Session, trial_id: int) -> list[tuple[Any, ...]]:
    """(arm id, age band, sex, quintile, ethnic group, site name, count): one GROUP BY query."""
    columns = (
        Enrolment.arm_id,
        Enrolment.age_band,
        Enrolment.sex,
        Participant.deprivation_quintile,
        Participant.ethnic_group,
        Site.name,
    )
    query = (
        select(*columns, func.count())
        .join(Participant, Participant.id == Enrolment.participant_id)
        .join(Site, Site.id == Enrolment.site_id)
        .where(
            Enrolment.trial_id == trial_id,
            Enrolment.arm_id.is_not(None),
            data_still_used(),
        )
        .group_by(*columns)
    )
    return [tuple(row) for row in session.execute(query)]


def _tally(
    rows: list[tuple[Any, ...]], arm_names: dict[int, str]
) -> tuple[Counter[str], dict[str, Counter[tuple[str, str | None]]]]:
    """Participants per arm, and section -> (arm, category) counts."""
    per_arm: Counter[str] = Counter()
    counts: dict[str, Counter[tuple[str, str | None]]] = defaultdict(Counter)
    for arm_id, age, sex, quintile, ethnic, site, n in rows:
        arm = arm_names[arm_id]
        per_arm[arm] += n
        values = {
            "age_band": age,
            "sex": sex,
            "deprivation_quintile": None if quintile is None else str(quintile),
            "ethnic_group": _SECTION_OF.get(ethnic or ""),
            "site": site,
        }
        for section, value in values.items():
            counts[section][arm, value] += n
    return per_arm, counts


def _count_row(
    section: str, label: str, counts: tuple[int, ...], n: tuple[int, ...]
) -> BaselineRow:
    percents = tuple(100 * c / total if total else None for c, total in zip(counts, n, strict=True))
    texts = tuple(
        f"{c} ({p:.1f}%)" if p is not None else str(c)
        for c, p in zip(counts, percents, strict=True)
    )
    return BaselineRow(section, label, counts, percents, texts)


def _section_rows(
    heading: str,
    categories: dict[str, str],
    counts: Counter[tuple[str, str | None]],
    arms: list[str],
    n: tuple[int, ...],
) -> list[BaselineRow]:
    rows = []
    for category, label in categories.items():
        by_arm = [counts[arm, category] for arm in arms]
        rows.append(_count_row(heading, label, (*by_arm, sum(by_arm)), n))
    unknown = [
        sum(c for (a, value), c in counts.items() if a == arm and value not in categories)
        for arm in arms
    ]
    if sum(unknown):
        rows.append(_count_row(heading, NOT_KNOWN, (*unknown, sum(unknown)), n))
    return rows


def _measure_row(
    label: str, summaries: dict[str, MeasureSummary], columns: tuple[str, ...]
) -> BaselineRow:
    cells = [summaries.get(column, MeasureSummary(0, None, None)) for column in columns]
    texts = tuple(
        "–" if s.mean is None else f"{s.mean:.1f} ({'–' if s.sd is None else f'{s.sd:.1f}'})"
        for s in cells
    )
    return BaselineRow(label, "Mean (SD)", tuple(s.n for s in cells), None, texts)


def _primary(session: Session, trial_id: int) -> tuple[Measure | None, TrialVisit | None]:
    measure = session.scalar(
        select(Measure).where(Measure.trial_id == trial_id, Measure.is_primary.is_(True))
    )
    visit = session.scalar(
        select(TrialVisit)
        .where(TrialVisit.trial_id == trial_id, TrialVisit.is_baseline.is_(True))
        .order_by(TrialVisit.day_offset)
        .limit(1)
    )
    return measure, visit


def baseline_table(
    session: Session, trial: Trial, *, long: pd.DataFrame | None = None
) -> BaselineTable:
    """Baseline characteristics of the randomised participants, by arm and in total.

    At most five queries whatever the trial size (arms, one GROUP BY for every
    characteristic, primary measure, baseline visit, and the long dataset unless given).

    Args:
        long: the locked long dataset already built for the analysis (saves a query and
            guarantees the table describes the same data); built here when ``None``.
    """
    arm_rows = session.execute(
        select(Arm.id, Arm.name).where(Arm.trial_id == trial.id).order_by(Arm.position, Arm.id)
    ).all()
    arm_names = {arm_id: name for arm_id, name in arm_rows}
    arms = list(arm_names.values())
    per_arm, counts = _tally(query_characteristics(session, trial.id), arm_names)
    columns = (*arms, TOTAL)
    n = (*(per_arm[arm] for arm in arms), sum(per_arm.values()))
    rows = [BaselineRow("Participants", "Number", n, None, tuple(map(str, n)))]
    sites = {name: name for name in sorted({site for (_a, site) in counts["site"]})}
    for key, (heading, categories) in (*SECTIONS.items(), ("site", ("Site", sites))):
        rows.extend(_section_rows(heading, categories, counts[key], arms, n))
    measure, visit = _primary(session, trial.id)
    if measure is not None and visit is not None:
        frame = build_long_dataset(session, trial) if long is None else long
        summaries = baseline_measure_summary(frame, measure.name, visit.code)
        label = f"{measure.name} ({measure.unit}) at {visit.name.lower()}"
        rows.append(_measure_row(label, summaries, columns))
    return BaselineTable(columns, n, tuple(rows), (DATA_WITHDRAWN_NOTE,))
