"""Bulk import of outcome values from a CSV file (e.g. a device export), all or nothing.

The file has the column names ``participant,visit,measure,value`` on its first line, then
one value per line. The whole file is checked before anything is written; one bad line
means nothing is written, and the refusal lists every bad line with its reason. A value
already recorded with the same number is skipped, so importing a file twice adds nothing.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.errors import DomainError, IllegalTransition, NotPermitted
from trials.eligibility.rules import today_in_uk
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.followup.services import attend_on_recording
from trials.observations.models import Observation, ObservationSource
from trials.observations.services import RECORDABLE, record_observation
from trials.permissions import can_run_trial
from trials.proposals.models import Measure, Trial, TrialVisit
from trials.states import DATA_OPEN

COLUMNS = ("participant", "visit", "measure", "value")
MAX_ROWS = 10_000
MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class RowProblem:
    #: The line of the file, counting the column names as line 1; ``None`` for the whole file.
    line: int | None
    message: str


class ImportRefused(Exception):
    """The file was refused; ``problems`` lists every bad line. Nothing was written."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the observations file")
        self.problems = problems


@dataclass(frozen=True)
class PlannedValue:
    line: int
    enrolment: Enrolment
    visit: TrialVisit
    measure: Measure
    value: float


@dataclass
class ImportPlan:
    """What importing the file would do: values to record, values already there, problems."""

    to_record: list[PlannedValue] = field(default_factory=list)
    already_there: int = 0
    problems: list[RowProblem] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    imported: int
    already_there: int


def _fmt(number: float) -> str:
    return f"{number:g}"


@dataclass
class _Lookups:
    """Everything a line is checked against, loaded in a fixed number of queries."""

    enrolments: dict[str, Enrolment]
    visits: dict[str, TrialVisit]
    measures: dict[str, Measure]
    #: (enrolment id, visit id, measure id) -> recorded value.
    existing: dict[tuple[int, int, int], float]


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _load_lookups(session: Session, trial: Trial, actor: User) -> _Lookups:
    # Only the actor's sites: a code from another site reads as unknown, revealing nothing.
    enrolments = session.scalars(
        select(Enrolment).where(
            Enrolment.trial_id == trial.id, Enrolment.site_id.in_(actor.site_ids)
        )
    ).all()
    rows = session.execute(
        select(
            Observation.enrolment_id,
            Observation.visit_id,
            Observation.measure_id,
            Observation.value,
        )
        .join(Enrolment, Enrolment.id == Observation.enrolment_id)
        .where(Enrolment.trial_id == trial.id, Enrolment.site_id.in_(actor.site_ids))
    )
    visits: dict[str, TrialVisit] = {}
    for visit in trial.visits:
        visits.setdefault(_key(visit.code), visit)
        visits.setdefault(_key(visit.name), visit)
    return _Lookups(
        enrolments={_key(e.participant_code): e for e in enrolments},
        visits=visits,
        measures={_key(m.name): m for m in trial.measures},
        existing={(e, v, m): value for e, v, m, value in rows},
    )


