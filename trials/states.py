"""The trial state machine: one table of legal transitions and who may make each."""

from __future__ import annotations

import enum

from livinglab.accounts.roles import Role


class TrialStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    RECRUITING = "recruiting"
    FOLLOW_UP = "follow_up"
    LOCKED = "locked"
    EVALUATED = "evaluated"
    DECIDED = "decided"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


S = TrialStatus

#: (from, to) -> roles allowed to make the move.
TRANSITIONS: dict[tuple[TrialStatus, TrialStatus], frozenset[Role]] = {
    (S.DRAFT, S.SUBMITTED): frozenset({Role.COMPANY}),
    (S.CHANGES_REQUESTED, S.SUBMITTED): frozenset({Role.COMPANY}),
    (S.SUBMITTED, S.IN_REVIEW): frozenset({Role.RESEARCHER}),
    (S.IN_REVIEW, S.APPROVED): frozenset({Role.RESEARCHER}),
    (S.IN_REVIEW, S.CHANGES_REQUESTED): frozenset({Role.RESEARCHER}),
    (S.IN_REVIEW, S.REJECTED): frozenset({Role.RESEARCHER}),
    (S.APPROVED, S.RECRUITING): frozenset({Role.RESEARCHER}),
    (S.RECRUITING, S.FOLLOW_UP): frozenset({Role.RESEARCHER}),
    # The service also checks that a researcher is the trial's lead (trials.datalock).
    (S.FOLLOW_UP, S.LOCKED): frozenset({Role.EVALUATOR, Role.RESEARCHER}),
    (S.LOCKED, S.FOLLOW_UP): frozenset({Role.EVALUATOR, Role.RESEARCHER}),
    (S.LOCKED, S.EVALUATED): frozenset({Role.EVALUATOR}),
    (S.EVALUATED, S.DECIDED): frozenset({Role.EVALUATOR}),
    **{
        (source, S.WITHDRAWN): frozenset({Role.COMPANY})
        for source in (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED)
    },
}

#: Plain-English reasons for refusing a move, keyed by the target state.
REFUSALS: dict[TrialStatus, str] = {
    S.SUBMITTED: "A trial can only be submitted from draft or changes requested.",
    S.IN_REVIEW: "Only a submitted proposal can be taken into review.",
    S.APPROVED: "Only a proposal in review can be approved.",
    S.CHANGES_REQUESTED: "Changes can only be requested on a proposal in review.",
    S.REJECTED: "Only a proposal in review can be rejected.",
    S.RECRUITING: "Recruitment can only open on an approved trial.",
    S.FOLLOW_UP: "Only a recruiting trial can move to follow-up.",
    S.LOCKED: "Trial data can only be locked once the trial is in follow-up.",
    S.EVALUATED: "A trial can only be evaluated after its data are locked.",
    S.DECIDED: "An adoption decision needs an evaluated trial.",
    S.WITHDRAWN: "A trial can only be withdrawn before recruitment opens.",
    S.DRAFT: "A trial cannot go back to draft.",
}

#: States in which participants may consent and be enrolled.
OPEN_FOR_ENROLMENT = frozenset({S.RECRUITING})
#: States in which follow-up data may still be recorded.
DATA_OPEN = frozenset({S.RECRUITING, S.FOLLOW_UP})
#: States after the evidence has been analysed.
RESULTS_AVAILABLE = frozenset({S.EVALUATED, S.DECIDED})


def roles_for(source: TrialStatus, target: TrialStatus) -> frozenset[Role]:
    """Roles allowed to move a trial from ``source`` to ``target`` (empty if illegal)."""
    return TRANSITIONS.get((source, target), frozenset())
