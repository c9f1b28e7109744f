"""'My data': what a participant sees and downloads, contact changes, leaving and deletion."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from livinglab.accounts.models import User
from livinglab.audit.models import AuditEvent
from livinglab.participants.erasure import DELETED_NAME
from livinglab.participants.models import Participant
from tests import factories
from tests.evaluation.conftest import record_primary
from tests.trials.consent.test_views import text_of
from trials.consent.models import Consent
from trials.enrolment.models import Enrolment
from trials.observations.models import Observation
from trials.states import TrialStatus

PAGES = [
    ("get", "/my-data/"),
    ("get", "/my-data/download.json"),
    ("get", "/my-data/download.csv"),
    ("get", "/my-data/contact"),
    ("post", "/my-data/contact"),
    ("post", "/my-data/leave-registry"),
    ("get", "/my-data/delete"),
    ("post", "/my-data/delete"),
]


def changes(session) -> int:
    """Audit events other than signing in and out: every change writes one."""
    return session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action.not_in(("account.signed_in", "account.signed_out")))
    )


@pytest.fixture
def joined(session, world):
    """The world's participant randomised into a trial with a baseline value; plus a stranger."""
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    session.commit()
    trial = factories.reload_trial(session, trial.id)
    enrolment = factories.randomised(session, world, trial, world.participant)
    record_primary(session, world, trial, enrolment, "baseline", 14.5)
    stranger = factories.make_participant(session, full_name="Sam Stranger", postcode="DT1 1AA")
    other = factories.randomised(session, world, trial, stranger, "WFH")
    record_primary(session, world, trial, other, "baseline", 31.25)
    session.commit()
    return enrolment, stranger


@pytest.fixture
def me(world, login_as):
    return login_as(world.participant.user)


@pytest.mark.parametrize(("method", "path"), PAGES)
@pytest.mark.parametrize("who", ["company", "researcher_wfh", "evaluator", "admin"])
def test_other_roles_are_refused(session, world, login_as, method, path, who):
    client = login_as(getattr(world, who))
    before = changes(session)
    data = {"confirm": "y", "email": "x@example.test", "postcode": "BH1 1AA"}
    response = getattr(client, method)(path, data=data) if method == "post" else client.get(path)
    assert response.status_code == 403
    assert changes(session) == before


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_signed_out_visitors_are_sent_to_sign_in(client, app, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_page_shows_everything_held_about_me_only(session, world, joined, me):
    enrolment, stranger = joined
    response = me.get("/my-data/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = text_of(response)
    for expected in (
        "Jo Resident",
        world.participant.user.email,
        "1 June 1950",
        "Female",
        "BH1 1AA",
        "Not known",  # deprivation quintile
        "Steady feet trial",
        enrolment.participant_code,
        "Randomised",
        "Timed Up and Go",
        "14.5 seconds",
        "Consent",
    ):
        assert expected in page, expected
    consent = session.scalars(
        select(Consent).where(Consent.participant_id == world.participant.id)
    ).one()
    assert consent.reference in page
    assert "Sam Stranger" not in page and stranger.user.email not in page
    assert "31.25" not in page and "DT1 1AA" not in page
    assert 'href="/my-data/"' in response.get_data(as_text=True)  # the nav entry


def test_page_queries_are_bounded(session, world, joined, me, count_queries):
    with count_queries() as few:
        me.get("/my-data/")
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, title="Second")
    session.commit()
    trial = factories.reload_trial(session, trial.id)
    enrolment = factories.randomised(session, world, trial, world.participant)
    record_primary(session, world, trial, enrolment, "baseline", 12)
    session.commit()
    with count_queries() as more:
        response = me.get("/my-data/")
    assert "Second" in text_of(response)

    def queries(statements: list[str]) -> list[str]:
        return [s for s in statements if not s.startswith("BEGIN")]

    assert len(queries(more)) == len(queries(few))


def test_json_download_has_my_data_only(session, world, joined, me):
    enrolment, stranger = joined
    response = me.get("/my-data/download.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == world.participant.user.email
    assert data["registry_profile"]["date_of_birth"] == "1950-06-01"
    assert data["registry_profile"]["deprivation_quintile"] is None
    assert [t["participant_code"] for t in data["trials"]] == [enrolment.participant_code]
    assert [o["value"] for o in data["observations"]] == ["14.5 seconds"]
    assert len(data["consent_records"]) == 1
    text = response.get_data(as_text=True)
    assert stranger.user.email not in text and "Sam Stranger" not in text


def test_csv_download_is_section_field_value(session, world, joined, me):
    _enrolment, stranger = joined
    response = me.get("/my-data/download.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert 'filename="my-data.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["section", "field", "value"]
    assert all(len(row) == 3 for row in rows)
    assert ["account", "full_name", "Jo Resident"] in rows
    assert ["registry_profile", "postcode", "BH1 1AA"] in rows
    assert ["observations[1]", "value", "14.5 seconds"] in rows
    assert not any(stranger.user.email in value for row in rows for value in row)


def test_csv_download_defuses_formulas(session, world, me):
    world.participant.user.full_name = "=HYPERLINK(1)"
    session.commit()
    rows = list(csv.reader(io.StringIO(me.get("/my-data/download.csv").get_data(as_text=True))))
    assert ["account", "full_name", "'=HYPERLINK(1)"] in rows


# Contact details ---------------------------------------------------------------------


def test_contact_form_is_filled_in(world, me):
    response = me.get("/my-data/contact")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert world.participant.user.email in html and "BH1 1AA" in html


def test_changing_email_and_postcode(session, world, me):
    old_email = world.participant.user.email
    response = me.post(
        "/my-data/contact", data={"email": " New@Example.test ", "postcode": "dt11aa"}
    )
    assert response.status_code == 302
    participant = session.get(Participant, world.participant.id)
    assert participant.user.email == "new@example.test"
    assert participant.postcode == "DT1 1AA"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "participant.contact_changed")
    ).one()
    assert event.old_value is None  # no contact details kept in the permanent audit trail
    assert event.new_value == {"changed": ["email", "postcode"]}
    assert old_email not in str(event.new_value)
    assert participant.user.email_verified_at is None
    assert event.actor_id == participant.user_id


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "", "postcode": "BH1 1AA"}, "email", "Enter your email address"),
        ({"email": "nope", "postcode": "BH1 1AA"}, "email", "in the correct format"),
        ({"email": "taken@example.test", "postcode": "BH1 1AA"}, "email", "already uses"),
        ({"email": "me@example.test", "postcode": ""}, "postcode", "Enter your postcode"),
        ({"email": "me@example.test", "postcode": "XX"}, "postcode", "Enter a real postcode"),
        ({"email": "me@example.test", "postcode": "SW1A 1AA"}, "postcode", "Dorset postcode"),
    ],
)
def test_bad_contact_details_are_refused(session, world, me, data, field, message):
    factories.make_user(session, email="taken@example.test")
    session.commit()
    before = changes(session)
    response = me.post("/my-data/contact", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert f'href="#{field}"' in html
    assert message in html
    assert changes(session) == before
    participant = session.get(Participant, world.participant.id)
    assert participant.postcode == "BH1 1AA" and participant.user.email != "me@example.test"


# Leaving the registry ---------------------------------------------------------------


def test_leaving_the_registry(session, world, me):
    assert me.post("/my-data/leave-registry", data={}).status_code == 422
    assert session.get(Participant, world.participant.id).registry_opt_in is True
    response = me.post("/my-data/leave-registry", data={"confirm": "y"})
    assert response.status_code == 302
    assert session.get(Participant, world.participant.id).registry_opt_in is False
    assert session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "participant.left_registry")
    )
    assert "not on the registry" in text_of(me.get("/my-data/"))


