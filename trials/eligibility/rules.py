"""One eligibility definition, two ways: checked in Python for one resident, compiled to SQL.

:func:`check` explains, criterion by criterion and in words written to the resident, whether
one participant can take part. :func:`eligible_participants_clause` turns the same criteria
into a boolean SQL expression over :class:`~livinglab.participants.models.Participant` to
screen the whole registry in the database. Property tests check that the two agree.

No Flask here: the views, services and the screening queries all call these functions.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true

from livinglab.participants.models import Condition, Participant, Sex, participant_conditions
from trials.eligibility.models import EligibilityCriteria

UK_TIME = ZoneInfo("Europe/London")
LETTERS = string.ascii_uppercase

#: Said when a participant has not answered a digital-access question. My data does not
#: (yet) let residents change these answers, so we say so rather than point nowhere.
NOT_ANSWERED = (
    "You have not told us whether you have {thing}, so we cannot count this as met. "
    "You cannot add this answer online at the moment."
)

#: (criterion key, ``EligibilityCriteria`` flag, ``Participant`` answer, plain words).
DIGITAL_ACCESS = (
    ("smartphone", "needs_smartphone", "has_smartphone", "a smartphone"),
    (
        "computer_or_tablet",
        "needs_computer_or_tablet",
        "has_computer_or_tablet",
        "a computer or tablet",
    ),
    ("home_internet", "needs_home_internet", "has_home_internet", "internet at home"),
)


@dataclass(frozen=True)
class CriterionResult:
    """Whether one criterion is met, in words written to the resident.

    ``text`` states the requirement ("You need to be aged between 18 and 65") whether or
    not it is met: the page shows "You meet this" or "You do not meet this" beside it.
    ``detail`` adds why it could not be checked, when that is the reason it is not met.
    """

    key: str
    met: bool
    text: str
    detail: str | None = None


def today_in_uk() -> dt.date:
    """The date in the UK now: ages change at midnight UK time, not UTC."""
    return dt.datetime.now(UK_TIME).date()


# Reading the criteria -------------------------------------------------------------------


def allowed_sexes(criteria: EligibilityCriteria) -> set[Sex] | None:
    """The sexes allowed, or ``None`` for any; unknown stored values are ignored."""
    if not criteria.sexes:
        return None
    known = {sex.value for sex in Sex}
    return {Sex(value) for value in criteria.sexes if value in known}


def postcode_codes(criteria: EligibilityCriteria) -> list[str]:
    """The postcode areas (``DT``) and districts (``BH8``), upper-case without spaces."""
    codes = ("".join(str(code).split()).upper() for code in criteria.postcode_areas or [])
    return list(dict.fromkeys(code for code in codes if code))


def _is_area(code: str) -> bool:
    return code.isalpha()


def outward_code(postcode: str) -> str:
    """The part before the space: ``BH8`` of ``BH8 8DL``."""
    return postcode.strip().upper().split(" ")[0]


def postcode_area(postcode: str) -> str:
    """The letters before the first digit: ``B`` of ``B1 1AA``, ``BH`` of ``BH8 8DL``."""
    outward = outward_code(postcode)
    letters = len(outward) - len(outward.lstrip(LETTERS))
    return outward[:letters]


def _ids(conditions: list[Condition]) -> set[int]:
    return {condition.id for condition in conditions}


# Plain words ----------------------------------------------------------------------------


def _age_text(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        if low == high:
            return f"You need to be aged {low}"
        return f"You need to be aged between {low} and {high}"
    if low is not None:
        return f"You need to be aged {low} or over"
    return f"You need to be aged {high} or under"


def _or_list(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _sex_text(sexes: set[Sex]) -> str:
    named = [sex.label.lower() for sex in Sex if sex in sexes and sex is not Sex.NOT_SAID]
    said = f"whose sex is {_or_list(named)}" if named else ""
    not_said = "who preferred not to say their sex" if Sex.NOT_SAID in sexes else ""
    if not said and not not_said:
        return "This trial is not open to anyone at the moment"
    return "This trial is only for people " + ", or ".join(p for p in (said, not_said) if p)


def _article(code: str) -> str:
    """``an`` before a letter said with a vowel sound (an SP postcode), else ``a``."""
    return "an" if code[:1] in set("AEFHILMNORSX") else "a"


def _postcode_text(codes: list[str]) -> str:
    if len(codes) == 1:
        return f"You need to live in {_article(codes[0])} {codes[0]} postcode"
    return "You need to live in one of these postcode areas: " + ", ".join(codes)


def _condition_name(condition: Condition) -> str:
    """``type 2 diabetes`` but ``COPD (...)``: lower-case unless it starts with capitals."""
    name = condition.name
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def _required_text(conditions: list[Condition]) -> str:
    names = [_condition_name(c) for c in conditions]
    if len(names) == 1:
        return f"This trial is for people who live with {names[0]}"
    return "This trial is for people who live with at least one of these: " + ", ".join(names)


def _excluded_text(conditions: list[Condition]) -> str:
    names = [_condition_name(c) for c in conditions]
    if len(names) == 1:
        return f"This trial is not for people who live with {names[0]}"
    return "This trial is not for people who live with any of these: " + ", ".join(names)


def requirements(criteria: EligibilityCriteria | None) -> list[CriterionResult]:
    """Every criterion that applies, in plain words, for anyone to read (``met`` is True)."""
    if criteria is None:
        return []
    found: list[CriterionResult] = []
    if criteria.min_age is not None or criteria.max_age is not None:
        found.append(CriterionResult("age", True, _age_text(criteria.min_age, criteria.max_age)))
    sexes = allowed_sexes(criteria)
    if sexes is not None:
        found.append(CriterionResult("sex", True, _sex_text(sexes)))
    codes = postcode_codes(criteria)
    if codes:
        found.append(CriterionResult("postcode", True, _postcode_text(codes)))
    for key, flag, _answer, thing in DIGITAL_ACCESS:
        if getattr(criteria, flag):
            found.append(CriterionResult(key, True, f"You need to have {thing}"))
    if criteria.required_conditions:
        text = _required_text(criteria.required_conditions)
        found.append(CriterionResult("required_conditions", True, text))
    if criteria.excluded_conditions:
        text = _excluded_text(criteria.excluded_conditions)
        found.append(CriterionResult("excluded_conditions", True, text))
    return found


# Python: one participant ----------------------------------------------------------------


def _postcode_matches(postcode: str, codes: list[str]) -> bool:
    outward, area = outward_code(postcode), postcode_area(postcode)
    return any(code == (area if _is_area(code) else outward) for code in codes)


def _is_met(
    key: str, criteria: EligibilityCriteria, participant: Participant, today: dt.date
) -> bool:
    if key == "age":
        age = participant.age_on(today)
        too_young = criteria.min_age is not None and age < criteria.min_age
        too_old = criteria.max_age is not None and age > criteria.max_age
        return not too_young and not too_old
    if key == "sex":
        return participant.sex in (allowed_sexes(criteria) or set())
    if key == "postcode":
        return _postcode_matches(participant.postcode, postcode_codes(criteria))
    has = _ids(participant.conditions)
    if key == "required_conditions":
        return bool(has & _ids(criteria.required_conditions))
    if key == "excluded_conditions":
        return not has & _ids(criteria.excluded_conditions)
    answer = next(answer for k, _flag, answer, _thing in DIGITAL_ACCESS if k == key)
    return getattr(participant, answer) is True


def _not_answered(key: str, participant: Participant) -> str | None:
    for k, _flag, answer, thing in DIGITAL_ACCESS:
        if k == key and getattr(participant, answer) is None:
            return NOT_ANSWERED.format(thing=thing)
    return None


def check(
    criteria: EligibilityCriteria | None, participant: Participant, today: dt.date
) -> list[CriterionResult]:
    """One result per criterion that applies to the trial, for this participant on ``today``.

    No criteria (``None``) means no restriction: the list is empty. A digital-access
    question the participant did not answer counts as not met, and ``detail`` says so.
    """
    if criteria is None:
        return []
    results = []
    for requirement in requirements(criteria):
        met = _is_met(requirement.key, criteria, participant, today)
        detail = None if met else _not_answered(requirement.key, participant)
        results.append(CriterionResult(requirement.key, met, requirement.text, detail))
    return results


def is_eligible(
    criteria: EligibilityCriteria | None, participant: Participant, today: dt.date
) -> bool:
    return all(result.met for result in check(criteria, participant, today))


# SQL: the whole registry ----------------------------------------------------------------


def latest_birth_date(today: dt.date, years: int) -> dt.date | None:
    """The last date of birth of someone aged at least ``years`` on ``today``.

    Someone born on 29 February has their birthday on 1 March in other years (as
    :meth:`Participant.age_on` counts), so on 28 February of such a year the bound is the
    28th. ``None`` when nobody can be that old; ``date.max`` when everyone is.
    """
    year = today.year - years
    if year < dt.MINYEAR:
        return None
    if year > dt.MAXYEAR:
        return dt.date.max
    try:
        return today.replace(year=year)
    except ValueError:  # today is 29 February and ``year`` is not a leap year
        return dt.date(year, 2, 28)


def _age_clause(criteria: EligibilityCriteria, today: dt.date) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    born = Participant.date_of_birth
    if criteria.min_age is not None:
        bound = latest_birth_date(today, criteria.min_age)
        clauses.append(false() if bound is None else born <= bound)
    if criteria.max_age is not None:
        # Aged at most N = not yet aged N + 1.
        bound = latest_birth_date(today, criteria.max_age + 1)
        clauses.append(true() if bound is None else born > bound)
    return clauses


def _postcode_clause(code: str) -> ColumnElement[bool]:
    postcode = Participant.postcode
    if _is_area(code):
        # The area is all the leading letters: "B" must not be followed by another letter,
        # so that it does not match "BH8 8DL".
        return and_(
            func.substr(postcode, 1, len(code)) == code,
            func.substr(postcode, len(code) + 1, 1).not_in(list(LETTERS)),
        )
    return or_(postcode == code, func.substr(postcode, 1, len(code) + 1) == f"{code} ")


def _has_any_condition(condition_ids: set[int]) -> ColumnElement[bool]:
    return exists(
        select(participant_conditions.c.participant_id).where(
            participant_conditions.c.participant_id == Participant.id,
            participant_conditions.c.condition_id.in_(sorted(condition_ids)),
        )
    )


def criterion_clauses(
    criteria: EligibilityCriteria | None, today: dt.date
) -> list[tuple[str, ColumnElement[bool]]]:
    """One ``(key, SQL boolean over Participant)`` per criterion, in :func:`requirements` order.

    The keys are those of :func:`requirements` and :func:`check`; the registry screen counts
    the people who pass each prefix of this list, and :func:`eligible_participants_clause`
    is all of them together.
    """
    if criteria is None:
        return []
    clauses: list[tuple[str, ColumnElement[bool]]] = []
    age = _age_clause(criteria, today)
    if age:
        clauses.append(("age", and_(*age)))
    sexes = allowed_sexes(criteria)
    if sexes is not None:
        clauses.append(("sex", Participant.sex.in_(sorted(sexes)) if sexes else false()))
    codes = postcode_codes(criteria)
    if codes:
        clauses.append(("postcode", or_(*(_postcode_clause(code) for code in codes))))
    for key, flag, answer, _thing in DIGITAL_ACCESS:
        if getattr(criteria, flag):
            clauses.append((key, getattr(Participant, answer).is_(True)))
    if criteria.required_conditions:
        required = _has_any_condition(_ids(criteria.required_conditions))
        clauses.append(("required_conditions", required))
    if criteria.excluded_conditions:
        excluded = ~_has_any_condition(_ids(criteria.excluded_conditions))
        clauses.append(("excluded_conditions", excluded))
    return clauses


def eligible_participants_clause(
    criteria: EligibilityCriteria | None, today: dt.date
) -> ColumnElement[bool]:
    """A boolean SQL expression over ``Participant``: true for those :func:`check` passes.

    Use it in ``select(Participant).where(...)`` to screen the registry in one query.
    """
    return and_(true(), *(clause for _key, clause in criterion_clauses(criteria, today)))
