"""The CONSORT 2010 flow of participants, counted from the enrolment and invitation records.

Who counts where (the platform's records, read the CONSORT way):

* Assessed for eligibility: everyone with an enrolment in the trial (their eligibility was
  checked against the trial's criteria when they registered interest or consented), and
  every volunteer invited from the registry (found eligible there) who did not enrol.
* Excluded, by reason:

  - not eligible: always 0 here, because the platform checks the criteria before
    anyone can register interest or consent and does not record who failed them;
  - declined or did not consent: declined the invitation; registered interest but never
    consented; consented and then withdrew before randomisation;
  - other: did not answer the invitation (or it was closed first); consented but not
    randomised before recruitment closed.

* Randomised: enrolments with an arm, whatever happened next. Per arm: lost to follow-up
  and discontinued (withdrawn, split by whether their data are still used); received the
  allocated intervention is not recorded by the platform, so it is left out (``None``).

Three queries whatever the trial size: the arms, the enrolments grouped by status, arm
and latest withdrawal choice, and the invitations of people who never enrolled grouped
by status.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evaluation.dataset import latest_withdrawal_scope
from trials.consent.models import WithdrawalScope
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.invitations.models import Invitation, InvitationStatus
from trials.proposals.models import Arm, Trial

S = EnrolmentStatus

#: Exclusion groups, in CONSORT order: key -> heading.
EXCLUSION_GROUPS = {
    "not_eligible": "Not meeting inclusion criteria",
    "declined": "Declined to participate or did not consent",
    "other": "Other reasons",
}
NOT_ELIGIBLE_NOTE = (
    "The platform checks the eligibility criteria before anyone can register interest or "
    "consent, and does not record who failed them, so no one is counted as not eligible."
)
RECEIVED_NOTE = (
    "Whether each participant received the allocated intervention is not recorded, so "
    "CONSORT's 'received allocated intervention' is not shown."
)

#: Status of someone never randomised -> (exclusion group, reason in words).
_NOT_RANDOMISED: dict[EnrolmentStatus, tuple[str, str]] = {
    S.INTERESTED: ("declined", "Registered interest but did not consent"),
    S.SCREENED: ("declined", "Registered interest but did not consent"),
    S.WITHDRAWN: ("declined", "Consented, then withdrew before randomisation"),
    S.CONSENTED: ("other", "Consented but not randomised before recruitment closed"),
}
#: Status of an invitation whose volunteer never enrolled -> (exclusion group, reason).
_NOT_ENROLLED: dict[InvitationStatus, tuple[str, str]] = {
    InvitationStatus.DECLINED: ("declined", "Declined the invitation"),
    InvitationStatus.INVITED: ("other", "Did not answer the invitation"),
    InvitationStatus.CLOSED: ("other", "Invitation closed before an answer"),
    InvitationStatus.INTERESTED: ("other", "Said yes to the invitation but did not enrol"),
}
_UNEXPECTED = ("other", "No arm recorded")


@dataclass(frozen=True)
class ExclusionReason:
    """One reason for not being randomised and how many people it covers."""

    label: str
    count: int


@dataclass(frozen=True)
class ExclusionGroup:
    """A CONSORT exclusion heading (``key`` is a name of :data:`EXCLUSION_GROUPS`)."""

    key: str
    label: str
    count: int
    reasons: tuple[ExclusionReason, ...]


@dataclass(frozen=True)
class ArmFlow:
    """One arm's column of the flow diagram."""

    arm: str
    is_control: bool
    allocated: int
    #: ``None``: not recorded by the platform (the diagram leaves it out).
    received_allocated: int | None
    lost_to_follow_up: int
    #: Withdrew after randomisation, whichever data choice they made.
    discontinued: int
    discontinued_kept_data: int
    discontinued_data_withdrawn: int
    analysed: int
    #: Allocated but not in the analysis (``allocated - analysed``).
    excluded_from_analysis: int


