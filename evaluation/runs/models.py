"""A stored analysis run: results, the data fingerprint and the software versions."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from livinglab.db import enum_column, utcnow
from livinglab.extensions import db


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            RunStatus.QUEUED: "Waiting to start",
            RunStatus.RUNNING: "Running",
            RunStatus.DONE: "Finished",
            RunStatus.FAILED: "Failed",
        }[self]


class AnalysisRun(db.Model):
    """One run of an analysis plan on the locked data (or a legacy primary-only run)."""

    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    #: What was run, e.g. ``primary_ancova``.
    analysis: Mapped[str] = mapped_column(String(60))
    run_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    run_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The locked plan version this run follows (None for runs made before plans existed).
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_plans.id"), index=True)
    status: Mapped[RunStatus] = mapped_column(
        enum_column(RunStatus, 20), default=RunStatus.DONE, server_default=RunStatus.DONE.value
    )
    #: The RQ job id when the run went to the queue.
    job_id: Mapped[str | None] = mapped_column(String(64))
    #: Why a failed run failed, in words for the evaluator.
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[dt.datetime | None]
    #: SHA-256 of the canonical analysis dataset (set when the run has read the data).
    data_fingerprint: Mapped[str | None] = mapped_column(String(64))
    #: Python and library versions used.
    versions: Mapped[dict[str, str] | None] = mapped_column(JSON)
    #: The frozen result as JSON (estimates, CIs, p, n per arm, warnings, report tables).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
