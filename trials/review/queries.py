"""Reads for the review pages: proposals and trials at the researcher's sites."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Select, case, select
from sqlalchemy.orm import selectinload

from livinglab.db import utcnow
from trials.proposals.models import Trial, TrialSite
from trials.states import TrialStatus

#: Statuses research staff act on from the review queue, most urgent first.
QUEUE_STATUSES = (
    TrialStatus.SUBMITTED,
    TrialStatus.IN_REVIEW,
    TrialStatus.APPROVED,
    TrialStatus.RECRUITING,
)

NEXT_STEPS = {
    TrialStatus.SUBMITTED: "Take into review",
    TrialStatus.IN_REVIEW: "Approve, send back or reject",
    TrialStatus.APPROVED: "Open recruitment",
    TrialStatus.RECRUITING: "Close recruitment when targets are met",
}


#: Age filter value -> days since submission the proposal must be over.
AGE_FILTERS = {"7": 7, "14": 14, "30": 30}


@dataclass(frozen=True)
class QueueFilters:
    """What the researcher narrowed the queue to; ``None`` means no filter."""

    status: TrialStatus | None = None
    site_id: int | None = None
    over_days: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str], site_ids: frozenset[int]) -> QueueFilters:
        """Filters from the query string; a value that is not one of the choices is ignored."""
        status = args.get("status", "")
        site = args.get("site", "")
        return cls(
            status=TrialStatus(status) if status in {s.value for s in QUEUE_STATUSES} else None,
            site_id=int(site) if site.isdigit() and int(site) in site_ids else None,
            over_days=AGE_FILTERS.get(args.get("age", "")),
        )

    def as_args(self) -> dict[str, str]:
        """The filters as form values (empty strings for no filter)."""
        age = {days: key for key, days in AGE_FILTERS.items()}.get(self.over_days or 0, "")
        return {
            "status": self.status.value if self.status else "",
            "site": str(self.site_id) if self.site_id else "",
            "age": age,
        }


def query_review_queue(
    site_ids: set[int] | frozenset[int],
    filters: QueueFilters | None = None,
    *,
    now: dt.datetime | None = None,
) -> Select[tuple[Trial]]:
    """Trials asking for (or running at) one of ``site_ids`` that staff act on, filtered."""
    filters = filters or QueueFilters()
    sites = {filters.site_id} if filters.site_id in site_ids else set(site_ids)
    at_my_sites = (
        select(TrialSite.id)
        .where(TrialSite.trial_id == Trial.id, TrialSite.site_id.in_(sites))
        .exists()
    )
    statuses = (filters.status,) if filters.status in QUEUE_STATUSES else QUEUE_STATUSES
    urgency = case({status: rank for rank, status in enumerate(QUEUE_STATUSES)}, value=Trial.status)
    query = select(Trial).where(Trial.status.in_(statuses), at_my_sites)
    if filters.over_days is not None:
        cutoff = (now or utcnow()) - dt.timedelta(days=filters.over_days)
        query = query.where(Trial.submitted_at < cutoff)
    return query.options(
        selectinload(Trial.organisation),
        selectinload(Trial.product),
        selectinload(Trial.trial_sites).joinedload(TrialSite.site),
    ).order_by(urgency, Trial.submitted_at, Trial.id)


def days_waiting(trial: Trial, now: dt.datetime) -> int | None:
    """Whole days since the proposal was (last) submitted."""
    return (now - trial.submitted_at).days if trial.submitted_at else None
