"""``make bench``: key staff pages and operations on a Dorset-scale database.

For SQLite and (when reachable) PostgreSQL this builds a small database and a county-sized
one (100,000 volunteers, 500 trials, 20,000 enrolments, 1,000,000 observations), then
prints for each page and operation its median and 95th centile time, its SQL query count
at both sizes (which must not grow), and the time the same SQL takes sent straight to the
database driver, so the application's own cost shows beside the database's.

Targets (printed as met or missed; only correctness failures fail the run): screening
100,000 volunteers under 300 ms on PostgreSQL; at least 200 randomisations a second from 8
concurrent clients on PostgreSQL with no duplicate or skipped slot.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from livinglab.accounts.loader import signed_in_user
from livinglab.accounts.models import User
from livinglab.app import create_app
from livinglab.extensions import db
from livinglab.participants.reference_data import ensure_reference_data
from livinglab.sites.services import ensure_default_sites
from tests import factories
from tests.benchmarks.build import COUNTY, SMALL, Built, Scale, build
from trials.eligibility.rules import today_in_uk
from trials.eligibility.screening import screening_funnel
from trials.enrolment.models import Enrolment
from trials.enrolment.services import randomise
from trials.proposals.models import RandomisationMethod, Trial
from trials.queries import trial_for_allocation, trial_with_details
from trials.randomisation.models import AllocationSlot
from trials.reference_data import ensure_ics_outcomes

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
CLIENTS = 8
SCREENING_TARGET_MS = 300
RANDOMISATIONS_PER_SECOND = 200


@dataclass
class Figure:
    name: str
    times_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    queries_small: int | None = None
    raw_ms: list[float] = field(default_factory=list)
    note: str = ""

    @staticmethod
    def _centiles(times: list[float]) -> str:
        if not times:
            return f"{'-':>8} {'-':>8}"
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return f"{statistics.median(ordered):8.1f} {p95:8.1f}"

    def line(self) -> str:
        queries = "" if self.queries is None else str(self.queries)
        if self.queries is not None and self.queries_small is not None:
            queries = f"{self.queries_small}->{self.queries}"
        return (
            f"{self.name:<44} {self._centiles(self.times_ms)} {queries:>9} "
            f"{self._centiles(self.raw_ms)}  {self.note}"
        )


HEADER = (
    f"{'page or operation':<44} {'median':>8} {'p95':>8} {'queries':>9} "
    f"{'raw med':>8} {'raw p95':>8}  (ms; queries small->county)"
)


def _database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    yield "sqlite", f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.sqlite'}"
    base = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    probe = sa.create_engine(base)
    try:
        probe.connect().close()
    except sa.exc.OperationalError:
        return
    finally:
        probe.dispose()
    yield "postgresql", base


@contextmanager
def _app_on(kind: str, url: str, label: str) -> Iterator[Flask]:
    """A fresh, seeded database: a new SQLite file or a new PostgreSQL schema."""
    schema = None
    if kind == "postgresql":
        from tests.conftest import schema_url

        schema = f"bench_{label}_{os.getpid()}"
        admin = sa.create_engine(url)
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = schema_url(url, schema)
    elif os.path.exists(url.removeprefix("sqlite:///")):
        os.remove(url.removeprefix("sqlite:///"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, env="testing")
    try:
        with app.app_context():
            db.create_all()
            ensure_default_sites(db.session)
            ensure_reference_data(db.session)
            ensure_ics_outcomes(db.session)
            db.session.commit()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if schema:
            with admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


@contextmanager
def _recording(engine: sa.Engine) -> Iterator[list[tuple[str, object]]]:
    statements: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def _timed(action: Callable[[], object], repeat: int = REPEAT) -> list[float]:
    action()  # warm caches and templates
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(1000 * (time.perf_counter() - started))
    return times


def _raw(engine: sa.Engine, statements: list[tuple[str, object]]) -> list[float]:
    """The same SQL sent straight to the driver: the database's share of the page time."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()

        def run() -> None:
            for statement, parameters in statements:
                if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    cursor.execute(statement, parameters)
                    cursor.fetchall()

        return _timed(run)
    finally:
        connection.rollback()
        connection.close()


