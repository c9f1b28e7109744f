"""Who may open the enrolment pages, and the researcher's list of trials."""

from __future__ import annotations

import pytest

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.pages import text_of
from tests.trials.enrolment.helpers import count, enrol, fresh, visit_id
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.observations.models import Observation
from trials.randomisation.models import AllocationSlot
from trials.states import TrialStatus

URLS = [
    ("get", "/enrolment/"),
    ("get", "/enrolment/trials/{trial}"),
    ("post", "/enrolment/enrolments/{enrolment}/randomise"),
    ("get", "/enrolment/enrolments/{enrolment}/observations"),
    ("post", "/enrolment/enrolments/{enrolment}/observations"),
]
ENROLMENT_URLS = [url for url in URLS if "{enrolment}" in url[1]]


def user_for(world: factories.World, who: str):
    return world.participant.user if who == "participant" else getattr(world, who)


def url_of(url: str, trial_id: int, enrolment: Enrolment) -> str:
    return url.format(trial=trial_id, enrolment=enrolment.id)


# Denials -----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url"), URLS)
def test_anonymous_users_are_sent_to_sign_in(client, session, trial_id, consented, method, url):
    response = getattr(client, method)(url_of(url, trial_id, consented))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert fresh(session, Enrolment, consented.id).arm_id is None


@pytest.mark.parametrize("who", ["company", "participant", "evaluator", "admin"])
@pytest.mark.parametrize(("method", "url"), URLS)
def test_pages_are_forbidden_to_other_roles(
    client, world, login_as, session, trial_id, consented, method, url, who
):
    login_as(user_for(world, who))
    data = {"visit_id": str(visit_id(session, trial_id, "baseline")), "value": "12.5"}
    response = getattr(client, method)(url_of(url, trial_id, consented), data=data)
    assert response.status_code == 403
    enrolment = fresh(session, Enrolment, consented.id)
    assert enrolment.arm_id is None
    assert enrolment.status is EnrolmentStatus.CONSENTED
    assert count(session, Observation) == 0
    assert count(session, AllocationSlot, AllocationSlot.enrolment_id.is_not(None)) == 0


@pytest.mark.parametrize(("method", "url"), ENROLMENT_URLS)
def test_researcher_at_another_site_gets_not_found_and_nothing_changes(
    client, world, login_as, session, trial_id, consented, method, url
):
    login_as(world.researcher_dor)  # the trial runs at DOR too, but Jo consented at WFH
    data = {"visit_id": str(visit_id(session, trial_id, "baseline")), "value": "12.5"}
    response = getattr(client, method)(url_of(url, trial_id, consented), data=data)
    assert response.status_code == 404
    enrolment = fresh(session, Enrolment, consented.id)
    assert enrolment.arm_id is None
    assert enrolment.status is EnrolmentStatus.CONSENTED
    assert count(session, Observation) == 0
    assert count(session, AuditEvent, AuditEvent.action == "enrolment.randomised") == 0


@pytest.mark.parametrize(("method", "url"), ENROLMENT_URLS)
def test_unknown_enrolment_is_not_found(client, world, login_as, method, url):
    login_as(world.researcher_wfh)
    response = getattr(client, method)(url.format(enrolment=999999), data={})
    assert response.status_code == 404


def test_unknown_trial_is_not_found(client, world, login_as):
    login_as(world.researcher_wfh)
    assert client.get("/enrolment/trials/999999").status_code == 404


def test_trial_not_at_the_researchers_sites_is_not_found(client, world, login_as, session):
    trial = factories.make_trial(
        session, world, status=TrialStatus.RECRUITING, sites=("WFH",), title="Only at WFH"
    )
    session.commit()
    login_as(world.researcher_dor)
    assert client.get(f"/enrolment/trials/{trial.id}").status_code == 404
    assert "Only at WFH" not in text_of(client.get("/enrolment/"))


@pytest.mark.parametrize("status", [TrialStatus.DRAFT, TrialStatus.IN_REVIEW])
def test_trial_before_approval_cannot_be_opened(client, world, login_as, session, status):
    trial = factories.make_trial(session, world, status=status, title="Not approved yet")
    session.commit()
    login_as(world.researcher_wfh)
    assert client.get(f"/enrolment/trials/{trial.id}").status_code in (403, 404)
    assert "Not approved yet" not in text_of(client.get("/enrolment/"))


# The list of trials ------------------------------------------------------------------


def test_index_lists_open_trials_with_counts_at_the_researchers_sites(
    client, world, login_as, session, trial_id
):
    enrol(session, world, trial_id, "WFH", randomise=True)
    enrol(session, world, trial_id, "WFH")
    enrol(session, world, trial_id, "DOR", randomise=True)  # not at researcher_wfh's site
    in_follow_up = factories.make_trial(
        session, world, status=TrialStatus.FOLLOW_UP, title="Walking trial"
    )
    factories.make_trial(session, world, status=TrialStatus.APPROVED, title="Approved only")
    session.commit()
    login_as(world.researcher_wfh)
    response = client.get("/enrolment/")
    assert response.status_code == 200
    page = text_of(response)
    body = response.get_data(as_text=True)
    assert "2 trials at your sites" in page
    assert "Steady feet trial Acme Devices Recruiting 2 1 1" in page
    assert "Walking trial Acme Devices Follow up 0 0 0" in page
    assert f'href="/enrolment/trials/{trial_id}"' in body
    assert f'href="/enrolment/trials/{in_follow_up.id}"' in body
    assert "Approved only" not in page
    # Recruiting trials come first.
    assert page.index("Steady feet trial") < page.index("Walking trial")


def test_index_with_no_trials_says_so(client, world, login_as):
    login_as(world.researcher_wfh)
    response = client.get("/enrolment/")
    assert response.status_code == 200
    assert "No trial is recruiting or in follow-up at your sites." in text_of(response)


def test_index_uses_a_bounded_number_of_queries(client, world, login_as, session, count_queries):
    login_as(world.researcher_wfh)
    counts = []
    for trials in (1, 4):
        for _ in range(trials):
            trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
            factories.consent(session, trial, factories.make_participant(session), "WFH")
        session.commit()
        with count_queries() as statements:
            assert client.get("/enrolment/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 10


def test_index_is_paginated(app, client, world, login_as, session):
    app.config["PAGE_SIZE"] = 2
    for n in range(3):
        factories.make_trial(session, world, status=TrialStatus.RECRUITING, title=f"Trial {n}")
    session.commit()
    login_as(world.researcher_wfh)
    first = text_of(client.get("/enrolment/"))
    second = text_of(client.get("/enrolment/?page=2"))
    assert "3 trials at your sites" in first
    assert "Trial 0" in first and "Trial 1" in first and "Trial 2" not in first
    assert "Trial 2" in second
