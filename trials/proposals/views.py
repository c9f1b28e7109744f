"""The company's trial pages: list, draft, edit, submit, withdraw, follow progress."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.sites.services import all_sites
from livinglab.web.forms import show_error
from trials.permissions import can_edit_proposal, is_company_member
from trials.proposals import queries, services
from trials.proposals.forms import ProposalForm, WithdrawForm, proposal_form
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404
from trials.states import TrialStatus, roles_for

bp = Blueprint("proposals", __name__, url_prefix="/proposals")


def _form(trial: Trial | None = None) -> ProposalForm:
    products = queries.organisation_products(db.session, current_user.organisation_id)
    return proposal_form(products, all_sites(db.session), trial)


def _form_page(form: ProposalForm, trial: Trial | None, status: int):
    page = render_template("proposals/form.html", form=form, trial=trial)
    return page, status


def _aliases(form: ProposalForm) -> dict[str, str]:
    return {"sites": form.site_fields[0][0]} if form.site_fields else {}


@bp.get("/")
@role_required(Role.COMPANY)
def index():
    """The organisation's trials and where each one is."""
    page = db.paginate(
        queries.query_organisation_trials(current_user.organisation_id),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    return render_template("proposals/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.COMPANY)
def new():
    """Draft a two-arm 1:1 trial of one of the organisation's products."""
    form = _form()
    if not form.validate_on_submit():
        return _form_page(form, None, 422 if form.errors else 200)
    try:
        trial = services.draft_proposal(db.session, actor=current_user, draft=form.to_draft())
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error, aliases=_aliases(form))
        return _form_page(form, None, 422)
    db.session.commit()
    flash("Proposal saved as a draft. Check it, then submit it for review.", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


@bp.get("/<int:trial_id>")
@role_required(Role.COMPANY)
def detail(trial_id: int):
    """The proposal, its review comments and recruitment totals (never identities)."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=is_company_member)
    return _detail(trial)


def _detail(trial: Trial, *, withdraw_form: WithdrawForm | None = None, status: int = 200):
    page = render_template(
        "proposals/detail.html",
        trial=trial,
        form=withdraw_form,
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        reviews=queries.review_history(db.session, trial.id),
        recruited=queries.recruited_by_site(db.session, trial.id),
        can_edit=can_edit_proposal(current_user, trial),
        can_submit=Role.COMPANY in roles_for(trial.status, TrialStatus.SUBMITTED),
        can_withdraw=Role.COMPANY in roles_for(trial.status, TrialStatus.WITHDRAWN),
    )
    return page, status


@bp.route("/<int:trial_id>/edit", methods=["GET", "POST"])
@role_required(Role.COMPANY)
def edit(trial_id: int):
    """Change a draft, or a proposal the reviewers sent back."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=can_edit_proposal)
    form = _form(trial)
    if not form.validate_on_submit():
        return _form_page(form, trial, 422 if form.errors else 200)
    try:
        services.revise_proposal(db.session, trial, actor=current_user, draft=form.to_draft())
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error, aliases=_aliases(form))
        return _form_page(form, trial, 422)
    db.session.commit()
    flash("Proposal updated.", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


@bp.post("/<int:trial_id>/submit")
@role_required(Role.COMPANY)
def submit(trial_id: int):
    """Send the proposal to the sites' research staff for review."""
    trial = get_trial_or_404(trial_id, for_user=current_user, action=is_company_member)
    services.submit_proposal(db.session, trial, actor=current_user)
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