def _pages(built: Built) -> list[tuple[str, str]]:
    busy, screened = built.busy_trial_id, built.screening_trial_id
    return [
        ("Enrolment: trials at my sites", "/enrolment/"),
        ("Enrolment: participants, page 1", f"/enrolment/trials/{busy}"),
        ("Screening: funnel and list, page 1", f"/enrolment/trials/{screened}/screening"),
        ("Invitations, page 1", f"/enrolment/trials/{busy}/invitations"),
        ("Follow-up: overdue visits, page 1", f"/followup/trials/{busy}/visits?show=overdue"),
        ("Monitoring: recruitment, representativeness", f"/monitoring/trials/{busy}"),
        ("Adverse events, page 1", f"/safety/trials/{busy}/adverse-events"),
    ]


def _client(app: Flask, user: User):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def _page_figures(app: Flask, built: Built, *, timing: bool) -> list[Figure]:
    client = _client(app, built.world.researcher_wfh)
    figures = []
    for name, url in _pages(built):
        figure = Figure(name)
        with _recording(db.engine) as statements:
            response = client.get(url)
        if response.status_code == 404 and b"Page not found" in response.data:
            figure.note = "page not built"
            figures.append(figure)
            continue
        assert response.status_code == 200, (url, response.status_code)
        figure.queries = len(statements)
        if timing:
            figure.times_ms = _timed(lambda url=url: client.get(url))
            figure.raw_ms = _raw(db.engine, statements)
        figures.append(figure)
    return figures


def _screening_figure(built: Built, kind: str) -> Figure:
    trial = db.session.scalars(
        trial_with_details().where(Trial.id == built.screening_trial_id)
    ).one()
    today = today_in_uk()
    with _recording(db.engine) as statements:
        steps = screening_funnel(db.session, trial, today)
    figure = Figure(f"Screening funnel over {built.scale.volunteers:,} volunteers")
    figure.times_ms = _timed(lambda: screening_funnel(db.session, trial, today))
    figure.queries = len(statements)
    figure.raw_ms = _raw(db.engine, statements)
    median = statistics.median(figure.times_ms)
    figure.note = f"{steps[-1].count:,} match"
    if kind == "postgresql":
        met = "met" if median < SCREENING_TARGET_MS else "MISSED"
        figure.note += f"; target < {SCREENING_TARGET_MS} ms {met}"
    return figure


def _randomise_share(
    app: Flask,
    trial_id: int,
    staff: dict[int, int],
    enrolment_ids: list[int],
    ready: Any,
    go: Any,
    failures: Any,
) -> None:
    """One client, in its own process: randomise ``enrolment_ids`` one request at a time."""
    with app.app_context():
        db.engine.dispose(close=False)  # connections are not shared across fork
        try:
            ready.wait()
            go.wait()
            for enrolment_id in enrolment_ids:
                enrolment = db.session.get(Enrolment, enrolment_id)
                trial = (
                    db.session.scalars(trial_for_allocation().where(Trial.id == trial_id))
                    .unique()
                    .one()
                )
                actor = (
                    db.session.scalars(signed_in_user().where(User.id == staff[enrolment.site_id]))
                    .unique()
                    .one()
                )
                randomise(db.session, enrolment, trial=trial, actor=actor)
                db.session.commit()
        except Exception as error:  # reported by the parent, with the figure
            failures.put(repr(error))
        finally:
            db.session.remove()


