"""Editing a draft consent-form version: information sheet, statements and questions.

Only drafts change; every function refuses an approved or superseded version (those are
what participants agreed to). Each change is audited with the values before and after.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.errors import InvalidInput
from trials.consent.models import ComprehensionQuestion, ConsentForm, ConsentStatement
from trials.consent.versions import require_draft, require_manager

MAX_SHEET = 20000
MAX_STATEMENT = 1000
MAX_QUESTION = 500
MAX_OPTION = 200
MAX_EXPLANATION = 1000
MIN_OPTIONS, MAX_OPTIONS = 2, 5

Item = ConsentStatement | ComprehensionQuestion


def _editable(session: Session, form: ConsentForm, actor: User) -> None:
    require_manager(session, form, actor)
    require_draft(form)


def _audit(
    session: Session,
    form: ConsentForm,
    actor: User,
    action: str,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> None:
    session.flush()
    record(
        session,
        actor=actor,
        action=f"consent_form.{action}",
        object_type="consent_form",
        object_id=form.id,
        trial_id=form.trial_id,
        old=old,
        new={"version": form.version, **(new or {})},
    )


def _text(value: str, field: str, empty: str, limit: int, name: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(field, empty)
    if len(text) > limit:
        raise InvalidInput(field, f"{name} must be {limit:,} characters or fewer")
    return text


def update_information_sheet(
    session: Session, form: ConsentForm, *, actor: User, text: str
) -> ConsentForm:
    """Replace the draft's participant information sheet.

    Raises:
        NotPermitted, IllegalTransition: not staff of the running trial, or not a draft.
        InvalidInput: on ``information_sheet`` when empty or too long.
    """
    _editable(session, form, actor)
    sheet = _text(
        text,
        "information_sheet",
        "Enter the information for participants",
        MAX_SHEET,
        "Information for participants",
    )
    old = form.information_sheet
    form.information_sheet = sheet.replace("\r\n", "\n")
    _audit(
        session,
        form,
        actor,
        "information_changed",
        {"information_sheet": old},
        {"information_sheet": form.information_sheet},
    )
    return form


def _statement_values(text: str, is_required: bool) -> dict[str, Any]:
    return {
        "text": _text(text, "text", "Enter the statement", MAX_STATEMENT, "Statement"),
        "is_required": bool(is_required),
    }


def add_statement(
    session: Session, form: ConsentForm, *, actor: User, text: str, is_required: bool
) -> ConsentStatement:
    """Add a statement at the end of the draft.

    Raises:
        NotPermitted, IllegalTransition: as :func:`update_information_sheet`.
        InvalidInput: on ``text`` when empty or too long.
    """
    _editable(session, form, actor)
    values = _statement_values(text, is_required)
    statement = ConsentStatement(position=_next_position(form.statements), **values)
    form.statements.append(statement)
    _audit(session, form, actor, "statement_added", None, values)
    return statement


def edit_statement(
    session: Session,
    form: ConsentForm,
    statement: ConsentStatement,
    *,
    actor: User,
    text: str,
    is_required: bool,
) -> ConsentStatement:
    """Change a statement's words or whether it must be agreed to (same errors as adding)."""
    _editable(session, form, actor)
    _require_on_form(form.statements, statement)
    values = _statement_values(text, is_required)
    old = {"text": statement.text, "is_required": statement.is_required}
    statement.text, statement.is_required = values["text"], values["is_required"]
    _audit(session, form, actor, "statement_changed", old, values)
    return statement


