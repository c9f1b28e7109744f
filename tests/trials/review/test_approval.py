"""Approving a proposal with its sites, targets, recruitment dates and consent form version."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import delete, func, select

from livinglab.audit.models import AuditEvent
from tests import factories
from tests.conftest import login
from tests.pages import text_of
from trials.consent.models import ConsentForm, ConsentFormStatus, ConsentStatement
from trials.consent.services import current_consent_form
from trials.proposals.models import Trial
from trials.randomisation.models import AllocationSlot
from trials.states import TrialStatus

SITES = {"approve_wfh": "y", "target_wfh": "20", "approve_dor": "y", "target_dor": "10"}
SECOND_SHEET = "Version two: you will also wear a step counter for a week."


def in_review(session, world, **kwargs) -> Trial:
    """A trial in review with every checklist item rated, ready to approve."""
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW, **kwargs)
    factories.rate_checklist_satisfied(session, trial, world.researcher_wfh)
    session.commit()
    return factories.reload_trial(session, trial.id)


def add_draft(session, trial: Trial, version: int = 2, sheet: str = SECOND_SHEET) -> ConsentForm:
    """Another draft version of the trial's consent form, as staff could have prepared."""
    form = ConsentForm(
        trial_id=trial.id,
        version=version,
        status=ConsentFormStatus.DRAFT,
        information_sheet=sheet,
        statements=[ConsentStatement(position=1, text="I agree to take part.", is_required=True)],
    )
    session.add(form)
    session.commit()
    return form


def draft_ids(session, trial: Trial) -> dict[int, int]:
    """Version -> id of the trial's consent forms."""
    rows = session.execute(
        select(ConsentForm.version, ConsentForm.id).where(ConsentForm.trial_id == trial.id)
    )
    return dict(rows.all())


def statuses(session, trial: Trial) -> dict[int, ConsentFormStatus]:
    session.expire_all()
    rows = session.execute(
        select(ConsentForm.version, ConsentForm.status).where(ConsentForm.trial_id == trial.id)
    )
    return dict(rows.all())


def slots(session, trial: Trial) -> int:
    return session.scalar(
        select(func.count()).select_from(AllocationSlot).where(AllocationSlot.trial_id == trial.id)
    )


def date_parts(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}-{part}": str(getattr(day, part)) for part in ("day", "month", "year")}


def approve_data(session, trial: Trial, **changes: str) -> dict[str, str]:
    return {**SITES, **factories.approval_form_data(session, trial.id), **changes}


def test_the_approve_panel_offers_the_drafts_and_the_proposals_dates(
    client, world, login_as, session
):
    trial = in_review(session, world)
    trial.recruitment_start, trial.recruitment_end = dt.date(2031, 2, 3), dt.date(2032, 1, 30)
    session.commit()
    add_draft(session, trial)
    login_as(world.researcher_wfh)
    html = client.get(f"/review/trials/{trial.id}").get_data(as_text=True)
    ids = draft_ids(session, trial)
    radios = re.findall(r'<input[^>]*name="consent_form"[^>]*>', html)
    assert [re.search(r'value="(\d+)"', tag).group(1) for tag in radios] == [
        str(ids[2]),
        str(ids[1]),
    ]
    assert not any("checked" in tag for tag in radios)
    page = text_of(client.get(f"/review/trials/{trial.id}"))
    assert "Version 2 (draft): 1 statement, 0 comprehension questions" in page
    assert "Version 1 (draft): 7 statements, 3 comprehension questions" in page
    assert f'href="/trials/{trial.id}/consent-forms/{ids[2]}"' in html
    assert re.search(r'name="recruitment_start\[year\]"[^>]*value="2031"', html)
    assert re.search(r'name="recruitment_end\[day\]"[^>]*value="30"', html)
    assert "Approve trial" in page


