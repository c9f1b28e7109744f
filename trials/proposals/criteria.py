"""The proposal's eligibility section: what the company asks for, checked and described.

The criteria rows themselves belong to :mod:`trials.eligibility`; this module holds the
proposal form's side: the plain values typed in (:class:`EligibilityDraft`), the checks
that need the database (catchment, conditions), writing the row, and the criteria in
words for the company's and the reviewers' pages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.errors import InvalidInput
from livinglab.participants.models import CatchmentArea, Condition, Sex
from trials.eligibility.models import EligibilityCriteria
from trials.proposals.models import Trial

#: The registry is for adults; 95 is the oldest age a trial may set as its limit.
MIN_AGE, MAX_AGE = 18, 95
#: More postcode codes than this is a list of the whole catchment: leave it empty instead.
MAX_POSTCODE_CODES = 30
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: A postcode area (``DT``) or an outward district (``BH8``, ``DT11``, ``EC1A``).
POSTCODE_CODE = re.compile(r"[A-Z]{1,2}(?:[0-9][0-9A-Z]?)?")

#: (choice value, ``EligibilityCriteria`` flag, words on the form and pages).
DIGITAL_NEEDS: tuple[tuple[str, str, str], ...] = (
    ("smartphone", "needs_smartphone", "A smartphone"),
    ("computer_or_tablet", "needs_computer_or_tablet", "A computer or tablet"),
    ("home_internet", "needs_home_internet", "Internet at home"),
)

SEX_WORDS = {
    Sex.FEMALE.value: "Female",
    Sex.MALE.value: "Male",
    Sex.INTERSEX.value: "Intersex",
    Sex.NOT_SAID.value: "People who prefer not to say their sex",
}


@dataclass(frozen=True)
class EligibilityDraft:
    """Who may take part, as typed into the proposal form (codes, not rows)."""

    min_age: int | None = None
    max_age: int | None = None
    #: :class:`~livinglab.participants.models.Sex` values; empty = any sex.
    sexes: tuple[str, ...] = ()
    #: Postcode areas and districts, upper-case; empty = the whole catchment.
    postcode_areas: tuple[str, ...] = ()
    required_conditions: tuple[str, ...] = ()
    excluded_conditions: tuple[str, ...] = ()
    #: Values from :data:`DIGITAL_NEEDS`.
    digital_needs: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (
            self.min_age is not None
            or self.max_age is not None
            or self.sexes
            or self.postcode_areas
            or self.required_conditions
            or self.excluded_conditions
            or self.digital_needs
        )


def split_postcode_codes(text: str) -> list[str]:
    """``"dt, bh8  BH9"`` -> ``["DT", "BH8", "BH9"]``: upper-case, duplicates dropped."""
    codes = (code for code in re.split(r"[\s,;]+", text.upper()) if code)
    return list(dict.fromkeys(codes))


def postcode_code_problem(code: str) -> str | None:
    """Why ``code`` is not a postcode area or district, or ``None`` if it is one."""
    if POSTCODE_CODE.fullmatch(code):
        return None
    return f"{code} is not a postcode area or district: enter codes like DT or BH8"


@dataclass(frozen=True)
class CheckedEligibility:
    """The draft with its codes turned into rows, ready to write."""

    draft: EligibilityDraft
    required: list[Condition]
    excluded: list[Condition]


def check_eligibility(
    session: Session, draft: EligibilityDraft, current: EligibilityCriteria | None
) -> CheckedEligibility:
    """Check the draft's meaning; conditions must be active unless the trial has them.

    Raises:
        InvalidInput: on ``min_age``, ``max_age``, ``sexes``, ``postcode_areas``,
            ``required_conditions``, ``excluded_conditions`` or ``digital_needs``.
    """
    for name, age in (("min_age", draft.min_age), ("max_age", draft.max_age)):
        if age is not None and not MIN_AGE <= age <= MAX_AGE:
            words = "Youngest" if name == "min_age" else "Oldest"
            raise InvalidInput(name, f"{words} age must be between {MIN_AGE} and {MAX_AGE}")
    if draft.min_age is not None and draft.max_age is not None and draft.min_age > draft.max_age:
        raise InvalidInput("max_age", "Oldest age must be the same as or more than youngest age")
    if not set(draft.sexes) <= set(SEX_WORDS):
        raise InvalidInput("sexes", "Select sexes from the list")
    if not draft.digital_needs <= {value for value, _flag, _words in DIGITAL_NEEDS}:
        raise InvalidInput("digital_needs", "Select what participants need from the list")
    _check_postcodes(session, draft.postcode_areas)
    kept = set()
    if current is not None:
        kept = {c.code for c in (*current.required_conditions, *current.excluded_conditions)}
    required = _conditions(session, draft.required_conditions, kept, "required_conditions")
    excluded = _conditions(session, draft.excluded_conditions, kept, "excluded_conditions")
    both = [c.name for c in required if c in excluded]
    if both:
        raise InvalidInput(
            "excluded_conditions",
            f"{both[0]} cannot be both needed and excluded: untick it in one of the lists",
        )
    return CheckedEligibility(draft, required, excluded)


def _check_postcodes(session: Session, codes: Sequence[str]) -> None:
    if len(codes) > MAX_POSTCODE_CODES:
        raise InvalidInput(
            "postcode_areas",
            f"Enter {MAX_POSTCODE_CODES} postcode areas or districts or fewer, or leave it "
            "empty for anywhere in the Living Lab area",
        )
    for code in codes:
        problem = postcode_code_problem(code)
        if problem:
            raise InvalidInput("postcode_areas", problem)
        if not in_catchment(session, code):
            raise InvalidInput(
                "postcode_areas",
                f"{code} is not in the Living Lab area: use BH or DT postcode areas or districts",
            )


def in_catchment(session: Session, code: str) -> bool:
    """True when the area or district ``code`` is in the active Living Lab catchment.

    The same rule as :func:`livinglab.participants.services.is_in_catchment` (a district
    row overrides its area), but the area is the code's *leading* letters: that function
    takes every letter of an outward code, which reads a district such as ``B8H`` as BH.
    """
    area = code[: len(code) - len(code.lstrip(LETTERS))]
    rows = dict(
        session.execute(
            select(CatchmentArea.code, CatchmentArea.is_active).where(
                CatchmentArea.code.in_((code, area))
            )
        ).all()
    )
    if code in rows:
        return rows[code]
    return rows.get(area, False)


def _conditions(
    session: Session, codes: Sequence[str], kept: set[str], field_name: str
) -> list[Condition]:
    if not codes:
        return []
    rows = {c.code: c for c in session.scalars(select(Condition).where(Condition.code.in_(codes)))}
    if set(codes) != set(rows) or any(
        not rows[code].is_active and code not in kept for code in codes
    ):
        raise InvalidInput(field_name, "Select conditions from the list")
    return sorted(rows.values(), key=lambda c: c.name)


def write_eligibility(trial: Trial, checked: CheckedEligibility | None) -> None:
    """Create, change or remove the trial's criteria row (``None`` = no criteria)."""
    if checked is None or checked.draft.is_empty:
        trial.eligibility = None
        return
    draft = checked.draft
    criteria = trial.eligibility or EligibilityCriteria()
    criteria.min_age, criteria.max_age = draft.min_age, draft.max_age
    criteria.sexes = [sex for sex in SEX_WORDS if sex in draft.sexes]
    criteria.postcode_areas = list(draft.postcode_areas)
    for value, flag, _words in DIGITAL_NEEDS:
        setattr(criteria, flag, value in draft.digital_needs)
    criteria.required_conditions = checked.required
    criteria.excluded_conditions = checked.excluded
    trial.eligibility = criteria


