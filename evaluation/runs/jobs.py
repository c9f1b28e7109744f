"""Where an analysis runs: an RQ worker when ``REDIS_URL`` is set, else this process.

The request that asks for a run commits a *queued* run first, so the page can show its
status whichever way it runs. ``flask analyses worker`` starts a worker for the queue.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from redis import Redis
from rq import Queue, Worker

from evaluation.runs.models import AnalysisRun
from evaluation.runs.services import perform_run
from livinglab.extensions import db

QUEUE = "analyses"
#: An analysis with MICE and subgroups on a large trial takes minutes, not hours.
JOB_TIMEOUT = 30 * 60


def _queue(url: str) -> Queue:
    return Queue(QUEUE, connection=Redis.from_url(url))


def dispatch(run: AnalysisRun) -> None:
    """Start the committed, queued ``run``: on the RQ queue, or now in this process."""
    url = current_app.config.get("REDIS_URL")
    if url:
        job = _queue(url).enqueue(perform_queued, run.id, job_timeout=JOB_TIMEOUT)
        run.job_id = job.id
        db.session.commit()
        return
    perform_run(db.session, run)
    db.session.commit()


def perform_queued(run_id: int) -> None:
    """The RQ job: run ``run_id`` inside an app of the worker's own."""
    from livinglab.app import create_app

    app = create_app()
    with app.app_context():
        run = db.session.get(AnalysisRun, run_id)
        if run is None:
            return
        perform_run(db.session, run)
        db.session.commit()


def register(app: Flask) -> None:
    group = click.Group("analyses", help="Background analysis runs.")

    @group.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def worker(burst: bool) -> None:
        """Run analyses from the Redis queue (needs REDIS_URL)."""
        url = current_app.config.get("REDIS_URL")
        if not url:
            raise click.UsageError("Set REDIS_URL to the Redis the web app queues runs on.")
        Worker([_queue(url)], connection=Redis.from_url(url)).work(burst=burst)

    app.cli.add_command(group)
