"""The company's trial pages: list, the proposal's steps, submit, withdraw, follow progress."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.db import utcnow
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.sites.services import all_sites
from livinglab.web.forms import show_error
from trials.permissions import can_edit_proposal, is_company_member
from trials.proposals import dashboard, queries, sections, services
from trials.proposals.checklist import missing_items
from trials.proposals.forms import (
    AboutForm,
    WithdrawForm,
    about_form,
    eligibility_form,
    recruitment_form,
)
from trials.proposals.models import Trial
from trials.proposals.sample_size import SampleSize, SampleSizeError, split_evenly
from trials.proposals.sample_size_forms import SampleSizeForm, sample_size_form
from trials.proposals.step_forms import (
    RowsForm,
    design_form,
    measures_form,
    step_errors,
    visits_form,
)
from trials.proposals.steps import BY_SLUG, STEPS, next_step, step_statuses
from trials.queries import get_trial_or_404
from trials.review.comments import company_comments
from trials.review.timeline import company_timeline
from trials.states import TrialStatus, roles_for

bp = Blueprint("proposals", __name__, url_prefix="/proposals")


SAVERS = {
    "about": sections.save_about,
    "design": sections.save_design,
    "sites": sections.save_recruitment,
    "eligibility": sections.save_eligibility,
    "visits": sections.save_visits,
    "measures": sections.save_measures,
}


def _about_form(trial: Trial | None) -> AboutForm:
    products = queries.organisation_products(db.session, current_user.organisation_id)
    return about_form(products, queries.ics_outcome_choices(db.session), trial)


def _step_form(step: str, trial: Trial):
    if step == "about":
        return _about_form(trial)
    if step == "sites":
        return recruitment_form(all_sites(db.session), trial)
    if step == "eligibility":
        return eligibility_form(queries.condition_choices(db.session, keep=trial), trial)
    return {"design": design_form, "visits": visits_form, "measures": measures_form}[step](trial)


def _place_error(form, error: InvalidInput) -> None:
    if isinstance(form, RowsForm):
        form.place_error(form.aliases().get(error.field, error.field), error.message)
    else:
        show_error(form, error, aliases=getattr(form, "aliases", dict)())


def _step_page(step: str, form, trial: Trial | None, status: int):
    page = render_template(
        f"proposals/steps/{step}.html",
        step_form=form,
        errors=step_errors(form),
        trial=trial,
        step=BY_SLUG[step],
        steps=STEPS,
    )
    return page, status


def _after_save(trial_id: int, step: str):
    """ "Save and continue" goes to the next step; the other button (and the last step) to
    the proposal page, where the company checks and submits."""
    following = next_step(step)
    if request.form.get("then") == "return" or following is None:
        return redirect(url_for(".detail", trial_id=trial_id))
    return redirect(url_for(".step", trial_id=trial_id, step=following.slug))


@bp.get("/")
@role_required(Role.COMPANY)
def index():
    """The organisation's dashboard: each trial's state, recruitment by site, decision."""
    page = db.paginate(
        dashboard.query_dashboard_trials(current_user.organisation_id),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    rows = dashboard.dashboard_rows(db.session, list(page.items))
    return render_template("proposals/index.html", page=page, rows=rows)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.COMPANY)
def new():
    """Step 1 for a new proposal: about the trial; saving it creates the draft."""
    form = _about_form(None)
    if not form.validate_on_submit():
        return _step_page("about", form, None, 422 if form.errors else 200)
    try:
        trial = sections.start_proposal(db.session, actor=current_user, about=form.to_draft())
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return _step_page("about", form, None, 422)
    db.session.commit()
    flash("Proposal saved as a draft.", "success")
    return _after_save(trial.id, "about")


@bp.get("/<int:trial_id>")
@role_required(Role.COMPANY)
def detail(trial_id: int):
    """The proposal, what it lacks, its review comments and recruitment totals."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=is_company_member)
    return _detail(trial)


def _detail(
    trial: Trial,
    *,
    withdraw_form: WithdrawForm | None = None,
    refused: bool = False,
    status: int = 200,
):
    can_edit = can_edit_proposal(current_user, trial)
    missing = missing_items(trial, utcnow().date()) if can_edit else []
    page = render_template(
        "proposals/detail.html",
        trial=trial,
        form=withdraw_form,
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        reviews=queries.review_history(db.session, trial.id),
        recruited=queries.recruited_by_site(db.session, trial.id),
        suppress_small=queries.suppress_small,
        company_comments=company_comments(db.session, trial.id),
        company_timeline=company_timeline(db.session, trial.id),
        missing=missing,
        tasks=step_statuses(trial, missing) if can_edit else [],
        refused=refused,
        can_edit=can_edit,
        can_submit=Role.COMPANY in roles_for(trial.status, TrialStatus.SUBMITTED),
        can_withdraw=Role.COMPANY in roles_for(trial.status, TrialStatus.WITHDRAWN),
    )
    return page, status


