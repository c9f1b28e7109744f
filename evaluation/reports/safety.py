"""Adverse events by arm, as a trial report shows them (counted in SQL, two queries).

Every adverse event of a randomised participant counts, including participants who later
asked that their data no longer be used: safety reporting is a duty to everyone taking
part, and only counts leave this module. Events reported before randomisation are
counted apart (``events_before_randomisation``).

"Related" follows ICH E2A's "reasonable possibility": possibly, probably or definitely
related to the product. A death is a participant with an event whose outcome is fatal.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trials.enrolment.models import Enrolment
from trials.proposals.models import Arm, Trial
from trials.safety.models import AdverseEvent, Outcome, Relatedness, Severity

TOTAL = "Total"
#: Relatedness with a reasonable possibility that the product caused the event.
RELATED = frozenset({Relatedness.POSSIBLE, Relatedness.PROBABLE, Relatedness.DEFINITE})


@dataclass(frozen=True)
class ArmSafety:
    """Adverse events in one arm (or ``"Total"``); the dicts are keyed by enum value."""

    arm: str
    randomised: int
    participants_with_event: int
    events: int
    serious_events: int
    participants_with_serious: int
    related_events: int
    participants_with_related: int
    deaths: int
    #: Severity value (``mild``...) -> events, every severity listed.
    by_severity: dict[str, int] = field(default_factory=dict)
    #: Relatedness value (``not_related``...) -> events, every value listed.
    by_relatedness: dict[str, int] = field(default_factory=dict)

    @property
    def percent_with_event(self) -> float | None:
        return 100 * self.participants_with_event / self.randomised if self.randomised else None

    @property
    def percent_with_serious(self) -> float | None:
        return 100 * self.participants_with_serious / self.randomised if self.randomised else None


@dataclass(frozen=True)
class SafetySummary:
    """Per-arm adverse event counts, arms in the trial's order, then the total."""

    arms: tuple[ArmSafety, ...]
    total: ArmSafety
    events_before_randomisation: int
    severity_labels: dict[str, str]
    relatedness_labels: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts, lists, strings and numbers (JSON-safe), with the percentages."""
        data = asdict(self)
        pairs = [*zip(data["arms"], self.arms, strict=True), (data["total"], self.total)]
        for target, arm in pairs:
            target["percent_with_event"] = arm.percent_with_event
            target["percent_with_serious"] = arm.percent_with_serious
        return data


@dataclass
class _Tally:
    randomised: int = 0
    events: int = 0
    serious: int = 0
    related: int = 0
    with_event: set[int] = field(default_factory=set)
    with_serious: set[int] = field(default_factory=set)
    with_related: set[int] = field(default_factory=set)
    died: set[int] = field(default_factory=set)
    severity: Counter[str] = field(default_factory=Counter)
    relatedness: Counter[str] = field(default_factory=Counter)

    def add(
        self,
        enrolment_id: int,
        serious: bool,
        severity: Any,
        relatedness: Any,
        outcome: Any,
        n: int,
    ) -> None:
        """Count ``n`` events of one participant with the same kind."""
        self.events += n
        self.with_event.add(enrolment_id)
        self.severity[Severity(severity).value] += n
        self.relatedness[Relatedness(relatedness).value] += n
        if serious:
            self.serious += n
            self.with_serious.add(enrolment_id)
        if Relatedness(relatedness) in RELATED:
            self.related += n
            self.with_related.add(enrolment_id)
        if Outcome(outcome) is Outcome.FATAL:
            self.died.add(enrolment_id)

    def result(self, arm: str) -> ArmSafety:
        return ArmSafety(
            arm=arm,
            randomised=self.randomised,
            participants_with_event=len(self.with_event),
            events=self.events,
            serious_events=self.serious,
            participants_with_serious=len(self.with_serious),
            related_events=self.related,
            participants_with_related=len(self.with_related),
            deaths=len(self.died),
            by_severity={s.value: self.severity[s.value] for s in Severity},
            by_relatedness={r.value: self.relatedness[r.value] for r in Relatedness},
        )


def _randomised_by_arm(session: Session, trial_id: int) -> list[tuple[int, str, int]]:
    """(arm id, name, participants randomised) for every arm, in order: one query."""
    rows = session.execute(
        select(Arm.id, Arm.name, func.count(Enrolment.id))
        .outerjoin(Enrolment, Enrolment.arm_id == Arm.id)
        .where(Arm.trial_id == trial_id)
        .group_by(Arm.id, Arm.name, Arm.position)
        .order_by(Arm.position, Arm.id)
    )
    return [tuple(row) for row in rows]


def _event_rows(session: Session, trial_id: int) -> list[tuple[Any, ...]]:
    """Events grouped by arm, participant and kind: one query (participant ids stay here)."""
    columns = (
        Enrolment.arm_id,
        AdverseEvent.enrolment_id,
        AdverseEvent.is_serious,
        AdverseEvent.severity,
        AdverseEvent.relatedness,
        AdverseEvent.outcome,
    )
    query = (
        select(*columns, func.count())
        .join(Enrolment, Enrolment.id == AdverseEvent.enrolment_id)
        .where(AdverseEvent.trial_id == trial_id)
        .group_by(*columns)
    )
    return [tuple(row) for row in session.execute(query)]


def safety_by_arm(session: Session, trial: Trial) -> SafetySummary:
    """Adverse events of the trial's randomised participants per arm and in total: 2 queries."""
    arms = _randomised_by_arm(session, trial.id)
    tallies: dict[int, _Tally] = defaultdict(_Tally)
    total = _Tally()
    before = 0
    for arm_id, _name, n in arms:
        tallies[arm_id].randomised = n
        total.randomised += n
    for arm_id, enrolment_id, serious, severity, relatedness, outcome, n in _event_rows(
        session, trial.id
    ):
        if arm_id is None:
            before += n
            continue
        tallies[arm_id].add(enrolment_id, serious, severity, relatedness, outcome, n)
        total.add(enrolment_id, serious, severity, relatedness, outcome, n)
    return SafetySummary(
        arms=tuple(tallies[arm_id].result(name) for arm_id, name, _n in arms),
        total=total.result(TOTAL),
        events_before_randomisation=before,
        severity_labels={s.value: s.label for s in Severity},
        relatedness_labels={r.value: r.label for r in Relatedness},
    )
