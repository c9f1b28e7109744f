"""Recruitment progress per trial and site: every figure is counted in SQL.

Recruited means randomised (allocated to an arm), the number the trial's target counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from trials.eligibility.rules import today_in_uk
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.followup.models import ScheduledVisit, VisitStatus
from trials.followup.queries import window_closes
from trials.invitations.models import Invitation, InvitationStatus
from trials.proposals.models import Trial

S = EnrolmentStatus
#: Statuses reached only after consenting.
AFTER_CONSENT = frozenset(S) - {S.INTERESTED, S.SCREENED}


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class SiteFigures:
    """One site's recruitment funnel, follow-up and rates (or the trial's total)."""

    site_id: int | None
    name: str
    target: int = 0
    invited: int = 0
    invitations_answered_yes: int = 0
    invitations_declined: int = 0
    by_status: dict[EnrolmentStatus, int] = field(default_factory=dict)
    visits_attended: int = 0
    visits_missed: int = 0
    visits_overdue: int = 0
    #: Withdrew after being randomised: still counted as recruited.
    withdrawn_after_randomisation: int = 0
    #: Invited volunteers who went on to consent.
    consented_from_invitation: int = 0

    def count(self, *statuses: EnrolmentStatus) -> int:
        return sum(self.by_status.get(s, 0) for s in statuses)

    @property
    def consented(self) -> int:
        return self.count(*AFTER_CONSENT)

    @property
    def recruited(self) -> int:
        """Randomised, whatever happened after."""
        return self.count(S.RANDOMISED, S.ACTIVE, S.COMPLETED, S.LOST_TO_FOLLOW_UP) + (
            self.withdrawn_after_randomisation
        )

    @property
    def withdrawn(self) -> int:
        return self.count(S.WITHDRAWN)

    @property
    def lost(self) -> int:
        return self.count(S.LOST_TO_FOLLOW_UP)

    @property
    def expressed_interest(self) -> int:
        return sum(self.by_status.values())

    @property
    def screening_yield(self) -> float | None:
        """Of the volunteers invited, the share who went on to consent."""
        return _rate(self.consented_from_invitation, self.invited)

    @property
    def response_rate(self) -> float | None:
        return _rate(self.invitations_answered_yes, self.invited)

    @property
    def consent_rate(self) -> float | None:
        """Of everyone who registered interest, the share who consented."""
        return _rate(self.consented, self.expressed_interest)

    @property
    def withdrawal_rate(self) -> float | None:
        return _rate(self.withdrawn, self.consented)

    @property
    def visits_due_so_far(self) -> int:
        return self.visits_attended + self.visits_missed + self.visits_overdue

    @property
    def visit_completion(self) -> float | None:
        return _rate(self.visits_attended, self.visits_due_so_far)

    @property
    def target_reached(self) -> float | None:
        return _rate(self.recruited, self.target)


@dataclass(frozen=True)
class Progress:
    sites: list[SiteFigures]
    total: SiteFigures
    #: (day, site id) -> people randomised that day.
    daily: dict[tuple[dt.date, int], int]


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def recruitment_progress(
    session: Session,
    trial: Trial,
    *,
    site_ids: Collection[int] | None = None,
    today: dt.date | None = None,
) -> Progress:
    """The figures for the trial's approved sites (only ``site_ids`` if given): 4 queries."""
    today = today or today_in_uk()
    sites = {
        ts.site_id: SiteFigures(ts.site_id, ts.site.name, ts.approved_target or ts.target)
        for ts in sorted(trial.approved_sites, key=lambda ts: ts.site.name)
        if site_ids is None or ts.site_id in site_ids
    }
    wanted = list(sites)
    status_rows = session.execute(
        select(
            Enrolment.site_id,
            Enrolment.status,
            func.count(),
            func.count(Enrolment.arm_id),
        )
        .where(Enrolment.trial_id == trial.id, Enrolment.site_id.in_(wanted))
        .group_by(Enrolment.site_id, Enrolment.status)
    )
    for site_id, status, n, with_arm in status_rows:
        sites[site_id].by_status[status] = n
        if status is S.WITHDRAWN:
            sites[site_id].withdrawn_after_randomisation = with_arm
    consented_invited = Enrolment.status.in_(AFTER_CONSENT)
    invitation_rows = session.execute(
        select(
            Invitation.site_id,
            func.count(),
            func.count(case((Invitation.status == InvitationStatus.INTERESTED, 1))),
            func.count(case((Invitation.status == InvitationStatus.DECLINED, 1))),
            func.count(Enrolment.id),
        )
        .outerjoin(
            Enrolment,
            and_(
                Enrolment.trial_id == Invitation.trial_id,
                Enrolment.participant_id == Invitation.participant_id,
                consented_invited,
            ),
        )
        .where(Invitation.trial_id == trial.id, Invitation.site_id.in_(wanted))
        .group_by(Invitation.site_id)
    )
    for site_id, invited, yes, declined, consented in invitation_rows:
        figures = sites[site_id]
        figures.invited = invited
        figures.invitations_answered_yes = yes
        figures.invitations_declined = declined
        figures.consented_from_invitation = consented
    closes = window_closes()
    visit_rows = session.execute(
        select(
            Enrolment.site_id,
            func.count(case((ScheduledVisit.status == VisitStatus.ATTENDED, 1))),
            func.count(case((ScheduledVisit.status == VisitStatus.MISSED, 1))),
            func.count(
                case((and_(ScheduledVisit.status == VisitStatus.SCHEDULED, closes < today), 1))
            ),
        )
        .join(Enrolment, Enrolment.id == ScheduledVisit.enrolment_id)
        .where(ScheduledVisit.trial_id == trial.id, Enrolment.site_id.in_(wanted))
        .group_by(Enrolment.site_id)
    )
    for site_id, attended, missed, overdue in visit_rows:
        sites[site_id].visits_attended = attended
        sites[site_id].visits_missed = missed
        sites[site_id].visits_overdue = overdue
    day = func.date(Enrolment.randomised_at)
    daily = {
        (_as_date(randomised_on), site_id): n
        for randomised_on, site_id, n in session.execute(
            select(day, Enrolment.site_id, func.count())
            .where(
                Enrolment.trial_id == trial.id,
                Enrolment.site_id.in_(wanted),
                Enrolment.randomised_at.is_not(None),
            )
            .group_by(day, Enrolment.site_id)
        )
    }
    return Progress(list(sites.values()), _total(list(sites.values())), daily)


