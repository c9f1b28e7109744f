"""Ethics and HRA references: recorded on an approved trial before recruitment opens."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.errors import IllegalTransition, InvalidInput
from tests import factories
from tests.pages import text_of
from trials.review.ethics import record_ethics
from trials.review.services import open_recruitment
from trials.states import TrialStatus

VALID = factories.ETHICS_FORM_DATA


def approved(session, world, **kwargs):
    trial = factories.make_trial(session, world, status=TrialStatus.APPROVED, **kwargs)
    session.commit()
    return factories.reload_trial(session, trial.id)


def ethics_events(session) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ethics.recorded").order_by(AuditEvent.id)
        )
    )


def test_staff_record_the_ethics_approval_then_open_recruitment(client, world, login_as, session):
    trial = approved(session, world)
    login_as(world.researcher_wfh)
    detail = text_of(client.get(f"/review/trials/{trial.id}"))
    assert "Recruitment cannot open until" in detail
    assert "Open recruitment" not in detail
    assert client.get(f"/review/trials/{trial.id}/ethics").status_code == 200

    response = client.post(
        f"/review/trials/{trial.id}/ethics", data={**VALID, "rec_reference": " 24/sc/0123 "}
    )
    assert response.status_code == 302
    trial = factories.reload_trial(session, trial.id)
    assert (trial.iras_id, trial.rec_reference, trial.ethics_approved_on) == (
        "1234567",
        "24/SC/0123",
        dt.date(2024, 3, 1),
    )
    (event,) = ethics_events(session)
    assert event.old_value == {"iras_id": None, "rec_reference": None, "ethics_approved_on": None}
    assert event.new_value == {
        "iras_id": "1234567",
        "rec_reference": "24/SC/0123",
        "ethics_approved_on": "2024-03-01",
    }
    detail = text_of(client.get(f"/review/trials/{trial.id}"))
    assert "REC reference 24/SC/0123" in detail
    assert client.post(f"/review/trials/{trial.id}/open").status_code == 302
    assert factories.reload_trial(session, trial.id).status is TrialStatus.RECRUITING


def test_recruitment_cannot_open_without_the_ethics_approval(client, world, login_as, session):
    trial = approved(session, world)
    login_as(world.researcher_wfh)
    response = client.post(f"/review/trials/{trial.id}/open")
    assert response.status_code == 409
    assert "Record the IRAS project ID, the REC reference and the date" in text_of(response)
    assert factories.reload_trial(session, trial.id).status is TrialStatus.APPROVED


def test_the_service_refuses_to_open_recruitment_without_ethics(session, world):
    trial = approved(session, world)
    with pytest.raises(IllegalTransition, match="Record the IRAS project ID"):
        open_recruitment(session, trial, actor=world.researcher_wfh)


@pytest.mark.parametrize(
    ("changes", "message", "field"),
    [
        ({"iras_id": ""}, "Enter the IRAS project ID", "iras_id"),
        ({"iras_id": "12345"}, "IRAS project ID must be 6 or 7 digits", "iras_id"),
        ({"iras_id": "12345678"}, "IRAS project ID must be 6 or 7 digits", "iras_id"),
        ({"iras_id": "12a4567"}, "IRAS project ID must be 6 or 7 digits", "iras_id"),
        ({"rec_reference": ""}, "Enter the REC reference", "rec_reference"),
        (
            {"rec_reference": "24-SC-0123"},
            "REC reference must look like 24/SC/0123",
            "rec_reference",
        ),
        (
            {"rec_reference": "24/SC/123"},
            "REC reference must look like 24/SC/0123",
            "rec_reference",
        ),
        (
            {"approved_on-day": "", "approved_on-month": "", "approved_on-year": ""},
            "Enter the date of the ethics approval",
            "approved_on-day",
        ),
        (
            {"approved_on-day": "31", "approved_on-month": "2"},
            "Date of the ethics approval must be a real date",
            "approved_on-day",
        ),
        (
            {"approved_on-month": ""},
            "Date of the ethics approval must include a month",
            "approved_on-month",
        ),
        (
            {"approved_on-year": str(dt.datetime.now(dt.UTC).year + 1)},
            "Date of the ethics approval must be today or in the past",
            "approved_on-day",
        ),
    ],
)
def test_bad_ethics_references_are_refused_and_nothing_is_saved(
    client, world, login_as, session, changes, message, field
):
    trial = approved(session, world)
    login_as(world.researcher_wfh)
    response = client.post(f"/review/trials/{trial.id}/ethics", data={**VALID, **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2
    assert f'href="#{field}"' in html
    trial = factories.reload_trial(session, trial.id)
    assert trial.iras_id is None and trial.rec_reference is None
    assert ethics_events(session) == []


def test_the_service_refuses_a_future_approval_date(session, world):
    trial = approved(session, world)
    with pytest.raises(InvalidInput) as refused:
        record_ethics(
            session,
            trial,
            actor=world.researcher_wfh,
            iras_id="123456",
            rec_reference="24/SC/0123",
            approved_on=dt.date(2030, 1, 2),
            today=dt.date(2030, 1, 1),
        )
    assert refused.value.field == "approved_on"


def test_a_correction_while_recruiting_audits_only_what_changed(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    session.commit()
    login_as(world.researcher_wfh)
    response = client.post(
        f"/review/trials/{trial.id}/ethics", data={**VALID, "rec_reference": "24/SW/0456"}
    )
    assert response.status_code == 302
    event = ethics_events(session)[-1]
    assert event.old_value == {"rec_reference": "24/SC/0123"}
    assert event.new_value == {"rec_reference": "24/SW/0456"}


def test_ethics_cannot_be_recorded_before_approval(client, world, login_as, session):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    session.commit()
    login_as(world.researcher_wfh)
    assert "can be recorded once the trial is approved" in text_of(
        client.get(f"/review/trials/{trial.id}/ethics")
    )
    assert client.post(f"/review/trials/{trial.id}/ethics", data=VALID).status_code == 409
    assert factories.reload_trial(session, trial.id).iras_id is None


ETHICS_URLS = [("get", "/review/trials/{id}/ethics"), ("post", "/review/trials/{id}/ethics")]


@pytest.mark.parametrize("who", ["company", "participant", "evaluator", "admin"])
@pytest.mark.parametrize(("method", "url"), ETHICS_URLS)
def test_the_ethics_form_is_for_research_staff_only(
    client, world, login_as, session, who, method, url
):
    trial = approved(session, world)
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    assert getattr(client, method)(url.format(id=trial.id), data=VALID).status_code == 403
    assert ethics_events(session) == []


@pytest.mark.parametrize(("method", "url"), ETHICS_URLS)
def test_staff_at_another_site_cannot_record_ethics(client, world, login_as, session, method, url):
    trial = approved(session, world, sites=("WFH",))
    login_as(world.researcher_dor)
    assert getattr(client, method)(url.format(id=trial.id), data=VALID).status_code == 404
    assert ethics_events(session) == []