def test_the_chosen_version_is_the_one_participants_sign(app, client, world, login_as, session):
    trial = in_review(session, world)
    ids = {**draft_ids(session, trial), 2: add_draft(session, trial).id}
    start = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=10)
    end = start + dt.timedelta(days=200)
    login_as(world.researcher_wfh)
    response = client.post(
        f"/review/trials/{trial.id}/approve",
        data={
            **SITES,
            "consent_form": str(ids[2]),
            **date_parts("recruitment_start", start),
            **date_parts("recruitment_end", end),
        },
    )
    assert response.status_code == 302, text_of(response)

    approved = factories.reload_trial(session, trial.id)
    assert approved.status is TrialStatus.APPROVED
    assert (approved.recruitment_start, approved.recruitment_end) == (start, end)
    assert statuses(session, trial) == {1: ConsentFormStatus.DRAFT, 2: ConsentFormStatus.APPROVED}
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.trial_id == trial.id, AuditEvent.action == "trial.approved"
        )
    )
    assert event.new_value["consent_form_id"] == ids[2]
    assert event.new_value["consent_form_version"] == 2
    assert event.new_value["recruitment_start"] == start.isoformat()
    assert event.new_value["recruitment_end"] == end.isoformat()

    factories.record_ethics_approval(session, approved, world.researcher_wfh)
    factories.open_recruitment(session, approved, actor=world.researcher_wfh)
    session.commit()
    resident = app.test_client()
    login(resident, world.participant.user)
    page = text_of(resident.get(f"/trials/{trial.id}/consent"))
    assert "Consent form version 2" in page
    assert SECOND_SHEET in page
    assert current_consent_form(session, trial.id).id == ids[2]