# Deleting the account ---------------------------------------------------------------


def test_delete_page_explains_what_is_kept(me):
    page = text_of(me.get("/my-data/delete"))
    assert "legal record" in page and "cannot be changed" in page


def test_deletion_needs_confirmation(session, world, me):
    before = changes(session)
    assert me.post("/my-data/delete", data={}).status_code == 422
    assert changes(session) == before
    assert session.get(User, world.participant.user_id).full_name == "Jo Resident"


def test_deletion_removes_identifiers_and_keeps_trial_data(session, world, joined, me, client):
    enrolment, _stranger = joined
    user_id, participant_id = world.participant.user_id, world.participant.id
    email = world.participant.user.email
    consent_before = session.scalars(
        select(Consent).where(Consent.participant_id == participant_id)
    ).one()
    reference, typed_name = consent_before.reference, consent_before.typed_name

    response = me.post("/my-data/delete", data={"confirm": "y"})
    assert response.status_code == 302
    session.expire_all()
    user = session.get(User, user_id)
    participant = session.get(Participant, participant_id)
    assert user.full_name == DELETED_NAME
    assert user.email == f"deleted-{user_id}@invalid"
    assert user.password_hash is None and not user.is_active_account
    assert participant.postcode == "BH"
    assert participant.date_of_birth.isoformat() == "1950-01-01"
    assert participant.registry_opt_in is False
    assert participant.phone is None and participant.nhs_number is None
    # Pseudonymised trial data and the consent record stay.
    kept = session.get(Enrolment, enrolment.id)
    assert kept.participant_code == enrolment.participant_code
    assert session.scalar(
        select(func.count()).select_from(Observation).where(Observation.enrolment_id == kept.id)
    )
    consent = session.scalars(select(Consent).where(Consent.participant_id == participant_id)).one()
    assert (consent.reference, consent.typed_name) == (reference, typed_name)
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "participant.deleted")
    ).one()
    assert email not in json.dumps([event.old_value, event.new_value, event.reason])
    assert "Jo Resident" not in json.dumps([event.old_value, event.new_value, event.reason])

    # Signed out, and can never sign in again.
    assert client.get("/my-data/").status_code == 302
    for attempt in (email, f"deleted-{user_id}@invalid"):
        response = client.post("/login", data={"email": attempt, "password": factories.PASSWORD})
        assert response.status_code == 401
