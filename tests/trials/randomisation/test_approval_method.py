"""Choosing the randomisation method on the approval form."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests import factories
from tests.pages import text_of
from tests.trials.randomisation.helpers import trial_in_review
from trials.proposals.models import RandomisationMethod, Trial, TrialDesign
from trials.proposals.section_rules import ArmDraft
from trials.randomisation.models import AllocationSlot
from trials.states import TrialStatus

SITES = {"approve_wfh": "y", "target_wfh": "20", "approve_dor": "y", "target_dor": "10"}


def slots(session, trial_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(AllocationSlot).where(AllocationSlot.trial_id == trial_id)
    )


def approve(client, session, trial_id: int, **changes: str):
    data = {**SITES, **factories.approval_form_data(session, trial_id), **changes}
    return client.post(f"/review/trials/{trial_id}/approve", data=data)


def stored(session, trial_id: int) -> Trial:
    return factories.reload_trial(session, trial_id)


def test_the_form_offers_both_methods_with_blocks_chosen(client, login_as, session, world):
    trial = trial_in_review(session, world)
    session.commit()
    login_as(world.researcher_wfh)
    html = client.get(f"/review/trials/{trial.id}").get_data(as_text=True)
    radios = re.findall(r'<input[^>]*name="randomisation_method"[^>]*>', html)
    assert [re.search(r'value="(\w+)"', r).group(1) for r in radios] == ["blocks", "minimisation"]
    assert "checked" in radios[0] and "checked" not in radios[1]
    assert "Minimisation (site, age band and sex)" in text_of(
        client.get(f"/review/trials/{trial.id}")
    )


def test_approving_with_minimisation_makes_no_list(client, login_as, session, world):
    trial = trial_in_review(session, world)
    session.commit()
    login_as(world.researcher_wfh)
    response = approve(client, session, trial.id, randomisation_method="minimisation")
    assert response.status_code == 302, text_of(response)
    approved = stored(session, trial.id)
    assert approved.status is TrialStatus.APPROVED
    assert approved.randomisation_method is RandomisationMethod.MINIMISATION
    assert approved.allocation_seed is not None
    assert slots(session, trial.id) == 0
    page = text_of(client.get(response.headers["Location"]))
    assert "Participants will be allocated by minimisation" in page


def test_leaving_the_method_out_keeps_blocks(client, login_as, session, world):
    trial = trial_in_review(session, world)
    session.commit()
    login_as(world.researcher_wfh)
    assert approve(client, session, trial.id).status_code == 302
    assert stored(session, trial.id).randomisation_method is RandomisationMethod.BLOCKS
    assert slots(session, trial.id) > 0


def test_an_unknown_method_is_refused(client, login_as, session, world):
    trial = trial_in_review(session, world)
    session.commit()
    login_as(world.researcher_wfh)
    response = approve(client, session, trial.id, randomisation_method="coin")
    assert response.status_code == 422
    assert "Select the randomisation method" in text_of(response)
    assert stored(session, trial.id).status is TrialStatus.IN_REVIEW


def test_a_single_arm_trial_is_not_asked_and_gets_no_list(client, login_as, session, world):
    trial = trial_in_review(
        session, world, design=TrialDesign.SINGLE_ARM, arms=(ArmDraft("StepRight"),)
    )
    session.commit()
    login_as(world.researcher_wfh)
    assert 'name="randomisation_method"' not in client.get(f"/review/trials/{trial.id}").get_data(
        as_text=True
    )
    response = approve(client, session, trial.id)
    assert response.status_code == 302
    assert slots(session, trial.id) == 0
    assert "without randomisation" in text_of(client.get(response.headers["Location"]))