def _total(sites: list[SiteFigures]) -> SiteFigures:
    total = SiteFigures(None, "All sites")
    by_status: dict[EnrolmentStatus, int] = defaultdict(int)
    for figures in sites:
        total.target += figures.target
        total.invited += figures.invited
        total.invitations_answered_yes += figures.invitations_answered_yes
        total.invitations_declined += figures.invitations_declined
        total.consented_from_invitation += figures.consented_from_invitation
        total.withdrawn_after_randomisation += figures.withdrawn_after_randomisation
        total.visits_attended += figures.visits_attended
        total.visits_missed += figures.visits_missed
        total.visits_overdue += figures.visits_overdue
        for status, n in figures.by_status.items():
            by_status[status] += n
    total.by_status = dict(by_status)
    return total


def cumulative_by_month(progress: Progress) -> list[tuple[dt.date, dict[int, int], int]]:
    """Month end -> cumulative recruits per site and in all: the chart's text alternative."""
    if not progress.daily:
        return []
    months = sorted({(day.year, day.month) for day, _site in progress.daily})
    rows = []
    running: dict[int, int] = defaultdict(int)
    by_month: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (day, site_id), n in progress.daily.items():
        by_month[day.year, day.month][site_id] += n
    for year, month in months:
        for site_id, n in by_month[year, month].items():
            running[site_id] += n
        month_end = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
        rows.append((month_end, dict(running), sum(running.values())))
    return rows
