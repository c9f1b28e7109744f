"""Who may break the blind: pure predicates for the unblinding service, loaders and pages."""

from __future__ import annotations

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from trials.proposals.models import Trial


def can_unblind(user: User, trial: Trial) -> bool:
    """An administrator, or the trial's lead researcher; never a company user."""
    if user.has_role(Role.COMPANY):
        return False
    if user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.RESEARCHER) and trial.lead_id is not None and trial.lead_id == user.id
