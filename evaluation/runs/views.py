"""The evaluator's pages (lock, run the plan, the report and its downloads) and the
company's results page."""

from __future__ import annotations

import json
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

from evaluation.decisions import services as decisions
from evaluation.plans.services import current_plan
from evaluation.reports.pdf import html_to_pdf
from evaluation.reports.tables import table_csv
from evaluation.runs import jobs, queries, reports, services
from evaluation.runs.forms import LockForm
from evaluation.runs.models import AnalysisRun, RunStatus
from livinglab.accounts.roles import Role
from livinglab.extensions import db
from livinglab.security import role_required
from trials.permissions import can_evaluate
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404

bp = Blueprint("runs", __name__, url_prefix="/evaluation")

PRINT_CSS = "css/report-print.css"


bp.add_app_template_filter(queries.format_estimate, "estimate")
bp.add_app_template_filter(queries.format_p_value, "p_value")


def _detail(trial: Trial, *, status: int = 200, lock_form: LockForm | None = None):
    """Render the evaluator's trial page; a form passed in is the one that failed."""
    result = queries.get_latest_result(db.session, trial)
    plan = current_plan(db.session, trial.id)
    page = render_template(
        "evaluation/runs/detail.html",
        trial=trial,
        form=lock_form,
        lock_form=lock_form if lock_form is not None else LockForm(formdata=None),
        randomised=queries.count_randomised_by_arm(db.session, trial),
        result=result,
        plan=plan,
        runs=queries.recent_runs(db.session, trial.id),
        decision=decisions.get_decision(db.session, trial.id),
        actions=queries.evaluation_actions(trial, result, plan),
    )
    return page, status


@bp.get("/")
@role_required(Role.EVALUATOR)
def index():
    """Trials in follow-up or later, with what the evaluator does next."""
    page = db.paginate(
        queries.query_evaluation_trials(),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    return render_template("evaluation/runs/index.html", page=page, next_steps=queries.NEXT_STEPS)


@bp.get("/trials/<int:trial_id>")
@role_required(Role.EVALUATOR)
def detail(trial_id: int):
    """One trial: arm counts, lock and run forms, the latest result and the decision."""
    trial = get_trial_or_404(
        trial_id, for_user=current_user, action=can_evaluate, particulars=False
    )
    return _detail(trial)


@bp.post("/trials/<int:trial_id>/lock")
@role_required(Role.EVALUATOR)
def lock(trial_id: int):
    """Lock the trial's data so no more values can be recorded."""
    trial = get_trial_or_404(
        trial_id, for_user=current_user, action=can_evaluate, particulars=False
    )
    form = LockForm()
    if not form.validate_on_submit():
        return _detail(trial, status=422, lock_form=form)
    services.lock_trial_data(db.session, trial, actor=current_user, reason=form.reason.data)
    db.session.commit()
    flash("Trial data locked. No more values can be recorded.", "success")
    return redirect(url_for(".detail", trial_id=trial.id))


@bp.post("/trials/<int:trial_id>/run")
@role_required(Role.EVALUATOR)
def run(trial_id: int):
    """Run the locked plan on the locked data: queued on Redis, or here and now."""
    trial = get_trial_or_404(
        trial_id, for_user=current_user, action=can_evaluate, particulars=False
    )
    analysis_run = services.request_run(db.session, trial, actor=current_user)
    db.session.commit()
    jobs.dispatch(analysis_run)
    if analysis_run.status is RunStatus.DONE:
        flash("Analysis run. The report is below.", "success")
    elif analysis_run.status is RunStatus.FAILED:
        flash("The analysis failed. The reason is below.", "error")
    else:
        flash("Analysis queued. This page shows its progress.", "success")
    return redirect(url_for(".report", run_id=analysis_run.id))


def _run_or_404(run_id: int) -> tuple[Trial, AnalysisRun]:
    """The run, if the evaluator may evaluate its trial (else 404/403 as for the trial)."""
    analysis_run = db.get_or_404(AnalysisRun, run_id)
    trial = get_trial_or_404(
        analysis_run.trial_id, for_user=current_user, action=can_evaluate, particulars=False
    )
    return trial, analysis_run


@bp.get("/runs/<int:run_id>")
@role_required(Role.EVALUATOR)
def report(run_id: int):
    """The run's report, or its progress while it is queued or running."""
    trial, analysis_run = _run_or_404(run_id)
    return render_template(
        "evaluation/runs/report.html", **reports.report_context(trial, analysis_run)
    )


@bp.get("/runs/<int:run_id>/report.<any(pdf, html):kind>")
@role_required(Role.EVALUATOR)
def report_file(run_id: int, kind: str):
    """The report as one self-contained file: a PDF (A4, page numbers) for the adoption
    panel's papers, or HTML with its charts inline."""
    trial, analysis_run = _run_or_404(run_id)
    if analysis_run.status is not RunStatus.DONE:
        abort(404)
    # The HTML file carries the print stylesheet inline; WeasyPrint adds it to the PDF.
    css = None if kind == "pdf" else (Path(current_app.static_folder) / PRINT_CSS).read_text()
    html = render_template(
        "evaluation/runs/report_print.html",
        inline_css=css,
        **reports.report_context(trial, analysis_run),
    )
    filename = f"trial-{trial.id}-run-{run_id}.{kind}"
    return Response(
        html_to_pdf(html) if kind == "pdf" else html,
        mimetype="application/pdf" if kind == "pdf" else "text/html",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/runs/<int:run_id>/tables/<name>.csv")
@role_required(Role.EVALUATOR)
def table(run_id: int, name: str):
    """One of the report's tables as CSV (outcomes, subgroups, baseline, safety, consort)."""
    trial, analysis_run = _run_or_404(run_id)
    if analysis_run.status is not RunStatus.DONE or name not in reports.TABLES:
        abort(404)
    rows, columns = reports.TABLES[name](analysis_run.result)
    filename = f"trial-{trial.id}-run-{run_id}-{name}.csv"
    return Response(
        table_csv(rows, columns),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/runs/<int:run_id>/outcomes/<int:index>/<any(dataset, spec):part>")
@role_required(Role.EVALUATOR)
def export(run_id: int, index: int, part: str):
    """An outcome's pseudonymised dataset (CSV) or spec (JSON), to rerun it with
    ``python -m evaluation analyse`` outside the platform."""
    trial, analysis_run = _run_or_404(run_id)
    if analysis_run.status is not RunStatus.DONE:
        abort(404)
    exported = reports.outcome_export(db.session, trial, analysis_run, index)
    if exported is None:
        abort(404)
    frame, spec = exported
    name = f"trial-{trial.id}-run-{run_id}-outcome-{index}"
    if part == "spec":
        return Response(
            json.dumps(spec, indent=2),
            mimetype="application/json",
            headers={"Content-Disposition": f'attachment; filename="{name}-spec.json"'},
        )
    return Response(
        frame.to_csv(index=False),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@bp.get("/trials/<int:trial_id>/results")
@role_required(Role.COMPANY)
def results(trial_id: int):
    """The company's view of a decided trial: aggregate result and the decision."""
    trial, decision, result = queries.get_published_results_or_404(
        db.session, trial_id, for_user=current_user
    )
    return render_template(
        "evaluation/runs/results.html", trial=trial, decision=decision, result=result
    )
