"""A stored analysis run: results, the data fingerprint and the software versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from livinglab.db import utcnow
from livinglab.extensions import db


class AnalysisRun(db.Model):
    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    #: What was run, e.g. ``primary_ancova``.
    analysis: Mapped[str] = mapped_column(String(60))
    run_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    run_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: SHA-256 of the canonical analysis dataset.
    data_fingerprint: Mapped[str] = mapped_column(String(64))
    #: Python and library versions used.
    versions: Mapped[dict[str, str]] = mapped_column(JSON)
    #: The frozen result as JSON (estimate, CI, p, n per arm, warnings...).
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
