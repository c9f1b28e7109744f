"""The decision page over HTTP, and where the decision is then seen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evaluation.decisions.models import AdoptionDecision, DecisionOutcome
from evaluation.decisions.services import record_decision
from livinglab.audit.models import AuditEvent
from livinglab.mail.models import OutboxMessage
from tests import factories
from tests.factories import count_rows as count
from tests.pages import text_of
from trials.states import TrialStatus

SUMMARY = "People who used the walking aid got up and about more quickly. It will be offered."


def form_data(**changes: str | None) -> dict[str, str]:
    """A complete valid decision; a change to None leaves the field out (a radio not chosen)."""
    data = {
        "outcome": "adopt_with_conditions",
        "reasons": "Beyond the MID; no safety signal.",
        "nice_tier": "tier_c",
        "certainty": "moderate",
        "conditions": "Offer at WFH first.",
        "cost_note": "",
        "public_summary": SUMMARY,
    } | changes
    return {key: value for key, value in data.items() if value is not None}


def url(trial) -> str:
    return f"/evaluation/trials/{trial.id}/decision"


def test_page_shows_the_evidence_pack_and_the_form(client, world, login_as, build_trial):
    trial = build_trial(n=16, status=TrialStatus.EVALUATED)
    login_as(world.evaluator)
    response = client.get(url(trial))
    assert response.status_code == 200
    page = text_of(response)
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1
    assert "Suggested certainty overall: Low" in page
    assert "Participants with adverse events, by arm" in page
    assert "The analysis plan has no secondary outcomes." in page
    assert "A randomised controlled comparison with a control arm" in page
    assert "has not supplied cost information" in page
    assert f'action="/evaluation/trials/{trial.id}/decision"' in html
    for name in ("outcome", "reasons", "nice_tier", "certainty", "conditions", "public_summary"):
        assert f'name="{name}"' in html


def test_evaluator_records_and_publishes_the_decision(
    client, world, login_as, session, build_trial
):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    login_as(world.evaluator)
    response = client.post(url(trial), data=form_data(conditions="Offer at WFH first."))
    assert response.status_code == 302
    assert response.headers["Location"] == url(trial)
    decision = session.scalars(select(AdoptionDecision)).one()
    assert decision.outcome is DecisionOutcome.ADOPT_WITH_CONDITIONS
    assert (decision.nice_tier, decision.certainty) == ("tier_c", "moderate")
    assert decision.cost_note is None
    assert count(session, AuditEvent) > 0
    emails = session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.startswith("Results of the trial"))
    ).all()
    assert len(emails) == 8
    page = text_of(client.get(url(trial)))
    assert "Adopt with conditions" in page and "Offer at WFH first." in page
    assert client.post(url(trial), data=form_data()).status_code == 409


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"public_summary": ""}, "public_summary", "Write a summary for the public"),
        ({"public_summary": "x" * 1501}, "public_summary", "1500 characters or fewer"),
        ({"conditions": ""}, "conditions", "Give the conditions of adoption"),
        ({"outcome": "adopt_maybe"}, "outcome", "Select a decision from the list"),
        ({"outcome": None}, "outcome", "Select the adoption decision"),
        ({"certainty": "certain"}, "certainty", "Select a certainty from the list"),
        ({"nice_tier": None}, "nice_tier", "Select the NICE evidence tier the trial reaches"),
        ({"reasons": "  "}, "reasons", "Give the reasons for the decision"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_written(
    client, world, login_as, session, build_trial, changes, field, message
):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    messages_before = count(session, OutboxMessage)
    login_as(world.evaluator)
    response = client.post(url(trial), data=form_data(**changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert html.count(message) >= 2  # in the error summary and next to the field
    assert f'href="#{field}' in html
    assert count(session, AdoptionDecision) == 0
    assert count(session, OutboxMessage) == messages_before
    session.expire_all()
    assert session.get(type(trial), trial.id).status is TrialStatus.EVALUATED


@pytest.mark.parametrize("status", [TrialStatus.FOLLOW_UP, TrialStatus.LOCKED])
def test_decision_needs_an_evaluated_trial(client, world, login_as, build_trial, status):
    trial = build_trial(n=8, status=status)
    login_as(world.evaluator)
    response = client.get(url(trial))
    assert response.status_code == 409
    assert "needs an evaluated trial" in text_of(response)
    assert client.post(url(trial), data=form_data()).status_code == 409


# Denials -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_users_are_sent_to_sign_in(client, build_trial, method):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    response = getattr(client, method)(url(trial), data=form_data())
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("who", ["participant", "researcher_wfh", "company", "admin"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_other_roles_are_forbidden(client, world, login_as, session, build_trial, who, method):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    assert getattr(client, method)(url(trial), data=form_data()).status_code == 403
    assert count(session, AdoptionDecision) == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_evaluators_cannot_see_a_trial_still_in_review(client, world, login_as, session, method):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    session.commit()
    login_as(world.evaluator)
    assert getattr(client, method)(url(trial), data=form_data()).status_code == 404


# Where the decision is seen ----------------------------------------------------------------


def decided(session, world, build_trial, **changes):
    trial = build_trial(n=8, status=TrialStatus.EVALUATED)
    values = {
        "outcome": DecisionOutcome.ADOPT_WITH_CONDITIONS,
        "reasons": "Beyond the MID.",
        "nice_tier": "tier_c",
        "certainty": "moderate",
        "conditions": "Offer at WFH first.",
        "public_summary": SUMMARY,
    } | changes
    record_decision(session, trial, actor=world.evaluator, **values)
    session.commit()
    return trial


def test_company_results_page_shows_the_decisions_judgements(
    client, world, login_as, session, build_trial
):
    trial = decided(session, world, build_trial)
    login_as(world.company)
    page = text_of(client.get(f"/evaluation/trials/{trial.id}/results"))
    assert "Decision Adopt with conditions" in page
    assert "Reasons Beyond the MID." in page
    assert "Conditions Offer at WFH first." in page
    assert "NICE evidence tier reached Tier C" in page
    assert "Certainty of the evidence Moderate" in page
    assert SUMMARY in page


def test_public_trial_page_shows_the_summary_once_decided(client, session, world, build_trial):
    trial = decided(session, world, build_trial, public_summary="<b>Quicker</b>\n\nOffered soon.")
    response = client.get(f"/trials/{trial.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "Results <b>Quicker</b> Offered soon." in page
    assert "&lt;b&gt;Quicker&lt;/b&gt;" in html
    assert "no longer looking for volunteers" in page
    assert "Take part" not in page
    # Nothing but the summary: not the reasons, conditions or numbers.
    assert "Beyond the MID." not in page and "Offer at WFH first." not in page


def test_a_decided_trial_without_a_summary_has_no_public_page(client, session, world, build_trial):
    trial = decided(session, world, build_trial, public_summary=None)
    assert client.get(f"/trials/{trial.id}").status_code == 404
