"""Proposal versions: what the company submitted each time, and what changed in between.

A snapshot is a dict of stable keys, each holding a label and a plain-text value, so an
old version reads the same years later even if the proposal form changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.participants.models import Sex
from trials.eligibility.models import EligibilityCriteria
from trials.proposals.models import Measure, Trial, TrialDesign, TrialVisit
from trials.queries import trial_with_details
from trials.questionnaires.instruments import INSTRUMENTS
from trials.review.models import ProposalVersion

#: (key, label) of every field a reviewer reads, in reading order. Keys never change.
FIELDS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("product", "Product"),
    ("summary", "Summary for residents"),
    ("aims", "Aims"),
    ("target_population", "Who the trial is for"),
    ("funding", "Funding"),
    ("design", "Design"),
    ("arms", "Arms and allocation ratio"),
    ("sites", "Sites and participant targets"),
    ("recruitment_window", "Recruitment window"),
    ("ics_outcomes", "Dorset ICS outcomes served"),
    ("eligibility", "Who can take part"),
    ("visits", "Visits"),
    ("measures", "Outcome measures"),
)
LABELS = dict(FIELDS)

NOT_GIVEN = "Not given"
#: Earlier versions worded the parallel design so; kept so that old and new versions agree.
DESIGNS = {TrialDesign.PARALLEL_RCT: "Parallel-group randomised controlled trial"}


def _date(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def _number(value: float) -> str:
    return f"{value:g}"


def _lines(items: Iterable[str], empty: str = NOT_GIVEN) -> str:
    text = "\n".join(item for item in items if item)
    return text or empty


def _design(trial: Trial) -> str:
    words = DESIGNS.get(trial.design, trial.design.label)
    if trial.design is TrialDesign.CROSSOVER:
        washout = trial.washout_days
        words += f", washout of {washout} day{'' if washout == 1 else 's'}" if washout else ""
    return words


def _arms(trial: Trial) -> str:
    names = [f"{arm.name} (control)" if arm.is_control else arm.name for arm in trial.arms]
    ratio = ":".join(str(arm.ratio) for arm in trial.arms)
    return _lines([*names, f"Allocation ratio {ratio}" if trial.arms else ""])


def _recruitment_window(trial: Trial) -> str:
    start, end = trial.recruitment_start, trial.recruitment_end
    if start and end:
        return f"{_date(start)} to {_date(end)}"
    if start:
        return f"From {_date(start)}"
    if end:
        return f"Until {_date(end)}"
    return NOT_GIVEN


def _ages(criteria: EligibilityCriteria) -> str:
    low, high = criteria.min_age, criteria.max_age
    if low is not None and high is not None:
        return f"Aged {low} to {high}"
    if low is not None:
        return f"Aged {low} or over"
    if high is not None:
        return f"Aged {high} or under"
    return "Any age"


def eligibility_in_words(criteria: EligibilityCriteria | None) -> str:
    """The criteria as sentences a reviewer reads, one per line."""
    if criteria is None:
        return "No restrictions beyond the registry's own"
    sexes = [Sex(value).label for value in criteria.sexes]
    needs = [
        ("a smartphone", criteria.needs_smartphone),
        ("a computer or tablet", criteria.needs_computer_or_tablet),
        ("internet at home", criteria.needs_home_internet),
    ]
    required = [c.name for c in criteria.required_conditions]
    excluded = [c.name for c in criteria.excluded_conditions]
    return _lines(
        [
            _ages(criteria),
            f"Sex: {' or '.join(sexes)}" if sexes else "Any sex",
            f"Living in: {', '.join(criteria.postcode_areas)}"
            if criteria.postcode_areas
            else "Living anywhere in the Living Lab's area",
            f"Must live with at least one of: {', '.join(required)}" if required else "",
            f"Must not live with: {', '.join(excluded)}" if excluded else "",
            *(f"Needs {what}" for what, needed in needs if needed),
        ]
    )


def _visit(visit: TrialVisit) -> str:
    text = f"{visit.name}: day {visit.day_offset}"
    if visit.window_days:
        text += f", give or take {visit.window_days} day{'' if visit.window_days == 1 else 's'}"
    return text + (" (baseline)" if visit.is_baseline else "")


def _measure(measure: Measure) -> str:
    parts = [
        "primary outcome" if measure.is_primary else "secondary outcome",
        measure.type.value,
        f"valid from {_number(measure.min_value)} to {_number(measure.max_value)}",
        "minimal important difference "
        + (
            f"{_number(measure.minimal_important_difference)} {measure.unit}"
            if measure.minimal_important_difference is not None
            else "not declared"
        ),
        "lower is better" if measure.lower_is_better else "higher is better",
    ]
    if measure.instrument:
        instrument = INSTRUMENTS.get(measure.instrument)
        parts.append(f"completed online: {instrument.name if instrument else measure.instrument}")
    if measure.visits:
        parts.append("taken at " + ", ".join(visit.name for visit in measure.visits))
    return f"{measure.name} ({measure.unit}): {', '.join(parts)}"


def _values(trial: Trial) -> dict[str, str]:
    return {
        "title": trial.title,
        "product": trial.product.name,
        "summary": trial.summary,
        "aims": trial.aims or NOT_GIVEN,
        "target_population": trial.target_population or NOT_GIVEN,
        "funding": trial.funding or NOT_GIVEN,
        "design": _design(trial),
        "arms": _arms(trial),
        "sites": _lines(f"{ts.site.name}: {ts.target} participants" for ts in trial.trial_sites),
        "recruitment_window": _recruitment_window(trial),
        "ics_outcomes": _lines((o.title for o in trial.ics_outcomes), "None chosen"),
        "eligibility": eligibility_in_words(trial.eligibility),
        "visits": _lines(_visit(v) for v in trial.visits),
        "measures": _lines(_measure(m) for m in trial.measures),
    }


def snapshot(trial: Trial) -> dict[str, dict[str, str]]:
    """Every field a reviewer reads: ``{key: {"label": ..., "value": plain text}}``.

    ``trial`` must have its details loaded (:func:`trials.queries.trial_with_details`).
    """
    values = _values(trial)
    return {key: {"label": label, "value": values[key]} for key, label in FIELDS}


def _label(key: str, *snapshots: dict[str, Any]) -> str:
    for snap in snapshots:
        if key in snap:
            return snap[key].get("label", LABELS.get(key, key))
    return LABELS.get(key, key)


def _value(snap: dict[str, Any], key: str) -> str:
    return snap[key]["value"] if key in snap else ""


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(label, old value, new value)`` for each field that differs, in reading order.

    A field only one snapshot has (the form grew or shrank) counts as changed from or to "".
    """
    keys = [key for key, _ in FIELDS]
    keys += [key for key in [*old, *new] if key not in LABELS]
    changes = []
    for key in dict.fromkeys(keys):
        before, after = _value(old, key), _value(new, key)
        if before != after:
            changes.append((_label(key, new, old), before, after))
    return changes