def _data_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every non-blank line after the column names."""
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield reader.line_num, cells


def _header_problem(text: str) -> RowProblem | None:
    first = next(csv.reader(io.StringIO(text)), None)
    if first is None:
        return RowProblem(None, "The file is empty")
    if [cell.strip().casefold() for cell in first] != list(COLUMNS):
        return RowProblem(1, "The first line must be the column names: " + ",".join(COLUMNS))
    return None


def _parse_value(cell: str) -> float | None:
    try:
        value = float(cell.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _check_line(
    line: int, cells: list[str], lookups: _Lookups
) -> tuple[list[str], PlannedValue | None]:
    """The reasons ``cells`` is bad (empty if good) and, when good, the value it holds."""
    if len(cells) != len(COLUMNS):
        return [f"The line must have {len(COLUMNS)} values: {', '.join(COLUMNS)}"], None
    code, visit_text, measure_text, value_text = (cell.strip() for cell in cells)
    enrolment = lookups.enrolments.get(_key(code))
    visit = lookups.visits.get(_key(visit_text))
    measure = lookups.measures.get(_key(measure_text))
    value = _parse_value(value_text)
    reasons = []
    if enrolment is None:
        reasons.append(f"No participant with the code '{code}' in this trial at your sites")
    if visit is None:
        reasons.append(f"This trial has no visit called '{visit_text}'")
    if measure is None:
        reasons.append(f"This trial has no measure called '{measure_text}'")
    if value is None:
        reasons.append(f"The value '{value_text}' is not a number, like 12.5")
    elif measure is not None and not measure.min_value <= value <= measure.max_value:
        reasons.append(
            f"{measure.name} must be between {_fmt(measure.min_value)} and "
            f"{_fmt(measure.max_value)} {measure.unit}"
        )
    if enrolment is not None and enrolment.status not in RECORDABLE:
        reasons.append(
            f"Values cannot be recorded for {enrolment.participant_code}, who is "
            f"{enrolment.status.label.lower()}"
        )
    elif (
        enrolment is not None
        and visit is not None
        and not visit.is_baseline
        and enrolment.status is EnrolmentStatus.CONSENTED
    ):
        reasons.append(
            f"{visit.name} values for {enrolment.participant_code} can only be recorded "
            "after randomisation"
        )
    if reasons or enrolment is None or visit is None or measure is None or value is None:
        return reasons, None
    return [], PlannedValue(line, enrolment, visit, measure, value)


def check_csv(session: Session, trial: Trial, text: str, *, actor: User) -> ImportPlan:
    """Check every line of ``text`` against the trial, without writing anything.

    Args:
        trial: loaded with its visits and measures.
        text: the file's content; a leading byte order mark is ignored.
        actor: the staff member importing; only participants at their sites are matched.

    Returns:
        The plan: values to record, how many are already recorded with the same value, and
        every problem found (one line can have several).
    """
    text = text.removeprefix("\ufeff")
    plan = ImportPlan()
    if len(text.encode()) > MAX_BYTES:
        plan.problems.append(
            RowProblem(None, f"The file must be smaller than {MAX_BYTES // 2**20} MB")
        )
        return plan
    header = _header_problem(text)
    if header is not None:
        plan.problems.append(header)
        return plan
    lookups = _load_lookups(session, trial, actor)
    first_line: dict[tuple[int, int, int], int] = {}
    rows = 0
    for line, cells in _data_lines(text):
        rows += 1
        if rows > MAX_ROWS:
            plan.problems = [
                RowProblem(None, f"The file has more than {MAX_ROWS:,} values; split it up")
            ]
            return plan
        reasons, planned = _check_line(line, cells, lookups)
        plan.problems.extend(RowProblem(line, reason) for reason in reasons)
        if planned is not None:
            _place(plan, planned, lookups, first_line)
    if not rows:
        plan.problems.append(RowProblem(2, "The file has no values after the column names"))
    return plan


def _place(
    plan: ImportPlan,
    planned: PlannedValue,
    lookups: _Lookups,
    first_line: dict[tuple[int, int, int], int],
) -> None:
    """Add a good line to the plan, unless it repeats a line or a value already recorded."""
    key = (planned.enrolment.id, planned.visit.id, planned.measure.id)
    if key in first_line:
        plan.problems.append(
            RowProblem(
                planned.line,
                f"Repeats line {first_line[key]}: the same participant, visit and measure",
            )
        )
        return
    first_line[key] = planned.line
    recorded = lookups.existing.get(key)
    if recorded is None:
        plan.to_record.append(planned)
    elif math.isclose(recorded, planned.value, rel_tol=1e-9, abs_tol=1e-12):
        plan.already_there += 1
    else:
        plan.problems.append(
            RowProblem(
                planned.line,
                f"{planned.measure.name} at {planned.visit.name} for "
                f"{planned.enrolment.participant_code} is already recorded as "
                f"{_fmt(recorded)}; correct it on the participant's page with a reason",
            )
        )


def _attend_visits(
    session: Session, trial: Trial, recorded: list[PlannedValue], actor: User
) -> None:
    """Visits still scheduled that now have a value were attended (as on the staff page)."""
    today = today_in_uk()
    done: set[tuple[int, int]] = set()
    for planned in recorded:
        key = (planned.enrolment.id, planned.visit.id)
        if key not in done:
            done.add(key)
            attend_on_recording(
                session,
                planned.enrolment,
                trial=trial,
                visit_id=planned.visit.id,
                actor=actor,
                today=today,
            )


def import_observations(session: Session, trial: Trial, text: str, actor: User) -> ImportResult:
    """Record every value in the CSV ``text`` in one transaction, or nothing.

    Each value goes through :func:`record_observation` (site, state, range and consent
    checks; one audit event per value), with source ``import``; one more event records the
    import itself. Flushes; the caller commits.

    Raises:
        NotPermitted: ``actor`` is not a researcher at one of the trial's approved sites.
        IllegalTransition: the trial's data are locked.
        ImportRefused: any line is bad; it lists every bad line and nothing is written.
    """
    if not can_run_trial(actor, trial):
        raise NotPermitted("Only research staff at this trial's sites can import its data.")
    if trial.status not in DATA_OPEN:
        raise IllegalTransition("This trial's data are locked; no values can be recorded.")
    plan = check_csv(session, trial, text, actor=actor)
    if plan.problems:
        raise ImportRefused(plan.problems)
    problems: list[RowProblem] = []
    savepoint = session.begin_nested()
    for planned in plan.to_record:
        try:
            record_observation(
                session,
                planned.enrolment,
                trial=trial,
                visit=planned.visit,
                measure=planned.measure,
                value=planned.value,
                actor=actor,
                source=ObservationSource.IMPORT,
            )
        except DomainError as error:  # e.g. consent withdrawn or superseded
            problems.append(RowProblem(planned.line, error.message))
    if not problems:
        _attend_visits(session, trial, plan.to_record, actor)
    if problems:
        savepoint.rollback()
        raise ImportRefused(problems)
    if plan.to_record:
        record(
            session,
            actor=actor,
            action="observations.imported",
            object_type="trial",
            object_id=trial.id,
            trial_id=trial.id,
            new={"imported": len(plan.to_record), "already_there": plan.already_there},
        )
    savepoint.commit()
    session.flush()
    return ImportResult(imported=len(plan.to_record), already_there=plan.already_there)
