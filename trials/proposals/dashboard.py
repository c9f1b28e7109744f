"""The company's dashboard: its trials, recruitment against target by site, and decisions.

Aggregates only: a site's recruited count under :data:`~trials.proposals.queries.SMALL_COUNT`
is shown as "fewer than 5", so nobody can be singled out. A page costs a fixed number of
queries whatever its length: the page of trials (and its count), one aggregate for the
sites and one for the adoption decisions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, String, and_, column, func, select, table
from sqlalchemy.orm import Session, joinedload

from livinglab.db import UTCDateTime
from livinglab.sites.models import Site
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.proposals.models import Trial, TrialSite
from trials.proposals.queries import RECRUITED, suppress_small
from trials.states import TrialStatus

#: Enrolments that count as recruited on the dashboard: consented or later.
CONSENTED_OR_LATER = (EnrolmentStatus.CONSENTED, *RECRUITED)

#: The evaluation package's ``adoption_decisions`` table, read (never written) here:
#: ``trials`` may not import ``evaluation`` (see the import-linter contract).
_decisions = table(
    "adoption_decisions",
    column("trial_id"),
    column("outcome", String),
    column("decided_at", UTCDateTime()),
)


@dataclass(frozen=True)
class SiteProgress:
    """Recruitment at one site the trial asks for."""

    site_name: str
    #: What the company asked for.
    requested: int
    #: Agreed at approval; ``None`` before approval or where the site was not approved.
    approved_target: int | None
    is_approved: bool
    recruited: int

    @property
    def recruited_text(self) -> str:
        """The count as the company may see it: 0, "fewer than 5" or the number."""
        return suppress_small(self.recruited)


@dataclass(frozen=True)
class Decision:
    """The NHS adoption decision on a trial."""

    outcome: str
    decided_at: dt.datetime

    @property
    def label(self) -> str:
        # The stored values read as the labels (``do_not_adopt`` -> "Do not adopt").
        return self.outcome.replace("_", " ").capitalize()


@dataclass(frozen=True)
class DashboardRow:
    trial: Trial
    sites: list[SiteProgress]
    decision: Decision | None

    @property
    def has_published_results(self) -> bool:
        """The company's results page exists only for a decided trial."""
        return self.decision is not None and self.trial.status is TrialStatus.DECIDED


def query_dashboard_trials(organisation_id: int | None) -> Select[tuple[Trial]]:
    """The organisation's trials, newest first, with their product in the same query."""
    return (
        select(Trial)
        .where(Trial.organisation_id == organisation_id)
        .options(joinedload(Trial.product))
        .order_by(Trial.created_at.desc(), Trial.id.desc())
    )


def site_progress(session: Session, trial_ids: list[int]) -> dict[int, list[SiteProgress]]:
    """Trial id -> its sites with the number recruited there (one aggregate query)."""
    if not trial_ids:
        return {}
    rows = session.execute(
        select(
            TrialSite.trial_id,
            Site.name,
            TrialSite.target,
            TrialSite.approved_target,
            TrialSite.is_approved,
            func.count(Enrolment.id),
        )
        .join(Site, Site.id == TrialSite.site_id)
        .outerjoin(
            Enrolment,
            and_(
                Enrolment.trial_id == TrialSite.trial_id,
                Enrolment.site_id == TrialSite.site_id,
                Enrolment.status.in_(CONSENTED_OR_LATER),
            ),
        )
        .where(TrialSite.trial_id.in_(trial_ids))
        .group_by(
            TrialSite.id,
            TrialSite.trial_id,
            TrialSite.site_id,
            Site.name,
            TrialSite.target,
            TrialSite.approved_target,
            TrialSite.is_approved,
        )
        .order_by(TrialSite.trial_id, TrialSite.site_id)
    )
    progress: dict[int, list[SiteProgress]] = {}
    for trial_id, name, requested, approved_target, is_approved, recruited in rows:
        progress.setdefault(trial_id, []).append(
            SiteProgress(name, requested, approved_target, is_approved, recruited)
        )
    return progress


def decisions(session: Session, trial_ids: list[int]) -> dict[int, Decision]:
    """Trial id -> its adoption decision, for the trials that have one (one query)."""
    if not trial_ids:
        return {}
    rows = session.execute(
        select(_decisions.c.trial_id, _decisions.c.outcome, _decisions.c.decided_at).where(
            _decisions.c.trial_id.in_(trial_ids)
        )
    )
    return {trial_id: Decision(outcome, decided_at) for trial_id, outcome, decided_at in rows}


def dashboard_rows(session: Session, trials: list[Trial]) -> list[DashboardRow]:
    """One row per trial of the page, with its sites and decision."""
    ids = [trial.id for trial in trials]
    progress, decided = site_progress(session, ids), decisions(session, ids)
    return [DashboardRow(t, progress.get(t.id, []), decided.get(t.id)) for t in trials]