def record_version(session: Session, trial: Trial, *, actor: User) -> ProposalVersion:
    """Store the proposal as it stands now as its next version (1, 2, ...); audited.

    Call it when the company submits, in the same transaction. The trial's details are
    reloaded from the database, so unflushed changes are flushed first.
    """
    session.flush()
    loaded = session.scalars(
        trial_with_details().where(Trial.id == trial.id).execution_options(populate_existing=True)
    ).one()
    latest = session.scalar(
        select(func.max(ProposalVersion.number)).where(ProposalVersion.trial_id == trial.id)
    )
    version = ProposalVersion(
        trial_id=trial.id,
        number=(latest or 0) + 1,
        snapshot=snapshot(loaded),
        submitted_by_id=actor.id,
    )
    session.add(version)
    session.flush()
    record(
        session,
        actor=actor,
        action="proposal.version_recorded",
        object_type="proposal_version",
        object_id=version.id,
        trial_id=trial.id,
        new={"number": version.number},
    )
    return version


def list_versions(session: Session, trial_id: int) -> list[ProposalVersion]:
    """The trial's versions, newest first (the submitter is joined in)."""
    return list(
        session.scalars(
            select(ProposalVersion)
            .where(ProposalVersion.trial_id == trial_id)
            .order_by(ProposalVersion.number.desc())
        )
    )


def latest_changes(
    versions: list[ProposalVersion],
) -> tuple[ProposalVersion, ProposalVersion, list[tuple[str, str, str]]] | None:
    """(previous, latest, changes) for versions listed newest first; ``None`` with fewer than 2."""
    if len(versions) < 2:
        return None
    latest, previous = versions[0], versions[1]
    return previous, latest, diff(previous.snapshot, latest.snapshot)
