"""Loading the postcode -> IMD quintile lookup from a CSV, all or nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.participants.models import DeprivationLookup
from livinglab.participants.services import POSTCODE, normalise_postcode

COLUMNS = ("postcode", "imd_quintile")
#: A small sample table shipped for development and the demo (real-looking BH/DT rows).
DEPRIVATION_SAMPLE = Path(__file__).parent / "data" / "deprivation_sample.csv"
#: Rows fetched or written per statement, to keep parameters lists bounded.
BATCH = 500


@dataclass(frozen=True)
class RowProblem:
    #: The row as a spreadsheet numbers it: the column names are row 1.
    row: int
    message: str


class DeprivationFileError(Exception):
    """The file was refused; ``problems`` lists every row at fault. Nothing was written."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the deprivation file")
        self.problems = problems


@dataclass(frozen=True)
class DeprivationImport:
    rows: int
    added: int
    updated: int
    removed: int


def parse_deprivation_csv(text: str) -> dict[str, int]:
    """Normalised postcode -> quintile, or DeprivationFileError listing every bad row."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    if header is None or [name.strip().lower() for name in header] != list(COLUMNS):
        raise DeprivationFileError(
            [RowProblem(1, "The first row must be the column names: postcode,imd_quintile")]
        )
    quintiles: dict[str, int] = {}
    first_seen: dict[str, int] = {}
    problems: list[RowProblem] = []
    for number, cells in _data_rows(reader):
        message, postcode, quintile = _check_row(cells, first_seen)
        if message:
            problems.append(RowProblem(number, message))
        else:
            quintiles[postcode] = quintile
            first_seen[postcode] = number
    if problems:
        raise DeprivationFileError(problems)
    if not quintiles:
        raise DeprivationFileError([RowProblem(2, "The file has no rows after the column names")])
    return quintiles


def _data_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    for number, cells in enumerate(reader, start=2):
        if any(cell.strip() for cell in cells):
            yield number, cells


def _check_row(cells: list[str], first_seen: dict[str, int]) -> tuple[str | None, str, int]:
    if len(cells) != len(COLUMNS):
        return "The row must have 2 values: a postcode and a quintile", "", 0
    postcode = normalise_postcode(cells[0])
    if not POSTCODE.match(postcode):
        return "The postcode must be a full UK postcode, like BH8 8DL", postcode, 0
    raw = cells[1].strip()
    if raw not in {"1", "2", "3", "4", "5"}:
        return "The quintile must be a whole number from 1 to 5", postcode, 0
    if postcode in first_seen:
        return f"The postcode {postcode} is already on row {first_seen[postcode]}", postcode, 0
    return None, postcode, int(raw)


def load_deprivation_csv(
    session: Session, text: str, actor: User | None, *, replace_all: bool = False
) -> DeprivationImport:
    """Add or update the lookup from CSV text (``postcode,imd_quintile``), in the caller's
    transaction, and audit the counts. With ``replace_all``, postcodes not in the file are
    removed. Any bad row raises DeprivationFileError before anything is written.
    """
    quintiles = parse_deprivation_csv(text)
    existing = _existing(session, None if replace_all else list(quintiles))
    new_rows = [
        {"postcode": p, "imd_quintile": q} for p, q in quintiles.items() if p not in existing
    ]
    changed = [
        {"postcode": p, "imd_quintile": q}
        for p, q in quintiles.items()
        if p in existing and existing[p] != q
    ]
    removed = [p for p in existing if p not in quintiles] if replace_all else []
    for start in range(0, len(removed), BATCH):
        chunk = removed[start : start + BATCH]
        session.execute(delete(DeprivationLookup).where(DeprivationLookup.postcode.in_(chunk)))
    for start in range(0, len(new_rows), BATCH):
        session.execute(insert(DeprivationLookup), new_rows[start : start + BATCH])
    for start in range(0, len(changed), BATCH):
        # ORM bulk UPDATE by primary key: one executemany per batch.
        session.execute(update(DeprivationLookup), changed[start : start + BATCH])
    result = DeprivationImport(
        rows=len(quintiles), added=len(new_rows), updated=len(changed), removed=len(removed)
    )
    record(
        session,
        actor=actor,
        action="deprivation.imported",
        object_type="deprivation_lookup",
        object_id=None,
        new={**result.__dict__, "replace_all": replace_all},
    )
    session.flush()
    return result


def _existing(session: Session, postcodes: list[str] | None) -> dict[str, int]:
    """Stored quintiles for ``postcodes`` (or for every postcode when ``None``)."""
    query = select(DeprivationLookup.postcode, DeprivationLookup.imd_quintile)
    if postcodes is None:
        return dict(session.execute(query).all())
    found: dict[str, int] = {}
    for start in range(0, len(postcodes), BATCH):
        chunk = postcodes[start : start + BATCH]
        found.update(session.execute(query.where(DeprivationLookup.postcode.in_(chunk))).all())
    return found