def options_from_lines(text: str) -> list[str]:
    """The answers typed one per line, without blank lines or surrounding spaces."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _question_values(
    text: str, options: Sequence[str], correct_option: int | None, explanation: str
) -> dict[str, Any]:
    answers = [option.strip() for option in options if option.strip()]
    if not MIN_OPTIONS <= len(answers) <= MAX_OPTIONS:
        raise InvalidInput(
            "options", f"Enter between {MIN_OPTIONS} and {MAX_OPTIONS} answers, one per line"
        )
    if len({answer.casefold() for answer in answers}) != len(answers):
        raise InvalidInput("options", "Each answer must be different")
    if any(len(answer) > MAX_OPTION for answer in answers):
        raise InvalidInput("options", f"Each answer must be {MAX_OPTION} characters or fewer")
    if correct_option is None or not 0 <= correct_option < len(answers):
        raise InvalidInput(
            "correct_option", f"Enter the number of the right answer, from 1 to {len(answers)}"
        )
    return {
        "text": _text(text, "text", "Enter the question", MAX_QUESTION, "Question"),
        "options": answers,
        "correct_option": correct_option,
        "explanation": _text(
            explanation,
            "explanation",
            "Enter the explanation shown after a wrong answer",
            MAX_EXPLANATION,
            "Explanation",
        ),
    }


def add_question(
    session: Session,
    form: ConsentForm,
    *,
    actor: User,
    text: str,
    options: Sequence[str],
    correct_option: int | None,
    explanation: str,
) -> ComprehensionQuestion:
    """Add a comprehension question at the end of the draft.

    Args:
        options: the answers offered, in order (2 to 5, all different).
        correct_option: index into ``options`` of the right answer (0 for the first).

    Raises:
        NotPermitted, IllegalTransition: as :func:`update_information_sheet`.
        InvalidInput: on ``text``, ``options``, ``correct_option`` or ``explanation``.
    """
    _editable(session, form, actor)
    values = _question_values(text, options, correct_option, explanation)
    question = ComprehensionQuestion(position=_next_position(form.questions), **values)
    form.questions.append(question)
    _audit(session, form, actor, "question_added", None, values)
    return question


def edit_question(
    session: Session,
    form: ConsentForm,
    question: ComprehensionQuestion,
    *,
    actor: User,
    text: str,
    options: Sequence[str],
    correct_option: int | None,
    explanation: str,
) -> ComprehensionQuestion:
    """Change a comprehension question (same arguments and errors as :func:`add_question`)."""
    _editable(session, form, actor)
    _require_on_form(form.questions, question)
    values = _question_values(text, options, correct_option, explanation)
    old = {key: getattr(question, key) for key in values}
    for key, value in values.items():
        setattr(question, key, value)
    _audit(session, form, actor, "question_changed", old, values)
    return question


def remove_item(session: Session, form: ConsentForm, item: Item, *, actor: User) -> None:
    """Remove a statement or question from the draft; the others close up."""
    _editable(session, form, actor)
    items = _items_of(form, item)
    _require_on_form(items, item)
    items.remove(item)
    _renumber(items)
    kind = _kind(item)
    _audit(session, form, actor, f"{kind}_removed", {"text": item.text})


def move_item(
    session: Session, form: ConsentForm, item: Item, *, actor: User, direction: str
) -> None:
    """Move a statement or question one place ``"up"`` or ``"down"`` (no-op at either end).

    Raises:
        InvalidInput: on ``direction`` when it is neither up nor down.
    """
    _editable(session, form, actor)
    items = _items_of(form, item)
    _require_on_form(items, item)
    if direction not in ("up", "down"):
        raise InvalidInput("direction", "Choose whether to move it up or down")
    ordered = sorted(items, key=lambda entry: entry.position)
    index = ordered.index(item)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return
    # Swap positions, not list places: replacing an entry of the relationship list would
    # orphan (and so delete) it.
    item.position, ordered[other].position = ordered[other].position, item.position
    ordered[index], ordered[other] = ordered[other], ordered[index]
    _audit(
        session,
        form,
        actor,
        f"{_kind(item)}s_reordered",
        None,
        {"order": [entry.text for entry in ordered]},
    )
    # Read the list again in its new order for whatever the caller does next.
    session.expire(form, ["statements" if _kind(item) == "statement" else "questions"])


def _kind(item: Item) -> str:
    return "statement" if isinstance(item, ConsentStatement) else "question"


def _items_of(form: ConsentForm, item: Item) -> list:
    return form.statements if isinstance(item, ConsentStatement) else form.questions


def _require_on_form(items: Sequence[Item], item: Item) -> None:
    if item not in items:
        raise InvalidInput("text", "This item is not on this version of the consent form")


def _next_position(items: Sequence[Item]) -> int:
    return max((item.position for item in items), default=0) + 1


def _renumber(items: Sequence[Item]) -> None:
    for position, item in enumerate(sorted(items, key=lambda entry: entry.position), start=1):
        item.position = position
