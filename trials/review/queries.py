"""Reads for the review pages: proposals and trials at the researcher's sites."""

from __future__ import annotations

from sqlalchemy import Select, case, select
from sqlalchemy.orm import selectinload

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


def query_review_queue(site_ids: set[int]) -> Select[tuple[Trial]]:
    """Trials asking for (or running at) one of ``site_ids`` that staff act on."""
    at_my_sites = (
        select(TrialSite.id)
        .where(TrialSite.trial_id == Trial.id, TrialSite.site_id.in_(site_ids))
        .exists()
    )
    urgency = case({status: rank for rank, status in enumerate(QUEUE_STATUSES)}, value=Trial.status)
    return (
        select(Trial)
        .where(Trial.status.in_(QUEUE_STATUSES), at_my_sites)
        .options(selectinload(Trial.organisation), selectinload(Trial.product))
        .order_by(urgency, Trial.submitted_at, Trial.id)
    )
