"""A proposal's documents: the company uploads them while it can edit; reviewers read them."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.documents import services, web
from livinglab.documents.forms import DeleteForm, TrialUploadForm
from livinglab.documents.queries import get_document_or_404, query_documents
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials import permissions
from trials.proposals.documents import (
    TRIAL_DOCUMENT_KINDS,
    add_trial_document,
    remove_trial_document,
)
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404, trial_with_details

bp = Blueprint("proposal_documents", __name__, url_prefix="/proposals/<int:trial_id>/documents")

#: Everyone who may see a trial at all; the trial loader then checks this trial.
READERS = (Role.COMPANY, Role.RESEARCHER, Role.EVALUATOR, Role.ADMIN)


def _upload_form(formdata: bool = True) -> TrialUploadForm:
    form = TrialUploadForm() if formdata else TrialUploadForm(formdata=None)
    return form.offer(TRIAL_DOCUMENT_KINDS)


def _page(trial: Trial, *, upload_form: TrialUploadForm | None = None, status: int = 200):
    documents = db.paginate(
        query_documents(trial_id=trial.id),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    page = render_template(
        "proposal_documents/index.html",
        trial=trial,
        documents=documents,
        form=upload_form,
        upload_form=upload_form or _upload_form(formdata=False),
        delete_form=DeleteForm(formdata=None),
        can_edit=permissions.can_edit_proposal(current_user, trial),
        is_member=permissions.is_company_member(current_user, trial),
        max_size=services.size_in_words(current_app.config["DOCUMENT_MAX_BYTES"]),
    )
    return page, status


@bp.get("")
@role_required(*READERS)
def index(trial_id: int):
    """The proposal's documents, and the upload form while the company can edit."""
    return _page(get_trial_or_404(trial_id, for_user=current_user))


@bp.post("")
@role_required(Role.COMPANY)
def upload(trial_id: int):
    """Add a protocol, participant material, ethics approval or other document."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=permissions.can_edit_proposal)
    form = _upload_form()
    if not form.validate_on_submit():
        return _page(trial, upload_form=form, status=422)
    store = services.default_store()
    try:
        document = add_trial_document(
            db.session,
            trial,
            actor=current_user,
            kind=form.kind.data,
            upload=services.Upload(form.file.data.filename or "", form.file.data.stream),
            store=store,
        )
    except InvalidInput as error:
        # Refused before anything was written; the loaded trial stays usable for the page.
        show_error(form, error)
        return _page(trial, upload_form=form, status=422)
    web.commit_upload(db.session, store, document)
    flash(f"{document.original_filename} uploaded.", "success")
    return redirect(url_for(".index", trial_id=trial.id))


@bp.get("/<int:document_id>")
@role_required(*READERS)
def download(trial_id: int, document_id: int):
    """Download one of the proposal's documents as it was uploaded."""
    trial = get_trial_or_404(trial_id, for_user=current_user)
    document = get_document_or_404(db.session, document_id, trial_id=trial.id)
    return web.download(document, services.default_store())


@bp.post("/<int:document_id>/delete")
@role_required(Role.COMPANY)
def delete(trial_id: int, document_id: int):
    """Delete a document while the proposal can still be edited."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=permissions.can_edit_proposal)
    document = get_document_or_404(db.session, document_id, trial_id=trial.id)
    name = document.original_filename
    key = remove_trial_document(db.session, trial, document, actor=current_user)
    db.session.commit()
    services.default_store().remove(key)
    flash(f"{name} deleted.", "success")
    return redirect(url_for(".index", trial_id=trial.id))


@bp.errorhandler(413)
def too_large(error):
    """A request bigger than MAX_CONTENT_LENGTH: say so next to the file box."""
    trial = db.session.scalar(
        trial_with_details().where(Trial.id == (request.view_args or {}).get("trial_id", 0))
    )
    if not (
        current_user.is_authenticated
        and trial is not None
        and permissions.can_edit_proposal(current_user, trial)
    ):
        return web.too_large_page()
    form = _upload_form(formdata=False)
    form.file.errors = [services.too_large_message(current_app.config["DOCUMENT_MAX_BYTES"])]
    return _page(trial, upload_form=form, status=413)