@dataclass(frozen=True)
class ConsortFlow:
    """The CONSORT counts; ``problems`` lists every sum that does not add up (none expected)."""

    assessed: int
    excluded: int
    exclusions: tuple[ExclusionGroup, ...]
    randomised: int
    arms: tuple[ArmFlow, ...]
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def is_consistent(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts, lists, strings and numbers (JSON-safe)."""
        return asdict(self)


@dataclass(frozen=True)
class EnrolmentCount:
    """Enrolments with one status, arm and latest withdrawal choice (``None``: none made)."""

    status: EnrolmentStatus
    arm_id: int | None
    scope: WithdrawalScope | None
    count: int


def query_enrolment_counts(session: Session, trial_id: int) -> list[EnrolmentCount]:
    """The trial's enrolments counted by status, arm and latest withdrawal choice: one query."""
    inner = (
        select(
            Enrolment.status.label("status"),
            Enrolment.arm_id.label("arm_id"),
            latest_withdrawal_scope().label("scope"),
        )
        .where(Enrolment.trial_id == trial_id)
        .subquery()
    )
    rows = session.execute(
        select(inner.c.status, inner.c.arm_id, inner.c.scope, func.count()).group_by(
            inner.c.status, inner.c.arm_id, inner.c.scope
        )
    )
    return [
        EnrolmentCount(S(status), arm_id, WithdrawalScope(scope) if scope is not None else None, n)
        for status, arm_id, scope, n in rows
    ]


def query_unenrolled_invitations(session: Session, trial_id: int) -> dict[InvitationStatus, int]:
    """Invitations to the trial whose volunteer has no enrolment in it, by status: one query."""
    enrolled = (
        select(Enrolment.id)
        .where(
            Enrolment.trial_id == Invitation.trial_id,
            Enrolment.participant_id == Invitation.participant_id,
        )
        .exists()
    )
    rows = session.execute(
        select(Invitation.status, func.count())
        .where(Invitation.trial_id == trial_id, ~enrolled)
        .group_by(Invitation.status)
    )
    return {InvitationStatus(status): n for status, n in rows}


def _exclusions(
    enrolments: Iterable[EnrolmentCount], invitations: Mapping[InvitationStatus, int]
) -> tuple[ExclusionGroup, ...]:
    tally: Counter[tuple[str, str]] = Counter()
    for row in enrolments:
        if row.arm_id is None:
            tally[_NOT_RANDOMISED.get(row.status, _UNEXPECTED)] += row.count
    for status, n in invitations.items():
        tally[_NOT_ENROLLED[status]] += n
    groups = []
    for key, label in EXCLUSION_GROUPS.items():
        reasons = tuple(
            ExclusionReason(reason, n)
            for (group, reason), n in sorted(tally.items())
            if group == key
        )
        groups.append(ExclusionGroup(key, label, sum(r.count for r in reasons), reasons))
    return tuple(groups)


def _arm_flow(
    arm_id: int,
    name: str,
    is_control: bool,
    rows: list[EnrolmentCount],
    analysed: int,
) -> ArmFlow:
    mine = [row for row in rows if row.arm_id == arm_id]
    allocated = sum(row.count for row in mine)
    withdrawn = [row for row in mine if row.status is S.WITHDRAWN]
    data_withdrawn = sum(r.count for r in withdrawn if r.scope is WithdrawalScope.STOP_DATA_USE)
    discontinued = sum(row.count for row in withdrawn)
    return ArmFlow(
        arm=name,
        is_control=is_control,
        allocated=allocated,
        received_allocated=None,
        lost_to_follow_up=sum(r.count for r in mine if r.status is S.LOST_TO_FOLLOW_UP),
        discontinued=discontinued,
        discontinued_kept_data=discontinued - data_withdrawn,
        discontinued_data_withdrawn=data_withdrawn,
        analysed=analysed,
        excluded_from_analysis=allocated - analysed,
    )


def _problems(
    flow_arms: tuple[ArmFlow, ...],
    *,
    assessed: int,
    excluded: int,
    randomised: int,
    unknown_analysed: Iterable[str],
) -> tuple[str, ...]:
    found = []
    if assessed != excluded + randomised:
        found.append(
            f"Assessed for eligibility ({assessed}) is not excluded ({excluded}) plus "
            f"randomised ({randomised})."
        )
    allocated = sum(arm.allocated for arm in flow_arms)
    if randomised != allocated:
        found.append(
            f"Randomised ({randomised}) is not the sum allocated to the arms ({allocated})."
        )
    for arm in flow_arms:
        if arm.excluded_from_analysis < 0:
            found.append(f"{arm.arm}: {arm.analysed} analysed but only {arm.allocated} allocated.")
    found.extend(
        f"{name}: analysed participants were given for an arm this trial does not have."
        for name in sorted(unknown_analysed)
    )
    return tuple(found)


def assemble_flow(
    enrolments: list[EnrolmentCount],
    invitations: Mapping[InvitationStatus, int],
    arms: Iterable[tuple[int, str, bool]],
    analysed_by_arm: Mapping[str, int],
) -> ConsortFlow:
    """The flow from grouped counts (pure, so the sums can be tested on their own).

    Args:
        arms: (arm id, name, is control) in the trial's order.
        analysed_by_arm: arm name -> participants in the primary analysis (missing: 0).
    """
    arms = list(arms)
    flow_arms = tuple(
        _arm_flow(arm_id, name, is_control, enrolments, int(analysed_by_arm.get(name, 0)))
        for arm_id, name, is_control in arms
    )
    exclusions = _exclusions(enrolments, invitations)
    assessed = sum(row.count for row in enrolments) + sum(invitations.values())
    excluded = sum(group.count for group in exclusions)
    randomised = sum(row.count for row in enrolments if row.arm_id is not None)
    problems = _problems(
        flow_arms,
        assessed=assessed,
        excluded=excluded,
        randomised=randomised,
        unknown_analysed=set(analysed_by_arm) - {name for _id, name, _c in arms},
    )
    return ConsortFlow(
        assessed=assessed,
        excluded=excluded,
        exclusions=exclusions,
        randomised=randomised,
        arms=flow_arms,
        problems=problems,
        notes=(NOT_ELIGIBLE_NOTE, RECEIVED_NOTE),
    )


def consort_flow(
    session: Session, trial: Trial, *, analysed_by_arm: Mapping[str, int]
) -> ConsortFlow:
    """The trial's CONSORT 2010 flow (see the module docstring for who counts where).

    Three queries whatever the number of participants. Sums that do not add up are listed
    in ``problems`` (shown on the report) rather than raised, so the report still renders.

    Args:
        analysed_by_arm: arm name -> participants included in the primary analysis.
    """
    arms = session.execute(
        select(Arm.id, Arm.name, Arm.is_control)
        .where(Arm.trial_id == trial.id)
        .order_by(Arm.position, Arm.id)
    ).all()
    return assemble_flow(
        query_enrolment_counts(session, trial.id),
        query_unenrolled_invitations(session, trial.id),
        [tuple(row) for row in arms],
        analysed_by_arm,
    )


def consort_svg(flow: ConsortFlow) -> str:
    """The flow diagram as a data-URI SVG (boxes and arrows); same flow, same bytes."""
    from evaluation.reports.charts import consort_diagram

    return consort_diagram(flow)
