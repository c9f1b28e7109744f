"""Review workflow pages: the checklist, ethics references, what changed, the timeline."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials.proposals.models import Trial
from trials.review import checklist, ethics, timeline, versions
from trials.review.views import bp, staff_trial
from trials.review.workflow_forms import (
    ChecklistForm,
    EthicsForm,
    checklist_form,
    ethics_form,
)


def _checklist_page(trial: Trial, form: ChecklistForm | None = None, status: int = 200):
    assessments = checklist.assessments_for(db.session, trial.id)
    page = render_template(
        "review/checklist.html",
        trial=trial,
        form=form or checklist_form(assessments, formdata=None),
        checklist=checklist.CHECKLIST,
        assessments=assessments,
        editable=trial.status in checklist.EDITABLE,
    )
    return page, status


@bp.get("/trials/<int:trial_id>/checklist")
@role_required(Role.RESEARCHER)
def checklist_page(trial_id: int):
    """The six review checklist items with their ratings and notes."""
    return _checklist_page(staff_trial(trial_id))


@bp.post("/trials/<int:trial_id>/checklist")
@role_required(Role.RESEARCHER)
def rate_checklist(trial_id: int):
    """Save the ratings; each change is audited with its old and new value."""
    trial = staff_trial(trial_id)
    form = checklist_form({})
    if not form.validate_on_submit():
        return _checklist_page(trial, form, 422)
    try:
        changed = checklist.rate_checklist(
            db.session, trial, actor=current_user, ratings=form.ratings()
        )
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return _checklist_page(staff_trial(trial_id), form, 422)
    db.session.commit()
    flash(
        f"Checklist saved: {len(changed)} item{'' if len(changed) == 1 else 's'} changed.",
        "success",
    )
    return redirect(url_for(".detail", trial_id=trial.id, _anchor="checklist"))


def _ethics_page(trial: Trial, form: EthicsForm | None = None, status: int = 200):
    page = render_template(
        "review/ethics.html",
        trial=trial,
        form=form or ethics_form(trial, formdata=None),
        editable=trial.status in ethics.EDITABLE,
    )
    return page, status


@bp.get("/trials/<int:trial_id>/ethics")
@role_required(Role.RESEARCHER)
def ethics_page(trial_id: int):
    """The trial's IRAS ID, REC reference and ethics approval date."""
    return _ethics_page(staff_trial(trial_id))


@bp.post("/trials/<int:trial_id>/ethics")
@role_required(Role.RESEARCHER)
def record_ethics(trial_id: int):
    """Record or correct the ethics references; audited with old and new values."""
    trial = staff_trial(trial_id)
    form = EthicsForm()
    if not form.validate_on_submit():
        return _ethics_page(trial, form, 422)
    try:
        ethics.record_ethics(
            db.session,
            trial,
            actor=current_user,
            iras_id=form.iras_id.data,
            rec_reference=form.rec_reference.data,
            approved_on=form.approved_on.data,
        )
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return _ethics_page(staff_trial(trial_id), form, 422)
    db.session.commit()
    flash("Ethics approval recorded.", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


@bp.get("/trials/<int:trial_id>/changes")
@role_required(Role.RESEARCHER)
def changes(trial_id: int):
    """What changed since the previous version, and every version submitted."""
    trial = staff_trial(trial_id)
    trial_versions = versions.list_versions(db.session, trial.id)
    return render_template(
        "review/changes.html",
        trial=trial,
        versions=trial_versions,
        changes=versions.latest_changes(trial_versions),
    )


@bp.get("/trials/<int:trial_id>/timeline")
@role_required(Role.RESEARCHER)
def timeline_page(trial_id: int):
    """Every audit event for the trial, newest first, with who did it."""
    trial = staff_trial(trial_id)
    page = db.paginate(
        timeline.query_trial_timeline(trial.id),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    return render_template(
        "review/timeline.html",
        trial=trial,
        page=page,
        describe=timeline.describe,
        note_of=timeline.note_of,
        actor_name=timeline.actor_name,
    )