@bp.get("/<int:trial_id>/edit")
@role_required(Role.COMPANY)
def edit(trial_id: int):
    """The old single edit page: the steps start with "about the trial"."""
    get_trial_or_404(trial_id, for_user=current_user, action=can_edit_proposal)
    return redirect(url_for(".step", trial_id=trial_id, step="about"))


@bp.route("/<int:trial_id>/steps/<step>", methods=["GET", "POST"])
@role_required(Role.COMPANY)
def step(trial_id: int, step: str):
    """One step of the proposal: show its form, save it, then go on or back."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=can_edit_proposal)
    if step not in SAVERS:
        abort(404)
    form = _step_form(step, trial)
    if not form.validate_on_submit():
        return _step_page(step, form, trial, 422 if form.errors else 200)
    try:
        SAVERS[step](db.session, trial, actor=current_user, draft=form.to_draft())
    except InvalidInput as error:
        db.session.rollback()
        _place_error(form, error)
        return _step_page(step, form, trial, 422)
    db.session.commit()
    flash(f"{BY_SLUG[step].title}: saved.", "success")
    return _after_save(trial_id, step)


@bp.post("/<int:trial_id>/submit")
@role_required(Role.COMPANY)
def submit(trial_id: int):
    """Send the proposal for review; refused (409) while the checklist has gaps."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=is_company_member)
    try:
        services.submit_proposal(db.session, trial, actor=current_user, require_complete=True)
    except services.ProposalIncomplete:
        return _detail(trial, refused=True, status=409)
    db.session.commit()
    flash("Proposal submitted. Research staff at the sites will review it.", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


@bp.post("/<int:trial_id>/withdraw")
@role_required(Role.COMPANY)
def withdraw(trial_id: int):
    """Withdraw the proposal before recruitment opens; the reason is recorded."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=is_company_member)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _detail(trial, withdraw_form=form, status=422)
    services.withdraw_proposal(db.session, trial, actor=current_user, reason=form.reason.data)
    db.session.commit()
    flash("Proposal withdrawn.", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


def _calculated(trial: Trial, form: SampleSizeForm) -> SampleSize | None:
    """The calculator's answer, or ``None`` with the reason put by its field."""
    if not form.validate_on_submit():
        return None
    measure = trial.primary_measure
    try:
        return form.calculate(unit=measure.unit if measure else "")
    except SampleSizeError as error:
        show_error(form, InvalidInput(error.field, error.message))
        return None


def _sample_size_page(
    trial: Trial, form: SampleSizeForm, answer: SampleSize | None, use_error: str | None = None
):
    sites = trial.trial_sites
    shares = split_evenly(answer.total, len(sites)) if answer and sites else []
    page = render_template(
        "proposals/sample_size.html",
        trial=trial,
        form=form,
        answer=answer,
        shares=list(zip(sites, shares, strict=False)),
        use_error=use_error,
    )
    failed = form.errors or use_error
    return page, 422 if failed else 200


@bp.route("/<int:trial_id>/sample-size", methods=["GET", "POST"])
@role_required(Role.COMPANY)
def sample_size(trial_id: int):
    """Work out how many participants the trial needs (statsmodels power calculation)."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=can_edit_proposal)
    form = sample_size_form(trial)
    return _sample_size_page(trial, form, _calculated(trial, form))


@bp.post("/<int:trial_id>/sample-size/use")
@role_required(Role.COMPANY)
def use_sample_size(trial_id: int):
    """Share the calculated total across the requested sites and save it as the targets."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=can_edit_proposal)
    form = sample_size_form(trial)
    answer = _calculated(trial, form)
    if answer is None:
        return _sample_size_page(trial, form, None)
    try:
        targets = services.use_sample_size_as_targets(
            db.session, trial, actor=current_user, answer=answer
        )
    except InvalidInput as error:
        db.session.rollback()
        trial = get_trial_or_404(trial_id, for_user=current_user, action=can_edit_proposal)
        return _sample_size_page(trial, form, answer, use_error=error.message)
    db.session.commit()
    flash(
        f"Participant targets set from the sample size: {answer.total} in total, "
        f"shared across {len(targets)} site{'s' if len(targets) != 1 else ''}.",
        "success",
    )
    return redirect(url_for(".detail", trial_id=trial.id))
