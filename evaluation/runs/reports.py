"""What the report page, its PDF and its CSV tables read from a stored run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from evaluation.dataset import build_long_dataset
from evaluation.plans.models import AnalysisPlan
from evaluation.runs.models import AnalysisRun, RunStatus
from evaluation.runs.pipeline import outcome_inputs, plan_context
from evaluation.runs.queries import primary_result
from evaluation.stats.provenance import fingerprint
from trials.proposals.models import Trial

Rows = tuple[list[dict[str, Any]], list[str]]


def report_context(trial: Trial, run: AnalysisRun) -> dict[str, Any]:
    """Template variables for ``report.html`` and ``report_print.html``."""
    done = run.status is RunStatus.DONE
    result = run.result if done else None
    return {
        "trial": trial,
        "run": run,
        "result": result,
        "primary": primary_result(run) if done else None,
        "consort": result["consort"] if result else None,
        "consort_image": result["charts"]["consort"] if result else None,
        "consort_alt": result["charts"]["consort_alt"] if result else None,
        "baseline": result["baseline"] if result else None,
        "safety": result["safety"] if result else None,
        "forest": result["charts"]["forest"] if result else None,
        "tables": list(TABLES),
        # While a queued run waits for a worker the page reloads itself.
        "refresh": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
    }


def outcome_rows(result: dict[str, Any]) -> Rows:
    rows = [
        {
            "measure": o["measure"],
            "role": o["role"],
            "analysis": o["label"],
            "visit": o["visit"] or "every follow-up visit",
            "comparison": e["arm"],
            "scale": e["scale"],
            "estimate": e["estimate"],
            "ci_low": e["ci_low"],
            "ci_high": e["ci_high"],
            "p": e["p"],
            "p_holm": e.get("p_adjusted"),
            "n_participants": (o["result"] or {}).get("n_participants"),
            "error": o["error"] or "",
        }
        for o in result["outcomes"]
        for e in (
            o["effects"]
            or [
                {
                    "arm": "",
                    "scale": "",
                    "estimate": None,
                    "ci_low": None,
                    "ci_high": None,
                    "p": None,
                }
            ]
        )
    ]
    return rows, list(rows[0]) if rows else ["measure"]


def subgroup_rows(result: dict[str, Any]) -> Rows:
    rows = [
        {
            "subgroup": group.get("subgroup"),
            "level": level["level"],
            "n_participants": level["n_participants"],
            "term": effect["term"],
            "estimate": effect["estimate"],
            "ci_low": effect["ci_low"],
            "ci_high": effect["ci_high"],
            "p": effect["p"],
            "interaction_p": group.get("interaction_p"),
            "note": level.get("note") or "",
        }
        for group in result["subgroups"]
        for level in group.get("levels", [])
        for effect in level["effects"]
        if effect["term"].startswith("arm[")
    ]
    columns = ["subgroup", "level", "n_participants", "term", "estimate", "ci_low", "ci_high"]
    return rows, [*columns, "p", "interaction_p", "note"]


def baseline_rows(result: dict[str, Any]) -> Rows:
    table = result["baseline"]
    columns = ["section", "characteristic", *table["columns"]]
    rows = [
        {"section": row["section"], "characteristic": row["label"], **row["texts"]}
        for row in table["rows"]
    ]
    return rows, columns


def safety_rows(result: dict[str, Any]) -> Rows:
    summary = result["safety"]
    fields = [
        "randomised",
        "participants_with_event",
        "events",
        "serious_events",
        "participants_with_serious",
        "related_events",
        "deaths",
    ]
    rows = [{"arm": arm["arm"], **{f: arm[f] for f in fields}} for arm in summary["arms"]]
    rows.append({"arm": "Total", **{f: summary["total"][f] for f in fields}})
    return rows, ["arm", *fields]


def consort_rows(result: dict[str, Any]) -> Rows:
    flow = result["consort"]
    rows = [{"stage": "Assessed for eligibility", "arm": "", "count": flow["assessed"]}]
    rows.append({"stage": "Excluded", "arm": "", "count": flow["excluded"]})
    rows.append({"stage": "Randomised", "arm": "", "count": flow["randomised"]})
    for arm in flow["arms"]:
        for stage in ("allocated", "lost_to_follow_up", "discontinued", "analysed"):
            rows.append({"stage": stage.replace("_", " "), "arm": arm["arm"], "count": arm[stage]})
    return rows, ["stage", "arm", "count"]


TABLES: dict[str, Callable[[dict[str, Any]], Rows]] = {
    "outcomes": outcome_rows,
    "subgroups": subgroup_rows,
    "baseline": baseline_rows,
    "safety": safety_rows,
    "consort": consort_rows,
}


def outcome_export(
    session: Session, trial: Trial, run: AnalysisRun, index: int
) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """The pseudonymised frame and spec of the run's ``index``-th outcome, rebuilt from the
    locked data; the spec records whether the data still match the run's fingerprint."""
    outcomes = run.result["outcomes"] if run.result else []
    plan = session.get(AnalysisPlan, run.plan_id) if run.plan_id else None
    if plan is None or not 0 <= index < len(outcomes):
        return None
    entry = outcomes[index]
    control, baseline = plan_context(trial, plan)
    frame, spec = outcome_inputs(
        build_long_dataset(session, trial), entry, plan, control=control, baseline_visit=baseline
    )
    spec_dict = spec.to_dict()
    spec_dict["_run"] = {
        "run_id": run.id,
        "measure": entry["measure"],
        "fingerprint": entry["fingerprint"],
        "data_unchanged": fingerprint(frame) == entry["fingerprint"],
    }
    return frame, spec_dict