def _randomise_concurrently(
    app: Flask, built: Built, method: RandomisationMethod, kind: str
) -> Figure:
    """``CLIENTS`` processes (like web workers) randomise the waiting people at once.

    SQLite serialises every write transaction, so there one client randomises everyone:
    more only queue on the lock, and SQLite's busy handler lets one process starve another
    past its timeout.
    """
    trial_id, waiting = built.throughput[method]
    staff = {
        built.world.wfh.id: built.world.researcher_wfh.id,
        built.world.dor.id: built.world.researcher_dor.id,
    }
    clients = CLIENTS if kind == "postgresql" else 1
    context = multiprocessing.get_context("fork")
    ready, go = context.Barrier(clients + 1), context.Event()
    failures = context.Queue()
    # Every transaction takes SQLite's write lock at BEGIN: end this one first.
    db.session.commit()
    db.engine.dispose()
    processes = [
        context.Process(
            target=_randomise_share,
            args=(app, trial_id, staff, waiting[n::clients], ready, go, failures),
        )
        for n in range(clients)
    ]
    for process in processes:
        process.start()
    ready.wait()
    started, cpu_before = time.perf_counter(), _machine_cpu_seconds()
    go.set()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    cpu = _machine_cpu_seconds() - cpu_before
    errors = []
    while not failures.empty():
        errors.append(failures.get())
    assert not errors, errors[:3]
    _check_allocations(trial_id, len(waiting), method)
    rate = len(waiting) / elapsed
    figure = Figure(
        f"Randomise {len(waiting)}, {clients} client{'' if clients == 1 else 's'} ({method.value})"
    )
    figure.times_ms = [1000 * elapsed]
    figure.note = (
        f"{rate:,.0f}/s; no duplicate or skipped slot; "
        f"{1000 * cpu / len(waiting):.1f} ms of CPU each "
        f"({100 * cpu / (elapsed * (os.cpu_count() or 1)):.0f}% of {os.cpu_count()} cores)"
    )
    return figure


def _machine_cpu_seconds() -> float:
    """CPU time every process on the machine has used (clients, PostgreSQL, the rest):
    /proc/stat's busy jiffies, so a missed throughput target shows whether the cores ran out."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def _check_allocations(trial_id: int, expected: int, method: RandomisationMethod) -> None:
    randomised = db.session.scalar(
        sa.select(sa.func.count()).where(
            Enrolment.trial_id == trial_id, Enrolment.arm_id.is_not(None)
        )
    )
    assert randomised == expected
    if method is not RandomisationMethod.BLOCKS:
        return
    used = db.session.execute(
        sa.select(AllocationSlot.stratum, AllocationSlot.sequence_no, AllocationSlot.enrolment_id)
        .where(AllocationSlot.trial_id == trial_id, AllocationSlot.enrolment_id.is_not(None))
        .order_by(AllocationSlot.stratum, AllocationSlot.sequence_no)
    ).all()
    assert len({enrolment_id for _s, _n, enrolment_id in used}) == len(used) == expected
    for stratum in {s for s, _n, _e in used}:
        numbers = [n for s, n, _e in used if s == stratum]
        assert numbers == list(range(1, len(numbers) + 1)), f"{stratum}: a slot was skipped"


def _bench(kind: str, url: str, scale: Scale, small_counts: dict[str, int | None]) -> list[Figure]:
    with _app_on(kind, url, "county") as app:
        started = time.perf_counter()
        built = build(scale)
        print(
            f"\n[{kind}] built {scale.volunteers:,} volunteers, {scale.trials} trials, "
            f"{scale.enrolments:,} enrolments, {scale.observations:,} observations "
            f"in {time.perf_counter() - started:.0f} s"
        )
        figures = _page_figures(app, built, timing=True)
        for figure in figures:
            figure.queries_small = small_counts.get(figure.name)
            if figure.queries is not None:
                assert figure.queries == figure.queries_small, (
                    f"{figure.name}: queries grew from {figure.queries_small} to {figure.queries}"
                )
        figures.append(_screening_figure(built, kind))
        for method in RandomisationMethod:
            figure = _randomise_concurrently(app, built, method, kind)
            rate = float(figure.note.split("/s")[0].replace(",", ""))
            if kind == "postgresql":
                met = "met" if rate >= RANDOMISATIONS_PER_SECOND else "MISSED"
                figure.note += f"; target >= {RANDOMISATIONS_PER_SECOND}/s {met}"
            figures.append(figure)
        return figures


def _small_counts(kind: str, url: str) -> dict[str, int | None]:
    with _app_on(kind, url, "small") as app:
        built = build(SMALL)
        return {f.name: f.queries for f in _page_figures(app, built, timing=False)}


def test_dorset_scale(tmp_path_factory: pytest.TempPathFactory) -> None:
    scale = COUNTY
    if os.environ.get("BENCH_SCALE") == "small":
        scale = SMALL
    report = []
    for kind, url in _database_urls(tmp_path_factory):
        small = _small_counts(kind, url)
        figures = _bench(kind, url, scale, small)
        report.append(f"\n{kind}\n{HEADER}\n" + "\n".join(f.line() for f in figures))
    print("\n".join(report))
