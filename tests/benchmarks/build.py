"""A Dorset-scale synthetic database, written in bulk with SQLAlchemy Core.

One trial per kind is driven through the real services (proposal, review, approval,
allocation list, consent); the rest are copies of their rows, so the data has the shape
the application writes, at the size the county will reach.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.engine import Connection

from livinglab.extensions import db
from livinglab.participants.ethnicity import ETHNIC_GROUPS
from tests import factories
from trials.consent.models import Consent
from trials.eligibility.models import EligibilityCriteria
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.followup.models import ScheduledVisit, VisitStatus
from trials.observations.models import Observation
from trials.proposals.models import (
    Arm,
    Measure,
    RandomisationMethod,
    Trial,
    TrialSite,
    TrialVisit,
)
from trials.randomisation.models import AllocationSlot
from trials.randomisation.services import plan_blocks
from trials.states import TrialStatus

CHUNK = 20_000
DISTRICTS = ("BH1", "BH8", "BH14", "BH23", "DT1", "DT2", "DT4", "DT11", "SP7", "BH20")
SEXES = ("female", "male", "female", "male", "prefer_not_to_say")
ETHNIC = tuple(ETHNIC_GROUPS)


@dataclass(frozen=True)
class Scale:
    volunteers: int
    trials: int
    #: Trials with participants; the enrolments are spread evenly over them.
    enrolled_trials: int
    enrolments: int
    visits: int = 5
    measures: int = 10
    #: Consented people per throughput trial, waiting to be randomised.
    waiting: int = 800

    @property
    def observations(self) -> int:
        return self.enrolments * self.visits * self.measures


COUNTY = Scale(volunteers=100_000, trials=500, enrolled_trials=100, enrolments=20_000)
SMALL = Scale(volunteers=1_000, trials=20, enrolled_trials=4, enrolments=200, waiting=80)


@dataclass
class Built:
    scale: Scale
    world: factories.World
    #: The recruiting trial with eligibility criteria that staff screen.
    screening_trial_id: int
    #: A trial with participants, visits, observations and schedules.
    busy_trial_id: int
    #: method -> trial with consented people waiting, and their enrolment ids.
    throughput: dict[RandomisationMethod, tuple[int, list[int]]]


def _chunks(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(connection: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    for batch in _chunks(rows):
        connection.execute(insert(table), batch)


def _row(connection: Connection, table: Table, row_id: int) -> dict[str, Any]:
    values = dict(connection.execute(select(table).where(table.c.id == row_id)).mappings().one())
    del values["id"]
    return values


def _children(connection: Connection, table: Table, trial_id: int) -> list[dict[str, Any]]:
    rows = [
        dict(r)
        for r in connection.execute(select(table).where(table.c.trial_id == trial_id)).mappings()
    ]
    for row in rows:
        del row["id"]
    return rows


def _volunteers(connection: Connection, count: int, rng: random.Random) -> list[int]:
    users = db.metadata.tables["users"]
    participants = db.metadata.tables["participants"]
    start = (
        connection.execute(select(users.c.id).order_by(users.c.id.desc()).limit(1)).scalar() or 0
    )
    now = dt.datetime.now(dt.UTC)
    _insert(
        connection,
        users,
        (
            {
                "email": f"volunteer{i}@bench.test",
                "full_name": f"Volunteer {i}",
                "session_token": f"bench{i:012d}",
                "is_active_account": True,
                "created_at": now,
            }
            for i in range(count)
        ),
    )
    user_ids = (
        connection.execute(
            select(users.c.id)
            .where(users.c.id > start, users.c.email.like("volunteer%@bench.test"))
            .order_by(users.c.id)
        )
        .scalars()
        .all()
    )

    def person(user_id: int) -> dict[str, Any]:
        district = rng.choice(DISTRICTS)
        return {
            "user_id": user_id,
            "date_of_birth": dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(27_000)),
            "sex": rng.choice(SEXES),
            "postcode": f"{district} {rng.randrange(10)}AA",
            "deprivation_quintile": rng.choice((1, 2, 3, 3, 4, 4, 5, 5, None)),
            "registry_opt_in": rng.random() < 0.9,
            "contact_method": "email",
            "has_smartphone": rng.random() < 0.75,
            "has_computer_or_tablet": rng.random() < 0.8,
            "has_home_internet": rng.random() < 0.9,
            "ethnic_group": rng.choice(ETHNIC),
            "created_at": now,
        }

    _insert(connection, participants, (person(u) for u in user_ids))
    return (
        connection.execute(
            select(participants.c.id)
            .where(participants.c.user_id.in_(select(users.c.id).where(users.c.id > start)))
            .order_by(participants.c.id)
        )
        .scalars()
        .all()
    )


def _copy_trials(
    connection: Connection, template_id: int, count: int, statuses: list[TrialStatus]
) -> list[int]:
    trials = Trial.__table__
    template = _row(connection, trials, template_id)
    start = connection.execute(select(trials.c.id).order_by(trials.c.id.desc()).limit(1)).scalar()
    _insert(
        connection,
        trials,
        (
            {**template, "title": f"Bench trial {i}", "status": statuses[i % len(statuses)]}
            for i in range(count)
        ),
    )
    new_ids = (
        connection.execute(select(trials.c.id).where(trials.c.id > start).order_by(trials.c.id))
        .scalars()
        .all()
    )
    for table in (
        Arm.__table__,
        TrialSite.__table__,
        EligibilityCriteria.__table__,
        TrialVisit.__table__,
        Measure.__table__,
    ):
        children = _children(connection, table, template_id)
        _insert(
            connection,
            table,
            ({**child, "trial_id": trial_id} for trial_id in new_ids for child in children),
        )
    return new_ids


def _measures_and_visits(connection: Connection, trial_id: int, scale: Scale) -> None:
    """Give the template trial ``scale.visits`` visits and ``scale.measures`` measures."""
    visits, measures = TrialVisit.__table__, Measure.__table__
    existing = _children(connection, visits, trial_id)
    follow_up = next(v for v in existing if not v["is_baseline"])
    _insert(
        connection,
        visits,
        (
            {**follow_up, "code": f"extra{n}", "name": f"Month {n + 4}", "day_offset": 30 * (n + 4)}
            for n in range(scale.visits - len(existing))
        ),
    )
    primary = _children(connection, measures, trial_id)[0]
    _insert(
        connection,
        measures,
        (
            {**primary, "is_primary": False, "name": f"Secondary {n}", "code": f"secondary_{n}"}
            if "code" in primary
            else {**primary, "is_primary": False, "name": f"Secondary {n}"}
            for n in range(scale.measures - 1)
        ),
    )


def _enrol(
    connection: Connection,
    trial_ids: list[int],
    volunteers: list[int],
    scale: Scale,
    site_ids: list[int],
    rng: random.Random,
) -> None:
    enrolments, observations, schedules = (
        Enrolment.__table__,
        Observation.__table__,
        ScheduledVisit.__table__,
    )
    per_trial = scale.enrolments // len(trial_ids)
    arms = {t: ids for t, ids in _group(connection, Arm.__table__, trial_ids).items()}
    start = (
        connection.execute(
            select(enrolments.c.id).order_by(enrolments.c.id.desc()).limit(1)
        ).scalar()
        or 0
    )
    statuses = (
        [EnrolmentStatus.RANDOMISED] * 6
        + [EnrolmentStatus.ACTIVE] * 2
        + [EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN]
    )
    day0 = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)

    def rows() -> Iterator[dict[str, Any]]:
        for t_index, trial_id in enumerate(trial_ids):
            people = volunteers[t_index * per_trial % len(volunteers) :][:per_trial]
            if len(people) < per_trial:
                people += volunteers[: per_trial - len(people)]
            for n, participant_id in enumerate(people):
                site_id = site_ids[n % len(site_ids)]
                yield {
                    "trial_id": trial_id,
                    "participant_id": participant_id,
                    "site_id": site_id,
                    "participant_code": f"B-{n:06d}",
                    "status": rng.choice(statuses),
                    "arm_id": arms[trial_id][n % len(arms[trial_id])],
                    "randomised_at": day0 + dt.timedelta(days=n % 300),
                    "age_band": "65-74",
                    "sex": "female",
                    "created_at": day0,
                }

    _insert(connection, enrolments, rows())
    enrolled = connection.execute(
        select(enrolments.c.id, enrolments.c.trial_id, enrolments.c.randomised_at).where(
            enrolments.c.id > start
        )
    ).all()
    visits = _group(
        connection, TrialVisit.__table__, trial_ids, extra=("day_offset", "is_baseline")
    )
    measures = _group(connection, Measure.__table__, trial_ids)
    today = dt.date(2026, 12, 1)
    _insert(
        connection,
        observations,
        (
            {
                "enrolment_id": e_id,
                "visit_id": v_id,
                "measure_id": m_id,
                "value": round(rng.uniform(5, 60), 1),
                "source": "device",
                "recorded_at": day0,
            }
            for e_id, trial_id, _r in enrolled
            for v_id, *_ in visits[trial_id]
            for m_id in measures[trial_id]
        ),
    )

    def schedule() -> Iterator[dict[str, Any]]:
        for e_id, trial_id, randomised_at in enrolled:
            for v_id, day_offset, is_baseline in visits[trial_id]:
                if is_baseline:
                    continue
                due = randomised_at.date() + dt.timedelta(days=day_offset)
                yield {
                    "trial_id": trial_id,
                    "enrolment_id": e_id,
                    "visit_id": v_id,
                    "due_on": due,
                    "window_days": 7,
                    "status": VisitStatus.ATTENDED
                    if due < today - dt.timedelta(days=30)
                    else VisitStatus.SCHEDULED,
                    "updated_at": day0,
                }

    _insert(connection, schedules, schedule())


def _group(
    connection: Connection, table: Table, trial_ids: list[int], extra: tuple[str, ...] = ()
) -> dict[int, list]:
    grouped: dict[int, list] = {t: [] for t in trial_ids}
    columns = [table.c.id, table.c.trial_id, *(table.c[name] for name in extra)]
    for row in connection.execute(
        select(*columns).where(table.c.trial_id.in_(trial_ids)).order_by(table.c.id)
    ):
        grouped[row[1]].append(row[0] if not extra else (row[0], *row[2:]))
    return grouped


def _waiting(
    connection: Connection,
    trial_id: int,
    volunteers: list[int],
    template_consent_id: int,
    site_ids: list[int],
    count: int,
) -> list[int]:
    """``count`` volunteers consented to ``trial_id`` (copies of a real consent), not randomised."""
    enrolments, consents = Enrolment.__table__, Consent.__table__
    template = _row(connection, consents, template_consent_id)
    now = dt.datetime.now(dt.UTC)
    people = volunteers[-count:]
    _insert(
        connection,
        consents,
        (
            {
                **template,
                "trial_id": trial_id,
                "participant_id": p,
                "reference": f"BC{trial_id:04d}{n:06d}",
                "signed_at": now,
            }
            for n, p in enumerate(people)
        ),
    )
    start = (
        connection.execute(
            select(enrolments.c.id).order_by(enrolments.c.id.desc()).limit(1)
        ).scalar()
        or 0
    )
    _insert(
        connection,
        enrolments,
        (
            {
                "trial_id": trial_id,
                "participant_id": p,
                "site_id": site_ids[n % 2],
                "participant_code": f"W-{n:06d}",
                "status": EnrolmentStatus.CONSENTED,
                "created_at": now,
            }
            for n, p in enumerate(people)
        ),
    )
    return (
        connection.execute(
            select(enrolments.c.id).where(enrolments.c.id > start).order_by(enrolments.c.id)
        )
        .scalars()
        .all()
    )


def _long_allocation_list(
    connection: Connection, trial_id: int, length: int, strata: list[str]
) -> None:
    slots = AllocationSlot.__table__
    connection.execute(slots.delete().where(slots.c.trial_id == trial_id))
    arm_ids = (
        connection.execute(select(Arm.id).where(Arm.trial_id == trial_id).order_by(Arm.position))
        .scalars()
        .all()
    )
    _insert(
        connection,
        slots,
        (
            {
                "trial_id": trial_id,
                "stratum": stratum,
                "sequence_no": s.sequence_no,
                "block_no": s.block_no,
                "block_size": s.block_size,
                "arm_id": arm_ids[s.arm_position],
            }
            for stratum in strata
            for s in plan_blocks([1, 1], length, f"bench:{stratum}")
        ),
    )


def build(scale: Scale, seed: int = 20261206) -> Built:
    """Fill the app's (empty, seeded) database; call inside an app context."""
    rng = random.Random(seed)
    session = db.session
    world = factories.make_world(session)
    screening = factories.make_trial(
        session, world, status=TrialStatus.RECRUITING, title="Screened trial"
    )
    session.add(
        EligibilityCriteria(
            trial_id=screening.id,
            min_age=50,
            max_age=90,
            postcode_areas=["BH", "DT"],
            needs_smartphone=True,
        )
    )
    throughput = {}
    for method in RandomisationMethod:
        trial = factories.make_trial(
            session, world, status=TrialStatus.RECRUITING, title=f"Throughput {method}"
        )
        trial.randomisation_method = method
        throughput[method] = trial
    consent = factories.consent(session, throughput[RandomisationMethod.BLOCKS], world.participant)
    session.commit()
    connection = session.connection()
    _measures_and_visits(connection, screening.id, scale)
    volunteers = _volunteers(connection, scale.volunteers, rng)
    copies = _copy_trials(
        connection,
        screening.id,
        scale.trials - 1 - len(throughput),
        [
            TrialStatus.RECRUITING,
            TrialStatus.FOLLOW_UP,
            TrialStatus.DRAFT,
            TrialStatus.SUBMITTED,
            TrialStatus.DECIDED,
        ],
    )
    enrolled = [screening.id, *copies[: scale.enrolled_trials - 1]]
    _enrol(connection, enrolled, volunteers, scale, [world.wfh.id, world.dor.id], rng)
    waiting = {}
    for method, trial in throughput.items():
        consent_id = consent.id
        if method is not RandomisationMethod.BLOCKS:
            consents = Consent.__table__
            consent_id = connection.execute(
                insert(consents)
                .values(
                    {
                        **_row(connection, consents, consent.id),
                        "trial_id": trial.id,
                        "reference": f"BT{trial.id:06d}",
                    }
                )
                .returning(consents.c.id)
            ).scalar()
        waiting[method] = (
            trial.id,
            _waiting(
                connection,
                trial.id,
                volunteers,
                consent_id,
                [world.wfh.id, world.dor.id],
                scale.waiting,
            ),
        )
        _long_allocation_list(connection, trial.id, scale.waiting, ["WFH", "DOR"])
    session.commit()
    return Built(scale, world, screening.id, screening.id, waiting)
