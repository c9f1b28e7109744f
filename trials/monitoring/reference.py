"""Dorset's adult population by age band, sex, deprivation quintile and ethnic group.

The figures shipped with the platform are used until the admin loads a set of their own;
a loaded set is never changed, and the newest one is in use.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from trials.monitoring.models import ReferenceGroup, ReferencePopulation

SHIPPED_FILE = Path(__file__).with_name("dorset_population.csv")
SHIPPED_SOURCE = (
    "Adults aged 18 and over in the Dorset Integrated Care System area (Bournemouth, "
    "Christchurch and Poole, and Dorset Council). Age, sex and ethnic group: Office for "
    "National Statistics, Census 2021 (tables TS007A, TS008 and TS021). Deprivation: "
    "English Indices of Deprivation 2019, national quintiles of the Index of Multiple "
    "Deprivation by LSOA. Shares are rounded (to the nearest per cent, or 0.1% for "
    "ethnic groups); the admin can load exact figures."
)

#: The dimensions compared, in page order, with each one's categories and labels.
DIMENSIONS: dict[str, tuple[str, dict[str, str]]] = {
    "age_band": (
        "Age band",
        {
            "18-34": "18 to 34",
            "35-49": "35 to 49",
            "50-64": "50 to 64",
            "65-74": "65 to 74",
            "75+": "75 and over",
        },
    ),
    "sex": ("Sex", {"female": "Female", "male": "Male"}),
    "deprivation_quintile": (
        "Deprivation quintile",
        {
            "1": "1 (most deprived 20% of areas)",
            "2": "2",
            "3": "3",
            "4": "4",
            "5": "5 (least deprived)",
        },
    ),
    "ethnic_group": (
        "Ethnic group",
        {
            "asian": "Asian, Asian British or Asian Welsh",
            "black": "Black, Black British, Black Welsh, Caribbean or African",
            "mixed": "Mixed or multiple ethnic groups",
            "white": "White",
            "other": "Other ethnic group",
        },
    ),
}

#: Shares of one dimension must add up to 1 within this tolerance (rounding).
SUM_TOLERANCE = 0.02


@dataclass(frozen=True)
class Reference:
    """The reference population in use: its source and (dimension, category) -> share."""

    source: str
    shares: dict[tuple[str, str], float]
    loaded_at: dt.datetime | None = None


@dataclass(frozen=True)
class Problem:
    row: int
    message: str


class ReferenceFileError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the reference file")
        self.problems = problems


def parse_reference_csv(text: str) -> dict[tuple[str, str], float]:
    """Read ``dimension,category,share`` rows; every problem is reported with its row.

    Raises:
        ReferenceFileError: a bad header, an unknown dimension or category, a share that is
            not a proportion, a repeated or missing group, or shares not adding up to 1.
    """
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if header != ["dimension", "category", "share"]:
        raise ReferenceFileError(
            [Problem(1, "The first row must be the column names dimension,category,share")]
        )
    shares: dict[tuple[str, str], float] = {}
    for row_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            problems.append(Problem(row_no, "Each row needs exactly 3 values"))
            continue
        dimension, category, share_text = (cell.strip() for cell in row)
        if dimension not in DIMENSIONS:
            problems.append(
                Problem(row_no, f"Unknown dimension {dimension!r}; use {', '.join(DIMENSIONS)}")
            )
            continue
        categories = DIMENSIONS[dimension][1]
        if category not in categories:
            problems.append(
                Problem(
                    row_no,
                    f"Unknown {dimension} category {category!r}; use {', '.join(categories)}",
                )
            )
            continue
        try:
            share = float(share_text)
        except ValueError:
            share = math.nan
        if not 0 <= share <= 1:
            problems.append(
                Problem(row_no, f"The share must be a proportion from 0 to 1, not {share_text!r}")
            )
            continue
        if (dimension, category) in shares:
            problems.append(Problem(row_no, f"{dimension} {category} is listed twice"))
            continue
        shares[dimension, category] = share
    if not problems:
        for dimension, (_label, categories) in DIMENSIONS.items():
            missing = [c for c in categories if (dimension, c) not in shares]
            if missing:
                problems.append(Problem(0, f"{dimension} is missing {', '.join(missing)}"))
                continue
            total = sum(shares[dimension, c] for c in categories)
            if abs(total - 1) > SUM_TOLERANCE:
                problems.append(Problem(0, f"The {dimension} shares add up to {total:.3f}, not 1"))
    if problems:
        raise ReferenceFileError(problems)
    return shares


@functools.cache
def shipped_reference() -> Reference:
    """The figures shipped with the platform, read once per process."""
    return Reference(SHIPPED_SOURCE, parse_reference_csv(SHIPPED_FILE.read_text("utf-8")))


def current_reference(session: Session) -> Reference:
    """The newest loaded set, or the shipped figures when the admin has loaded none."""
    population = session.scalar(
        select(ReferencePopulation).order_by(ReferencePopulation.id.desc()).limit(1)
    )
    if population is None:
        return shipped_reference()
    return Reference(
        population.source,
        {(g.dimension, g.category): g.share for g in population.groups},
        population.loaded_at,
    )


def load_reference(session: Session, text: str, *, source: str, actor: User) -> ReferencePopulation:
    """Store a new reference set from CSV text (all rows or none) and make it current.

    Raises:
        ReferenceFileError: see :func:`parse_reference_csv`.
    """
    shares = parse_reference_csv(text)
    population = ReferencePopulation(source=source.strip(), loaded_by_id=actor.id)
    ordered = [(d, c) for d, (_l, categories) in DIMENSIONS.items() for c in categories]
    population.groups = [
        ReferenceGroup(dimension=d, category=c, share=shares[d, c], position=position)
        for position, (d, c) in enumerate(ordered)
    ]
    session.add(population)
    session.flush()
    record(
        session,
        actor=actor,
        action="reference_population.loaded",
        object_type="reference_population",
        object_id=population.id,
        new={"source": population.source, "groups": len(population.groups)},
    )
    return population
