"""The run's report page, its PDF, CSV tables and the exports an auditor reruns; the queue."""

from __future__ import annotations

import csv
import io
import json

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue

from evaluation.cli import main as cli_main
from evaluation.runs.jobs import QUEUE
from evaluation.runs.models import AnalysisRun, RunStatus
from evaluation.runs.services import latest_run, perform_run
from tests.pages import text_of
from trials.states import TrialStatus


@pytest.fixture
def evaluated(session, build_trial):
    trial = build_trial(n=16, status=TrialStatus.EVALUATED)
    return trial, latest_run(session, trial.id)


def test_report_shows_every_section(client, world, login_as, session, build_trial):
    trial = build_trial(n=24, missing_follow_up=2, status=TrialStatus.EVALUATED, full_plan=True)
    run = latest_run(session, trial.id)
    login_as(world.evaluator)
    response = client.get(f"/evaluation/runs/{run.id}")
    assert response.status_code == 200
    page = text_of(response)
    for heading in (
        "Flow of participants (CONSORT)",
        "Baseline characteristics",
        "Primary outcome: Timed Up and Go",
        "All outcomes",
        "Subgroups",
        "Missing data",
        "Representativeness",
        "Methods and software",
    ):
        assert heading in page
    effect = run.result["primary"]["effects"]["Product"]
    assert f"{effect['ci_low']:.2f} to {effect['ci_high']:.2f}" in page
    assert run.data_fingerprint in page
    assert "Resident Number" not in page
    assert "Multiple imputation (MICE, 20 imputations" in page
    assert "Primary outcome effect within subgroups" in page
    html = response.get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in html and 'alt="' in html


def test_report_downloads_as_a_pdf(client, world, login_as, evaluated):
    trial, run = evaluated
    login_as(world.evaluator)
    response = client.get(f"/evaluation/runs/{run.id}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert f"trial-{trial.id}-run-{run.id}.pdf" in response.headers["Content-Disposition"]
    html = client.get(f"/evaluation/runs/{run.id}/report.html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "Primary outcome: Timed Up and Go" in text_of(html)
    assert f"trial-{trial.id}-run-{run.id}.html" in html.headers["Content-Disposition"]


def test_tables_download_as_csv(client, world, login_as, evaluated):
    _, run = evaluated
    login_as(world.evaluator)
    response = client.get(f"/evaluation/runs/{run.id}/tables/outcomes.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    effect = run.result["primary"]["effects"]["Product"]
    assert rows[0]["measure"] == "Timed Up and Go" and rows[0]["comparison"] == "Product"
    assert float(rows[0]["estimate"]) == pytest.approx(effect["estimate"])
    safety = client.get(f"/evaluation/runs/{run.id}/tables/safety.csv").get_data(as_text=True)
    assert safety.splitlines()[0].startswith("arm,randomised")
    assert client.get(f"/evaluation/runs/{run.id}/tables/secrets.csv").status_code == 404


def test_an_exported_outcome_reruns_with_the_cli_to_the_same_numbers(
    client, world, login_as, evaluated, tmp_path
):
    _, run = evaluated
    login_as(world.evaluator)
    dataset = client.get(f"/evaluation/runs/{run.id}/outcomes/0/dataset")
    spec = client.get(f"/evaluation/runs/{run.id}/outcomes/0/spec")
    assert dataset.status_code == spec.status_code == 200
    text = dataset.get_data(as_text=True)
    assert text.splitlines()[0].startswith("participant,arm,site,visit")
    assert "Resident Number" not in text
    assert json.loads(spec.get_data(as_text=True))["_run"]["data_unchanged"] is True
    (tmp_path / "data.csv").write_text(text)
    (tmp_path / "spec.json").write_text(spec.get_data(as_text=True))
    out = tmp_path / "result.json"
    args = ["analyse", "--data", str(tmp_path / "data.csv"), "--spec", str(tmp_path / "spec.json")]
    assert cli_main([*args, "--out", str(out)]) == 0
    rerun = {c["term"]: c for c in json.loads(out.read_text())["coefficients"]}
    stored = {c["term"]: c for c in run.result["outcomes"][0]["result"]["coefficients"]}
    assert rerun.keys() == stored.keys()
    for term, coefficient in stored.items():
        assert rerun[term]["estimate"] == pytest.approx(coefficient["estimate"], rel=1e-9)
        assert rerun[term]["se"] == pytest.approx(coefficient["se"], rel=1e-9)


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("company", ""),
        ("researcher_wfh", "/report.pdf"),
        ("participant", "/report.html"),
        ("company", "/tables/outcomes.csv"),
        ("researcher_wfh", "/outcomes/0/dataset"),
        ("participant", "/outcomes/0/spec"),
        ("admin", ""),
        ("admin", "/outcomes/0/dataset"),
    ],
)
def test_reports_are_forbidden_to_other_roles(client, world, login_as, evaluated, who, path):
    _, run = evaluated
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    assert client.get(f"/evaluation/runs/{run.id}{path}").status_code in (403, 404)


def test_an_unknown_run_is_not_found(client, world, login_as):
    login_as(world.evaluator)
    assert client.get("/evaluation/runs/999999").status_code == 404


@pytest.fixture
def redis_queue(app):
    url = "redis://127.0.0.1:6379/15"
    connection = Redis.from_url(url)
    try:
        connection.ping()
    except RedisConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    queue = Queue(QUEUE, connection=connection)
    queue.empty()
    app.config["REDIS_URL"] = url
    yield queue
    queue.empty()


def test_with_redis_the_run_is_queued_and_the_page_shows_its_progress(
    client, world, login_as, session, build_trial, redis_queue
):
    trial = build_trial(n=16, status=TrialStatus.LOCKED)
    login_as(world.evaluator)
    response = client.post(f"/evaluation/trials/{trial.id}/run")
    assert response.status_code == 302
    session.expire_all()
    run = session.query(AnalysisRun).filter_by(trial_id=trial.id).one()
    assert run.status is RunStatus.QUEUED
    job = redis_queue.fetch_job(run.job_id)
    assert job.func_name == "evaluation.runs.jobs.perform_queued"
    assert job.args == (run.id,)
    page = client.get(response.headers["Location"])
    assert "Waiting to start." in text_of(page)
    assert '<meta http-equiv="refresh" content="5">' in page.get_data(as_text=True)
    # What the worker does with the job:
    perform_run(session, run)
    session.commit()
    page = text_of(client.get(response.headers["Location"]))
    assert "Primary outcome: Timed Up and Go" in page


def test_the_report_uses_a_bounded_number_of_queries(
    client, world, login_as, session, build_trial, count_queries
):
    runs = []
    for n in (6, 18):
        trial = build_trial(n=n, status=TrialStatus.EVALUATED)
        runs.append(latest_run(session, trial.id).id)
    login_as(world.evaluator)
    counts = []
    for run_id in runs:
        session.expunge_all()
        with count_queries() as statements:
            assert client.get(f"/evaluation/runs/{run_id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 10
