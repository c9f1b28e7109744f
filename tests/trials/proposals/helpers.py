"""Helpers shared by the proposal step tests: posting a step as a browser does."""

from __future__ import annotations

from tests import factories

steps = factories.proposal_steps


#: The boxes a browser always sends for each row, even when empty.
ROW_BOXES = {
    "design": ("arms", 4, ("name", "description", "ratio")),
    "visits": ("visits", 8, ("name", "day_offset", "window_days")),
    "measures": ("measures", 6, ("name", "unit", "min_value", "max_value")),
}


def post_step(client, trial_id: int, slug: str, data: dict):
    """Post a step as a browser does: every row's text boxes are sent, empty or not."""
    if slug in ROW_BOXES:
        name, rows, boxes = ROW_BOXES[slug]
        blanks = {f"{name}-{i}-{box}": "" for i in range(rows) for box in boxes}
        data = {**blanks, **data}
    return client.post(f"/proposals/{trial_id}/steps/{slug}", data=data)


def arms_of(session, trial_id: int) -> list[tuple[str, int, bool]]:
    trial = factories.reload_trial(session, trial_id)
    return [(a.name, a.ratio, a.is_control) for a in trial.arms]
