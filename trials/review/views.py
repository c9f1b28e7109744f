"""Research staff review proposals for their sites and open and close recruitment."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.db import utcnow
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials.consent.version_queries import ApprovableVersion, approvable_versions
from trials.permissions import is_site_researcher
from trials.proposals.models import RandomisationMethod, Trial, TrialDesign
from trials.proposals.queries import review_history
from trials.queries import get_trial_or_404
from trials.review import checklist, comments, ethics, queries, services, versions
from trials.review.forms import ApprovalForm, ReturnForm, approval_form
from trials.review.models import ReviewOutcome
from trials.review.workflow_forms import CommentForm, queue_filter_form
from trials.states import TrialStatus

bp = Blueprint("review", __name__, url_prefix="/review")


def staff_trial(trial_id: int) -> Trial:
    """The trial, for research staff at one of its sites (else 404 or 403)."""
    return get_trial_or_404(trial_id, for_user=current_user, action=is_site_researcher)


def _workflow(trial: Trial, comment: CommentForm | None) -> dict:
    """What the review page shows besides the proposal: versions, checklist, notes."""
    assessments = checklist.assessments_for(db.session, trial.id)
    trial_versions = versions.list_versions(db.session, trial.id)
    return {
        "versions": trial_versions,
        "changes": versions.latest_changes(trial_versions),
        "checklist": checklist.CHECKLIST,
        "assessments": assessments,
        "checklist_problems": checklist.checklist_problems(assessments),
        "checklist_editable": trial.status in checklist.EDITABLE,
        "ethics_editable": trial.status in ethics.EDITABLE,
        "has_ethics": ethics.has_ethics_approval(trial),
        "comments": comments.staff_comments(db.session, trial.id),
        "comment_form": comment or CommentForm(formdata=None),
    }


def _drafts(trial: Trial) -> list[ApprovableVersion]:
    """The consent-form versions the reviewer may approve with the trial (only in review)."""
    if trial.status is not TrialStatus.IN_REVIEW:
        return []
    return approvable_versions(db.session, trial.id)


def _detail(
    trial: Trial,
    *,
    approve: ApprovalForm | None = None,
    send_back: ReturnForm | None = None,
    comment: CommentForm | None = None,
    status: int = 200,
):
    page = render_template(
        "review/detail.html",
        trial=trial,
        form=approve or send_back or comment,
        approve_form=approve or approval_form(trial, _drafts(trial), formdata=None),
        return_form=send_back or ReturnForm(formdata=None),
        reviews=review_history(db.session, trial.id),
        **_workflow(trial, comment),
    )
    return page, status


@bp.get("/")
@role_required(Role.RESEARCHER)
def queue():
    """Proposals and trials at the researcher's sites, most urgent first, filtered."""
    filters = queries.QueueFilters.from_args(request.args, current_user.site_ids)
    now = utcnow()
    page = db.paginate(
        queries.query_review_queue(current_user.site_ids, filters, now=now),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    return render_template(
        "review/queue.html",
        page=page,
        next_steps=queries.NEXT_STEPS,
        filter_form=queue_filter_form(current_user.sites, filters),
        filtered=filters != queries.QueueFilters(),
        days_waiting=lambda trial: queries.days_waiting(trial, now),
    )


@bp.get("/trials/<int:trial_id>")
@role_required(Role.RESEARCHER)
def detail(trial_id: int):
    """The proposal in full, with the actions its status allows."""
    return _detail(staff_trial(trial_id))


@bp.post("/trials/<int:trial_id>/start")
@role_required(Role.RESEARCHER)
def start(trial_id: int):
    trial = staff_trial(trial_id)
    services.start_review(db.session, trial, actor=current_user)
    db.session.commit()
    flash("Proposal taken into review.", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


@bp.post("/trials/<int:trial_id>/approve")
@role_required(Role.RESEARCHER)
def approve(trial_id: int):
    """Approve for the ticked sites, with the recruitment dates and the consent form version
    chosen; randomisation is set up (the concealed allocation list, for blocks)."""
    trial = staff_trial(trial_id)
    form = approval_form(trial, _drafts(trial))
    if not form.validate_on_submit():
        return _detail(trial, approve=form, status=422)
    try:
        services.approve_trial(db.session, trial, actor=current_user, **form.approval())
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error, aliases={"sites": form.site_fields[0][0]})
        return _detail(staff_trial(trial_id), approve=form, status=422)
    db.session.commit()
    flash(f"Trial approved. {_randomisation_done(trial)}", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


def _randomisation_done(trial: Trial) -> str:
    if trial.design is TrialDesign.SINGLE_ARM:
        return "Single-arm trial: participants start on its one arm without randomisation."
    if trial.randomisation_method is RandomisationMethod.MINIMISATION:
        return "Participants will be allocated by minimisation; the seed is recorded."
    return "The allocation list has been generated and sealed."


@bp.post("/trials/<int:trial_id>/return")
@role_required(Role.RESEARCHER)
def send_back(trial_id: int):
    """Send the proposal back for changes, or reject it, with the reason."""
    trial = staff_trial(trial_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _detail(trial, send_back=form, status=422)
    if form.outcome.data == ReviewOutcome.REJECTED:
        services.reject_trial(db.session, trial, actor=current_user, reason=form.reason.data)
        message = "Proposal rejected. The company can see your reason."
    else:
        services.request_changes(db.session, trial, actor=current_user, reason=form.reason.data)
        message = "Proposal sent back to the company with your reason."
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".detail", trial_id=trial.id))


@bp.post("/trials/<int:trial_id>/open")
@role_required(Role.RESEARCHER)
def open_recruitment(trial_id: int):
    trial = staff_trial(trial_id)
    services.open_recruitment(db.session, trial, actor=current_user)
    db.session.commit()
    flash("Recruitment is open. The trial now shows in the public trial finder.", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


@bp.post("/trials/<int:trial_id>/close")
@role_required(Role.RESEARCHER)
def close_recruitment(trial_id: int):
    trial = staff_trial(trial_id)
    services.close_recruitment(db.session, trial, actor=current_user)
    db.session.commit()
    flash("Recruitment closed. The trial is in follow-up.", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


@bp.post("/trials/<int:trial_id>/comments")
@role_required(Role.RESEARCHER)
def add_comment(trial_id: int):
    """Add a comment to the company (emailed a link) or an internal note for staff."""
    trial = staff_trial(trial_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return _detail(trial, comment=form, status=422)
    try:
        comments.add_comment(
            db.session, trial, actor=current_user, body=form.body.data, is_internal=form.is_internal
        )
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return _detail(staff_trial(trial_id), comment=form, status=422)
    db.session.commit()
    flash(
        "Internal note added."
        if form.is_internal
        else "Comment added. The company has been emailed.",
        "success",
    )
    return redirect(url_for(".detail", trial_id=trial.id, _anchor="comments"))


from trials.review import workflow_views  # noqa: E402, F401  (routes on this blueprint)
