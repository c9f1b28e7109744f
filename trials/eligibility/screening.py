"""Screening the registry for one trial: counts by criterion and the list of who matches.

Both run in the database over the same clauses as
:func:`~trials.eligibility.rules.eligible_participants_clause` (never a Python loop over
people). Who is screened: residents who opted in to being contacted about studies, whose
account is still open (a deleted account has its opt-in and account switched off) and who
have no enrolment in this trial yet (interested, consented, withdrawn: they have already
been approached). The registry is county-wide; the trial's postcode criterion, when it has
one, is its catchment, and the researcher's own site does not narrow it further.

The list shows the minimum a researcher needs to judge the pool and follow up through the
registry team: a registry reference (``R-000123``, the registry row number, which names no
one), a ten-year age band, the postcode district (``BH8``, never the full postcode) and
where the person stands: invited to this trial (and their answer), or held by another trial
(invited to it, or taking part: no trial named). Names, contact details, NHS numbers, dates
of birth and full postcodes never leave the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.participants.models import Condition, Participant, Sex
from trials.eligibility import rules
from trials.eligibility.models import EligibilityCriteria
from trials.enrolment.models import Enrolment
from trials.invitations import queries as invitation_queries
from trials.invitations.models import InvitationStatus
from trials.proposals.models import Trial
from trials.states import TrialStatus

#: Trials whose registry can be screened: approved (planning recruitment) or recruiting.
SCREENING_STATES = frozenset({TrialStatus.APPROVED, TrialStatus.RECRUITING})

#: Lower edges of the age bands; below the first is "Under 18".
AGE_BANDS = (18, 30, 40, 50, 60, 70, 80)

OPTED_IN = "Opted in to the registry and not yet enrolled in this trial"


@dataclass(frozen=True)
class FunnelStep:
    """How many volunteers match ``label`` and every step above it."""

    label: str
    count: int


#: What the status column says about someone held by another trial (no trial named).
ELSEWHERE_WORDS = {
    invitation_queries.TAKING_PART_ELSEWHERE: "Taking part in another trial",
    invitation_queries.INVITED_ELSEWHERE: "Invited to another trial",
}


@dataclass(frozen=True)
class Volunteer:
    """One row of the eligible list: nothing that identifies the person on its own."""

    participant_id: int
    age_band: str
    postcode_district: str
    #: Their invitation to this trial, if staff have sent one.
    invitation: InvitationStatus | None
    #: ``taking_part`` or ``invited`` when another trial holds them.
    elsewhere: str | None

    @property
    def reference(self) -> str:
        return reference(self.participant_id)

    @property
    def can_be_invited(self) -> bool:
        return self.invitation is None

    @property
    def status(self) -> str:
        """Where the person stands, in staff words; empty when free to invite."""
        if self.invitation is not None:
            return f"{self.invitation.label} (this trial)"
        return ELSEWHERE_WORDS.get(self.elsewhere or "", "")


# Staff words for each criterion ----------------------------------------------------------


def _join(words: list[str]) -> str:
    return ", ".join(words)


def _age_label(criteria: EligibilityCriteria) -> str:
    low, high = criteria.min_age, criteria.max_age
    if low is not None and high is not None:
        return f"Aged {low}" if low == high else f"Aged {low} to {high}"
    return f"Aged {low} or over" if low is not None else f"Aged {high} or under"


def _sex_label(criteria: EligibilityCriteria) -> str:
    sexes = rules.allowed_sexes(criteria) or set()
    named = [sex.label.lower() for sex in Sex if sex in sexes]
    return "Sex: " + (" or ".join(named) if named else "none allowed")


def _conditions(conditions: list[Condition]) -> str:
    return _join([condition.name for condition in conditions])


def _label(key: str, criteria: EligibilityCriteria) -> str:
    if key == "age":
        return _age_label(criteria)
    if key == "sex":
        return _sex_label(criteria)
    if key == "postcode":
        return "Lives in " + _join(rules.postcode_codes(criteria))
    if key == "required_conditions":
        return "Lives with at least one of: " + _conditions(criteria.required_conditions)
    if key == "excluded_conditions":
        return "Does not live with any of: " + _conditions(criteria.excluded_conditions)
    thing = next(thing for k, _flag, _answer, thing in rules.DIGITAL_ACCESS if k == key)
    return f"Has {thing}"


def criterion_clauses(
    criteria: EligibilityCriteria | None, today: dt.date
) -> list[tuple[str, ColumnElement[bool]]]:
    """``(staff label, SQL boolean over Participant)`` per criterion, in the trial's order.

    The clauses are exactly those :func:`rules.eligible_participants_clause` joins with AND.
    """
    return [
        (_label(key, criteria), clause)
        for key, clause in rules.criterion_clauses(criteria, today)
        if criteria is not None
    ]


# Who is screened -------------------------------------------------------------------------


def screened_volunteers(trial_id: int) -> ColumnElement[bool]:
    """Opted in, account open, and no enrolment in this trial (SQL over ``Participant``)."""
    in_this_trial = exists(
        select(Enrolment.id).where(
            Enrolment.trial_id == trial_id, Enrolment.participant_id == Participant.id
        )
    )
    return and_(
        Participant.registry_opt_in.is_(True),
        User.is_active_account.is_(True),
        ~in_this_trial,
    )


def _registry() -> Select:
    return select().select_from(Participant).join(User, User.id == Participant.user_id)


def screening_funnel(session: Session, trial: Trial, today: dt.date) -> list[FunnelStep]:
    """The screened volunteers, then how many also match each criterion in turn: one query.

    ``trial.eligibility`` must be loaded (``None`` means no criteria).
    """
    clauses = criterion_clauses(trial.eligibility, today)
    columns = [func.count()]
    for position in range(1, len(clauses) + 1):
        prefix = and_(*(clause for _label, clause in clauses[:position]))
        columns.append(func.coalesce(func.sum(case((prefix, 1), else_=0)), 0))
    query = _registry().add_columns(*columns).where(screened_volunteers(trial.id))
    counts = session.execute(query).one()
    labels = [OPTED_IN, *(label for label, _clause in clauses)]
    return [FunnelStep(label, int(n)) for label, n in zip(labels, counts, strict=True)]


# The list --------------------------------------------------------------------------------


def _age_band(today: dt.date) -> ColumnElement[str]:
    """The ten-year band in SQL from the date of birth, which itself is never selected."""
    born = Participant.date_of_birth
    whens = []
    for low, high in zip(reversed(AGE_BANDS), (None, *reversed(AGE_BANDS[1:])), strict=True):
        bound = rules.latest_birth_date(today, low)
        assert bound is not None  # bands are small ages
        whens.append((born <= bound, f"{low} or over" if high is None else f"{low} to {high - 1}"))
    return case(*whens, else_=f"Under {AGE_BANDS[0]}")


def _postcode_district() -> ColumnElement[str]:
    """``BH8`` of ``BH8 8DL``: the inward code is always three characters after a space."""
    postcode = Participant.postcode
    return case(
        (postcode.contains(" "), func.substr(postcode, 1, func.length(postcode) - 4)),
        else_=postcode,
    )


def query_eligible(trial: Trial, today: dt.date) -> Select:
    """The screened volunteers who meet every criterion, oldest registration first.

    ``trial.eligibility`` must be loaded. Paginate with :class:`VolunteerPagination`.
    """
    criteria = trial.eligibility
    return (
        _registry()
        .add_columns(
            Participant.id,
            _age_band(today).label("age_band"),
            _postcode_district().label("postcode_district"),
            invitation_queries.invitation_status_here(trial.id).label("invitation"),
            invitation_queries.elsewhere_status(trial.id).label("elsewhere"),
        )
        .where(screened_volunteers(trial.id), rules.eligible_participants_clause(criteria, today))
        .order_by(Participant.id)
    )


def reference(participant_id: int) -> str:
    return f"R-{participant_id:06d}"


class VolunteerPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination over a select of columns, as :class:`Volunteer` rows."""

    def _query_items(self) -> list[Volunteer]:
        query = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        rows = self._query_args["session"].execute(query)
        return [
            Volunteer(
                row.id,
                row.age_band,
                row.postcode_district,
                InvitationStatus(row.invitation) if row.invitation else None,
                row.elsewhere,
            )
            for row in rows
        ]
