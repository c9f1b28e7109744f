"""Who may see and act on a trial: pure predicates used by loaders, views and templates."""

from __future__ import annotations

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from trials.proposals.models import Trial
from trials.states import TrialStatus

#: Evaluators work on trials once data collection is under way; never on proposals.
EVALUATOR_STATES = frozenset(
    {TrialStatus.FOLLOW_UP, TrialStatus.LOCKED, TrialStatus.EVALUATED, TrialStatus.DECIDED}
)


def is_company_member(user: User, trial: Trial) -> bool:
    return (
        user.has_role(Role.COMPANY)
        and user.organisation_id is not None
        and user.organisation_id == trial.organisation_id
    )


def is_site_researcher(user: User, trial: Trial) -> bool:
    """A researcher at one of the sites the trial asks for or runs at."""
    return user.has_role(Role.RESEARCHER) and bool(
        user.site_ids.intersection(ts.site_id for ts in trial.trial_sites)
    )


def can_view_trial(user: User, trial: Trial) -> bool:
    if user.has_role(Role.ADMIN):
        return True
    if is_company_member(user, trial) or is_site_researcher(user, trial):
        return True
    return user.has_role(Role.EVALUATOR) and trial.status in EVALUATOR_STATES


def can_edit_proposal(user: User, trial: Trial) -> bool:
    return is_company_member(user, trial) and trial.status in (
        TrialStatus.DRAFT,
        TrialStatus.CHANGES_REQUESTED,
    )


def can_review(user: User, trial: Trial) -> bool:
    return is_site_researcher(user, trial) and trial.status in (
        TrialStatus.SUBMITTED,
        TrialStatus.IN_REVIEW,
    )


def can_run_trial(user: User, trial: Trial) -> bool:
    """Enrol, randomise and record data: a researcher at an approved site of the trial."""
    return user.has_role(Role.RESEARCHER) and bool(
        user.site_ids.intersection(ts.site_id for ts in trial.trial_sites if ts.is_approved)
    )


def can_evaluate(user: User, trial: Trial) -> bool:
    return user.has_role(Role.EVALUATOR) and trial.status in EVALUATOR_STATES