@pytest.mark.parametrize(
    ("choose", "message"),
    [
        ("other_trial", "Select a consent form version of this trial"),
        ("approved", "Version 1 of the consent form is approved already: select a draft version"),
        ("unknown", "Select a consent form version of this trial"),
        ("", "Select the consent form version to approve"),
        ("abc", "Select the consent form version to approve"),
    ],
)
def test_a_version_that_cannot_be_approved_is_refused_by_the_field(
    client, world, login_as, session, choose, message
):
    trial = in_review(session, world)
    other = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW, title="Other")
    session.commit()
    if choose == "approved":
        session.get(ConsentForm, draft_ids(session, trial)[1]).status = ConsentFormStatus.APPROVED
        add_draft(session, trial)
    chosen = {
        "other_trial": lambda: str(draft_ids(session, other)[1]),
        "approved": lambda: str(draft_ids(session, trial)[1]),
        "unknown": lambda: "999999",
    }.get(choose, lambda: choose)()
    before = statuses(session, trial)
    login_as(world.researcher_wfh)
    response = client.post(
        f"/review/trials/{trial.id}/approve",
        data=approve_data(session, trial, consent_form=chosen),
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2  # in the error summary and by the field
    assert 'href="#consent_form"' in response.get_data(as_text=True)
    assert factories.reload_trial(session, trial.id).status is TrialStatus.IN_REVIEW
    assert statuses(session, trial) == before
    assert statuses(session, other) == {1: ConsentFormStatus.DRAFT}
    assert slots(session, trial) == 0


@pytest.mark.parametrize(
    ("start_in", "end_in", "field", "message"),
    [
        (30, 30, "recruitment_end", "Recruitment end date must be after the start date"),
        (30, 10, "recruitment_end", "Recruitment end date must be after the start date"),
        (
            -1,
            100,
            "recruitment_start",
            "Recruitment start date must be today or later, or the date the company gave",
        ),
    ],
)
def test_bad_recruitment_dates_are_refused_and_nothing_changes(
    client, world, login_as, session, start_in, end_in, field, message
):
    trial = in_review(session, world)
    today = dt.datetime.now(dt.UTC).date()
    login_as(world.researcher_wfh)
    response = client.post(
        f"/review/trials/{trial.id}/approve",
        data=approve_data(
            session,
            trial,
            **date_parts("recruitment_start", today + dt.timedelta(days=start_in)),
            **date_parts("recruitment_end", today + dt.timedelta(days=end_in)),
        ),
    )
    assert response.status_code == 422
    assert text_of(response).count(message) == 2
    assert f'href="#{field}-day"' in response.get_data(as_text=True)
    reloaded = factories.reload_trial(session, trial.id)
    assert reloaded.status is TrialStatus.IN_REVIEW
    assert (reloaded.recruitment_start, reloaded.recruitment_end) == (None, None)
    assert statuses(session, trial) == {1: ConsentFormStatus.DRAFT}
    assert slots(session, trial) == 0


def test_missing_dates_are_asked_for(client, world, login_as, session):
    trial = in_review(session, world)
    login_as(world.researcher_wfh)
    blank = {f"recruitment_{end}-{part}": "" for end in ("start", "end") for part in ("day",)}
    blank |= {f"recruitment_{e}-{p}": "" for e in ("start", "end") for p in ("month", "year")}
    response = client.post(
        f"/review/trials/{trial.id}/approve", data=approve_data(session, trial, **blank)
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "Enter the date recruitment starts" in page
    assert "Enter the date recruitment ends" in page
    assert factories.reload_trial(session, trial.id).status is TrialStatus.IN_REVIEW


def test_the_reviewer_may_keep_the_proposals_start_date_once_it_has_passed(
    client, world, login_as, session
):
    trial = in_review(session, world)
    past = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=3)
    trial.recruitment_start, trial.recruitment_end = past, past + dt.timedelta(days=300)
    session.commit()
    login_as(world.researcher_wfh)
    response = client.post(
        f"/review/trials/{trial.id}/approve",
        data=approve_data(
            session,
            trial,
            **date_parts("recruitment_start", past),
            **date_parts("recruitment_end", past + dt.timedelta(days=400)),
        ),
    )
    assert response.status_code == 302, text_of(response)
    approved = factories.reload_trial(session, trial.id)
    assert (approved.recruitment_start, approved.recruitment_end) == (
        past,
        past + dt.timedelta(days=400),
    )


def test_without_a_draft_there_is_no_approve_button_but_a_link(client, world, login_as, session):
    trial = in_review(session, world)
    session.execute(delete(ConsentForm).where(ConsentForm.trial_id == trial.id))
    session.commit()
    login_as(world.researcher_wfh)
    response = client.get(f"/review/trials/{trial.id}")
    page = text_of(response)
    assert "This trial has no draft consent form, so it cannot be approved yet." in page
    assert f'href="/trials/{trial.id}/consent-forms"' in response.get_data(as_text=True)
    assert "Approve trial" not in page
    assert "Send back or reject" in page


def test_staff_at_another_site_get_not_found(client, world, login_as, session):
    trial = in_review(session, world, sites=("WFH",))
    login_as(world.researcher_dor)
    response = client.post(f"/review/trials/{trial.id}/approve", data=approve_data(session, trial))
    assert response.status_code == 404
    assert factories.reload_trial(session, trial.id).status is TrialStatus.IN_REVIEW


def test_a_company_is_forbidden_to_approve(client, world, login_as, session):
    trial = in_review(session, world)
    login_as(world.company)
    response = client.post(f"/review/trials/{trial.id}/approve", data=approve_data(session, trial))
    assert response.status_code == 403
    assert factories.reload_trial(session, trial.id).status is TrialStatus.IN_REVIEW


def _csrf_token(response) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.text).group(1)


def test_approving_needs_the_csrf_token(app, world, session):
    trial = in_review(session, world)
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    token = _csrf_token(client.get("/login"))
    signed_in = client.post(
        "/login",
        data={
            "email": world.researcher_wfh.email,
            "password": factories.PASSWORD,
            "csrf_token": token,
        },
    )
    assert signed_in.status_code == 302
    url = f"/review/trials/{trial.id}/approve"
    assert client.post(url, data=approve_data(session, trial)).status_code == 400
    assert factories.reload_trial(session, trial.id).status is TrialStatus.IN_REVIEW
    token = _csrf_token(client.get(f"/review/trials/{trial.id}"))
    response = client.post(url, data={**approve_data(session, trial), "csrf_token": token})
    assert response.status_code == 302
    assert factories.reload_trial(session, trial.id).status is TrialStatus.APPROVED
