"""The draft consent-form editor for staff: information sheet, statements and questions.

Routed by :mod:`trials.consent.version_views`. Every page refuses an approved or superseded
version (409): what participants agreed to never changes.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials.consent import drafts
from trials.consent.models import ConsentForm
from trials.consent.version_forms import (
    ActionForm,
    InformationSheetForm,
    MoveForm,
    QuestionForm,
    StatementForm,
)
from trials.consent.version_loaders import draft_for_editing, item_or_404
from trials.proposals.models import Trial


def _to_editor(trial: Trial, form: ConsentForm, message: str):
    flash(message, "success")
    return redirect(url_for(".edit", trial_id=trial.id, form_id=form.id))


def _showing(existing: object | None) -> bool:
    """True when the page shows ``existing``'s stored values (a GET), not what was posted."""
    return existing is not None and request.method == "GET"


def _form_page(template: str, status: int = 200, **context):
    return render_template(f"consent_versions/{template}", **context), status


@role_required(Role.RESEARCHER)
def edit(trial_id: int, form_id: int):
    """The draft at a glance, with links to change each part and to approve it."""
    trial, version = draft_for_editing(trial_id, form_id)
    return render_template(
        "consent_versions/edit.html", trial=trial, version=version, action_form=ActionForm()
    )


@role_required(Role.RESEARCHER)
def edit_information(trial_id: int, form_id: int):
    """Change the participant information sheet."""
    trial, version = draft_for_editing(trial_id, form_id)
    form = (
        InformationSheetForm(data={"information_sheet": version.information_sheet})
        if _showing(version)
        else InformationSheetForm()
    )
    page = {"trial": trial, "version": version, "form": form}
    if not form.validate_on_submit():
        return _form_page("information_form.html", 422 if form.errors else 200, **page)
    try:
        drafts.update_information_sheet(
            db.session, version, actor=current_user, text=form.information_sheet.data
        )
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return _form_page("information_form.html", 422, **page)
    db.session.commit()
    return _to_editor(trial, version, "Information for participants saved.")


def _statement_page(trial_id: int, form_id: int, item_id: int | None):
    trial, version = draft_for_editing(trial_id, form_id)
    statement = item_or_404(version, "statements", item_id) if item_id else None
    form = StatementForm.of(statement) if _showing(statement) else StatementForm()
    page = {"trial": trial, "version": version, "form": form, "statement": statement}
    if not form.validate_on_submit():
        return _form_page("statement_form.html", 422 if form.errors else 200, **page)
    values = {"text": form.text.data, "is_required": form.is_required}
    try:
        if statement is None:
            drafts.add_statement(db.session, version, actor=current_user, **values)
        else:
            drafts.edit_statement(db.session, version, statement, actor=current_user, **values)
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return _form_page("statement_form.html", 422, **page)
    db.session.commit()
    return _to_editor(
        trial, version, "Statement added." if statement is None else "Statement saved."
    )


@role_required(Role.RESEARCHER)
def add_statement(trial_id: int, form_id: int):
    """Add a statement participants agree to (required or optional)."""
    return _statement_page(trial_id, form_id, None)


@role_required(Role.RESEARCHER)
def edit_statement(trial_id: int, form_id: int, item_id: int):
    """Change a statement's words, or whether participants must agree to it."""
    return _statement_page(trial_id, form_id, item_id)


def _question_page(trial_id: int, form_id: int, item_id: int | None):
    trial, version = draft_for_editing(trial_id, form_id)
    question = item_or_404(version, "questions", item_id) if item_id else None
    form = QuestionForm.of(question) if _showing(question) else QuestionForm()
    page = {"trial": trial, "version": version, "form": form, "question": question}
    if not form.validate_on_submit():
        return _form_page("question_form.html", 422 if form.errors else 200, **page)
    values = {
        "text": form.text.data,
        "options": form.option_list(),
        "correct_option": form.correct_index(),
        "explanation": form.explanation.data,
    }
    try:
        if question is None:
            drafts.add_question(db.session, version, actor=current_user, **values)
        else:
            drafts.edit_question(db.session, version, question, actor=current_user, **values)
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return _form_page("question_form.html", 422, **page)
    db.session.commit()
    return _to_editor(trial, version, "Question added." if question is None else "Question saved.")


@role_required(Role.RESEARCHER)
def add_question(trial_id: int, form_id: int):
    """Add a question that checks participants understood a key point."""
    return _question_page(trial_id, form_id, None)


@role_required(Role.RESEARCHER)
def edit_question(trial_id: int, form_id: int, item_id: int):
    """Change a comprehension question, its answers or its explanation."""
    return _question_page(trial_id, form_id, item_id)


@role_required(Role.RESEARCHER)
def remove_item(trial_id: int, form_id: int, kind: str, item_id: int):
    """Remove a statement or question from the draft."""
    trial, version = draft_for_editing(trial_id, form_id)
    item = item_or_404(version, kind, item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    drafts.remove_item(db.session, version, item, actor=current_user)
    db.session.commit()
    return _to_editor(
        trial, version, f"{'Statement' if kind == 'statements' else 'Question'} removed."
    )


@role_required(Role.RESEARCHER)
def move_item(trial_id: int, form_id: int, kind: str, item_id: int):
    """Move a statement or question one place up or down."""
    trial, version = draft_for_editing(trial_id, form_id)
    item = item_or_404(version, kind, item_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    drafts.move_item(db.session, version, item, actor=current_user, direction=form.direction.data)
    db.session.commit()
    return _to_editor(trial, version, "Order saved.")