def eligibility_snapshot(criteria: EligibilityCriteria | None) -> dict | None:
    """The criteria as plain values, for the audit trail."""
    if criteria is None:
        return None
    return {
        "min_age": criteria.min_age,
        "max_age": criteria.max_age,
        "sexes": list(criteria.sexes or []),
        "postcode_areas": list(criteria.postcode_areas or []),
        "required_conditions": [c.code for c in criteria.required_conditions],
        "excluded_conditions": [c.code for c in criteria.excluded_conditions],
        "digital_needs": [v for v, flag, _w in DIGITAL_NEEDS if getattr(criteria, flag)],
    }


def _ages_in_words(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low} to {high}" if low != high else f"{low} only"
    if low is not None:
        return f"{low} or over"
    if high is not None:
        return f"{MIN_AGE} to {high}"
    return f"Any adult ({MIN_AGE} or over)"


def describe_eligibility(criteria: EligibilityCriteria | None) -> list[tuple[str, str]]:
    """The criteria as (question, answer) rows in plain words; empty when none are set."""
    if criteria is None:
        return []
    sexes = [SEX_WORDS[s] for s in SEX_WORDS if s in (criteria.sexes or [])]
    needs = [words for _v, flag, words in DIGITAL_NEEDS if getattr(criteria, flag)]
    return [
        ("Age", _ages_in_words(criteria.min_age, criteria.max_age)),
        ("Sex", ", ".join(sexes) if sexes else "Any"),
        (
            "Where they live",
            ", ".join(criteria.postcode_areas)
            if criteria.postcode_areas
            else "Anywhere in the Living Lab area",
        ),
        (
            "Must live with at least one of",
            ", ".join(c.name for c in criteria.required_conditions) or "No condition needed",
        ),
        (
            "Must not live with",
            ", ".join(c.name for c in criteria.excluded_conditions) or "No condition excluded",
        ),
        ("Needs", ", ".join(needs) if needs else "Nothing digital"),
    ]
