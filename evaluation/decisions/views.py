"""The evaluator's decision page: the evidence pack and the adoption decision form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from evaluation.decisions import services
from evaluation.decisions.evidence import Certainty, TierReached, evidence_pack
from evaluation.decisions.forms import DecisionForm
from evaluation.decisions.models import AdoptionDecision
from evaluation.runs.models import AnalysisRun
from livinglab.accounts.roles import Role
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from trials.permissions import can_evaluate
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404

bp = Blueprint("decisions", __name__, url_prefix="/evaluation")

TEMPLATE = "evaluation/decisions/decide.html"


def label_of_choice(value: str | None, choices: type[TierReached] | type[Certainty]) -> str:
    """A stored tier or certainty in words ("Not recorded" for older decisions)."""
    return "Not recorded" if value is None else choices(value).label


@bp.app_template_filter("tier_reached_label")
def tier_reached_label(value: str | None) -> str:
    return label_of_choice(value, TierReached)


@bp.app_template_filter("certainty_label")
def certainty_label(value: str | None) -> str:
    return label_of_choice(value, Certainty)


def _page(trial: Trial, run: AnalysisRun, **context) -> str:
    pack = evidence_pack(db.session, trial, run)
    return render_template(TEMPLATE, trial=trial, pack=pack, **context)


def _recorded(trial: Trial, decision: AdoptionDecision) -> str:
    """The recorded decision beside the evidence of the run it cites."""
    run = db.session.get(AnalysisRun, decision.analysis_run_id)
    return _page(trial, run, decision=decision, form=None)


@bp.route("/trials/<int:trial_id>/decision", methods=["GET", "POST"])
@role_required(Role.EVALUATOR)
def decide(trial_id: int):
    """Read the evidence pack and record (and publish) the adoption decision."""
    trial = get_trial_or_404(
        trial_id, for_user=current_user, action=can_evaluate, particulars=False
    )
    decision = services.get_decision(db.session, trial.id)
    if decision is not None and request.method == "GET":
        return _recorded(trial, decision)
    run = services.decision_run(db.session, trial)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page(trial, run, form=form, decision=None), 422 if form.is_submitted() else 200
    try:
        services.record_decision(
            db.session,
            trial,
            actor=current_user,
            outcome=form.outcome.data,
            reasons=form.reasons.data,
            nice_tier=form.nice_tier.data,
            certainty=form.certainty.data,
            conditions=form.conditions.data,
            cost_note=form.cost_note.data,
            public_summary=form.public_summary.data,
        )
    except InvalidInput as e:
        form[e.field].errors.append(e.message)
        return _page(trial, run, form=form, decision=None), 422
    db.session.commit()
    flash("Adoption decision recorded and the summary published.", "success")
    return redirect(url_for(".decide", trial_id=trial.id))
