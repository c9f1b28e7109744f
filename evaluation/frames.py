"""From the trial's long dataset to the frame one planned analysis fits (pure pandas).

Each frame has one row per participant per analysed visit, with the participant's arm,
site, age band, sex and deprivation quintile, the baseline value of the measure and the
outcome (empty for a missed visit) — the same shape ``python -m evaluation`` reads, so an
exported frame reruns outside the platform.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from evaluation.stats.spec import ModelSpec

PEOPLE_COLUMNS = ["participant", "site", "arm", "age_band", "sex", "imd_quintile"]


def age_65_plus(band: Any) -> str | None:
    """``65+`` or ``under 65`` from an age band such as ``65-74`` or ``75+``."""
    if not isinstance(band, str) or not band[:2].isdigit():
        return None
    return "65+" if int(band[:2]) >= 65 else "under 65"


def outcome_frame(
    long: pd.DataFrame,
    *,
    measure: str,
    baseline_visit: str | None,
    visit: str | None,
) -> pd.DataFrame:
    """Rows of ``measure`` at ``visit``, or at every follow-up visit when ``visit`` is None.

    Every randomised participant keeps a row per analysed visit, with an empty outcome
    when the visit was missed; ``baseline`` is the value at ``baseline_visit``.
    """
    people = long[PEOPLE_COLUMNS].drop_duplicates("participant")
    rows = long[long["measure"] == measure]
    if baseline_visit is not None:
        base = rows[rows["visit"] == baseline_visit].set_index("participant")["value"]
    else:
        base = pd.Series(dtype=float)
    follow = (
        rows[rows["visit"] != baseline_visit] if visit is None else rows[rows["visit"] == visit]
    )
    follow = follow[["participant", "visit", "day", "value"]].rename(columns={"value": "outcome"})
    frame = people.merge(follow, on="participant", how="inner")
    frame["baseline"] = frame["participant"].map(base).astype(float)
    frame["age_65_plus"] = frame["age_band"].map(age_65_plus)
    frame["imd_quintile"] = frame["imd_quintile"].map(
        lambda q: None if pd.isna(q) else f"Q{int(q)}"
    )
    frame = frame.sort_values(["participant", "day"], kind="stable", ignore_index=True)
    return frame[
        [
            "participant",
            "arm",
            "site",
            "visit",
            "day",
            "outcome",
            "baseline",
            "age_band",
            "age_65_plus",
            "sex",
            "imd_quintile",
        ]
    ]


def completers(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-protocol rows: participants with an outcome at every analysed visit."""
    complete = frame.groupby("participant")["outcome"].transform(lambda v: v.notna().all())
    return frame[complete.astype(bool)].reset_index(drop=True)


def covariate_columns(frame: pd.DataFrame, planned: list[str], *, repeated: bool) -> list[str]:
    """The plan's covariates that can enter this model.

    ``baseline`` needs some baseline values; ``site``, ``age_band`` and ``sex`` need at least
    two levels in the data. Repeated-measures models also adjust for the visit.
    """
    columns = []
    for name in planned:
        values = frame[name].dropna()
        if name == "baseline" and values.empty:
            continue
        if name != "baseline" and values.nunique() < 2:
            continue
        columns.append(name)
    if repeated and frame["visit"].nunique() > 1:
        columns.append("visit")
    return columns


def spec_for(
    entry: dict[str, Any],
    *,
    control: str | None,
    covariates: list[str],
    standard_errors: str,
) -> ModelSpec:
    """The engine spec for one planned outcome."""
    model = entry["model"]
    if model == "paired":
        return ModelSpec(
            model="paired", outcome="outcome", baseline="baseline", participant="participant"
        )
    return ModelSpec(
        model=model,
        family=entry["family"],
        outcome="outcome",
        participant="participant",
        arm="arm" if control is not None else None,
        control=control,
        covariates=tuple(covariates),
        reml=True,
        correlation="exchangeable",
        scale="pearson" if model == "gee" or entry["family"] == "gaussian" else "fixed",
        se="robust" if model == "gee" else standard_errors,
    )
