"""The participant's side of a trial over HTTP: find, read, consent, and their copy."""

from __future__ import annotations

import datetime as dt
import html as html_module
import re

import pytest
from sqlalchemy import select

from livinglab.accounts.roles import Role
from livinglab.audit.models import AuditEvent
from tests import factories
from tests.factories import count_rows as count
from tests.pages import text_of
from trials.consent.models import Consent, ConsentStatement
from trials.consent.services import current_consent_form
from trials.consent.views import uk_datetime
from trials.enrolment.models import Enrolment, EnrolmentStatus
from trials.proposals.models import Trial
from trials.states import TrialStatus


def counts(session) -> tuple[int, int, int]:
    return count(session, Consent), count(session, Enrolment), count(session, AuditEvent)


def user_for(world: factories.World, who: str):
    return world.participant.user if who == "participant" else getattr(world, who)


def sign_data(session, trial: Trial, site: int, **overrides) -> dict[str, str | None]:
    """A complete, valid, confirmed consent in the account's name."""
    return factories.consent_form_data(session, trial.id, site, "Jo Resident", **overrides)


@pytest.fixture
def trial(session, world) -> Trial:
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING)
    session.commit()
    return trial


@pytest.fixture
def participant_client(client, world, login_as):
    return login_as(world.participant.user)


# Finding a trial ---------------------------------------------------------------------


def test_the_finder_lists_recruiting_trials_for_anyone(client, session, world, trial):
    factories.make_trial(session, world, status=TrialStatus.APPROVED, title="Not open yet")
    factories.make_trial(session, world, status=TrialStatus.FOLLOW_UP, title="Closed trial")
    session.commit()
    response = client.get("/trials/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert html.count("<h1") == 1
    assert f'href="/trials/{trial.id}"' in html
    assert "Steady feet trial" in page
    assert "We want to find out whether the product helps." in page
    assert "Acme Devices" in page
    assert "Wessex Fields hub" in page and "Dorchester satellite" in page
    assert "Not open yet" not in page and "Closed trial" not in page
    assert "1 trial looking for volunteers" in page


def test_the_finder_with_no_recruiting_trials_says_so(client, world):
    page = text_of(client.get("/trials/"))
    assert "No trials are looking for volunteers at the moment." in page


def test_the_finder_is_paginated(app, client, session, world):
    app.config["PAGE_SIZE"] = 2
    for n in range(3):
        factories.make_trial(session, world, status=TrialStatus.RECRUITING, title=f"Trial {n}")
    session.commit()
    first, second = text_of(client.get("/trials/")), text_of(client.get("/trials/?page=2"))
    assert "Trial 2" in first and "Trial 1" in first and "Trial 0" not in first
    assert "Trial 0" in second and "Trial 2" not in second
    assert "Next" in first


def test_the_finder_escapes_what_companies_typed(client, session, world):
    factories.make_trial(
        session, world, status=TrialStatus.RECRUITING, title="<script>alert(1)</script>"
    )
    session.commit()
    factories.make_trial(session, world, status=TrialStatus.RECRUITING, title="Salt & pepper")
    session.commit()
    html = client.get("/trials/").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html
    # Escaped once, not twice.
    assert "Salt &amp; pepper" in html
    assert "&amp;amp;" not in html and "&amp;lt;" not in html


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_finder_uses_a_bounded_number_of_queries(
    client, session, world, login_as, count_queries, signed_in
):
    if signed_in:
        login_as(world.participant.user)
    counts_by_size = []
    for trials in (1, 4):
        for _ in range(trials):
            factories.make_trial(session, world, status=TrialStatus.RECRUITING)
        session.commit()
        with count_queries() as statements:
            response = client.get("/trials/")
        assert response.status_code == 200
        assert text_of(response).count("Run by Acme Devices") == (1 if trials == 1 else 5)
        counts_by_size.append(len(statements))
    assert counts_by_size[0] == counts_by_size[1] <= 9


# One trial's page --------------------------------------------------------------------


def test_the_trial_page_explains_the_trial_to_anyone(client, trial):
    response = client.get(f"/trials/{trial.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert html.count("<h1") == 1
    assert "<title>Steady feet trial – Dorset Living Lab</title>" in html
    assert "We want to find out whether the product helps." in page
    assert "What taking part involves" in page
    for visit in ("Baseline", "Follow-up"):
        assert visit.lower() in page.lower()
    assert "Wessex Fields hub" in page and "Dorchester satellite" in page
    assert "Acme Devices" in page
    assert f'href="/trials/{trial.id}/consent"' in html
    assert "Take part" in page


@pytest.mark.parametrize(
    "status",
    [
        TrialStatus.DRAFT,
        TrialStatus.SUBMITTED,
        TrialStatus.APPROVED,
        TrialStatus.FOLLOW_UP,
    ],
)
def test_a_trial_that_is_not_recruiting_is_not_found(client, session, world, login_as, status):
    other = factories.make_trial(session, world, status=status)
    session.commit()
    assert client.get(f"/trials/{other.id}").status_code == 404
    login_as(world.participant.user)
    assert client.get(f"/trials/{other.id}").status_code == 404
    assert client.get(f"/trials/{other.id}/consent").status_code == 404
    response = client.post(f"/trials/{other.id}/consent", data=sign_data(session, other, 1))
    assert response.status_code == 404
    assert count(session, Consent) == 0


def test_an_unknown_trial_is_not_found(client, participant_client, world):
    assert client.get("/trials/999999").status_code == 404
    assert client.get("/trials/999999/consent").status_code == 404


def test_the_trial_page_tells_a_participant_who_has_consented(
    client, session, world, participant_client, trial
):
    factories.consent(session, trial, world.participant)
    session.commit()
    response = client.get(f"/trials/{trial.id}")
    page = text_of(response)
    assert "You have already agreed to take part in this trial." in page
    consent = session.scalars(select(Consent)).one()
    assert f'href="/my-trials/consents/{consent.id}"' in response.get_data(as_text=True)
    assert f'href="/trials/{trial.id}/consent"' not in response.get_data(as_text=True)


# Denials -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_users_are_sent_to_sign_in_to_consent(client, session, trial, world, method):
    response = getattr(client, method)(
        f"/trials/{trial.id}/consent", data=sign_data(session, trial, world.wfh.id)
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert f"/trials/{trial.id}/consent" in html_module.unescape(
        response.headers["Location"].replace("%2F", "/")
    )
    assert count(session, Consent) == 0


@pytest.mark.parametrize("url", ["/my-trials/", "/my-trials/consents/1"])
def test_anonymous_users_are_sent_to_sign_in_for_their_trials(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("who", ["company", "researcher_wfh", "evaluator", "admin"])
def test_staff_and_companies_cannot_consent_or_see_participant_pages(
    client, session, world, login_as, trial, who
):
    factories.consent(session, trial, world.participant)
    session.commit()
    consent = session.scalars(select(Consent)).one()
    before = counts(session)
    login_as(user_for(world, who))
    assert client.get(f"/trials/{trial.id}/consent").status_code == 403
    response = client.post(
        f"/trials/{trial.id}/consent", data=sign_data(session, trial, world.wfh.id)
    )
    assert response.status_code == 403
    assert client.get("/my-trials/").status_code == 403
    assert client.get(f"/my-trials/consents/{consent.id}").status_code == 403
    assert counts(session)[:2] == before[:2]


def test_another_participants_consent_copy_is_not_found(client, session, world, login_as, trial):
    factories.consent(session, trial, world.participant)
    other = factories.make_participant(session, full_name="Sam Other")
    session.commit()
    consent = session.scalars(select(Consent)).one()
    login_as(other.user)
    response = client.get(f"/my-trials/consents/{consent.id}")
    assert response.status_code == 404
    assert consent.reference not in response.get_data(as_text=True)
    assert client.get("/my-trials/consents/999999").status_code == 404


# Signing -----------------------------------------------------------------------------


def test_the_consent_page_shows_the_information_and_unticked_statements(
    client, session, world, participant_client, trial
):
    form = current_consent_form(session, trial.id)
    response = client.get(f"/trials/{trial.id}/consent")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert html.count("<h1") == 1
    assert "We want to find out whether the product helps." in page
    assert "the company that makes the product never sees your name" in page
    assert f"Consent form version {form.version}" in page
    for statement in form.statements:
        assert statement.text in page
        inputs = re.findall(rf'<input[^>]*name="statement_{statement.id}"[^>]*>', html)
        assert len(inputs) == 1
        assert "checked" not in inputs[0]
        assert 'type="checkbox"' in inputs[0]
    sites = re.findall(r'<input[^>]*name="site_id"[^>]*>', html)
    assert len(sites) == 2
    assert not any("checked" in tag for tag in sites)
    assert f'value="{world.wfh.id}"' in html and f'value="{world.dor.id}"' in html
    assert 'name="typed_name"' in html
    assert "nhsuk-error-summary" not in html


def test_only_sites_approved_for_the_trial_are_offered(client, session, world, participant_client):
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, sites=("DOR",))
    session.commit()
    html = client.get(f"/trials/{trial.id}/consent").get_data(as_text=True)
    sites = " ".join(re.findall(r'<input[^>]*name="site_id"[^>]*>', html))
    assert f'value="{world.dor.id}"' in sites
    assert f'value="{world.wfh.id}"' not in sites
    response = client.post(
        f"/trials/{trial.id}/consent", data=sign_data(session, trial, world.wfh.id)
    )
    assert response.status_code == 422
    assert "Select where you would like to take part" in text_of(response)
    assert count(session, Consent) == 0


def test_consenting_records_consent_enrols_and_shows_the_participant_their_copy(
    client, session, world, participant_client, trial
):
    response = client.post(
        f"/trials/{trial.id}/consent",
        data=sign_data(session, trial, world.dor.id, typed_name="  jo   resident "),
    )
    assert response.status_code == 302
    consent = session.scalars(select(Consent)).one()
    assert response.headers["Location"] == f"/my-trials/consents/{consent.id}"
    assert consent.participant_id == world.participant.id
    assert consent.trial_id == trial.id
    assert consent.typed_name == "jo   resident"
    form = current_consent_form(session, trial.id)
    assert consent.answers == {str(s.id): True for s in form.statements}
    enrolment = session.scalars(select(Enrolment)).one()
    assert enrolment.participant_id == world.participant.id
    assert enrolment.site_id == world.dor.id
    assert enrolment.status is EnrolmentStatus.CONSENTED
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.trial_id == trial.id)))
    assert {"consent.given", "enrolment.consented"} <= actions

    copy = client.get(response.headers["Location"])
    assert copy.status_code == 200
    page = text_of(copy)
    assert f"Your reference number is {consent.reference}" in page
    assert "Steady feet trial" in page
    assert f"Consent form version {form.version}" in page
    assert "Dorchester satellite" in page
    assert "jo resident" in page
    for statement in form.statements:
        assert f"{statement.text} Yes, I agree" in page
    assert "UK time" in page
    # Their copy shows no pseudonym or allocation.
    assert enrolment.participant_code not in page


def test_an_optional_statement_may_be_left_unticked(
    client, session, world, participant_client, trial
):
    form = current_consent_form(session, trial.id)
    optional = ConsentStatement(
        consent_form_id=form.id,
        position=99,
        text="I agree to be contacted about future research.",
        is_required=False,
    )
    session.add(optional)
    session.commit()
    html = client.get(f"/trials/{trial.id}/consent").get_data(as_text=True)
    assert "I agree to be contacted about future research." in html
    assert "Optional" in html
    data = sign_data(session, trial, world.wfh.id)
    del data[f"statement_{optional.id}"]
    response = client.post(f"/trials/{trial.id}/consent", data=data)
    assert response.status_code == 302
    consent = session.scalars(select(Consent)).one()
    assert consent.answers[str(optional.id)] is False
    page = text_of(client.get(response.headers["Location"]))
    assert "I agree to be contacted about future research. No" in page


def _first_statement(session, trial: Trial) -> ConsentStatement:
    return current_consent_form(session, trial.id).statements[0]


BAD_SIGNATURES = {
    "required statement unticked": (
        lambda s, t, w: {f"statement_{_first_statement(s, t).id}": None},
        "You must agree to this statement to take part",
        lambda s, t, w: f"#statement_{_first_statement(s, t).id}",
    ),
    "nothing ticked": (
        lambda s, t, w: {
            f"statement_{st.id}": None for st in current_consent_form(s, t.id).statements
        },
        "You must agree to this statement to take part",
        lambda s, t, w: f"#statement_{_first_statement(s, t).id}",
    ),
    "statement sent as false": (
        lambda s, t, w: {f"statement_{_first_statement(s, t).id}": "false"},
        "You must agree to this statement to take part",
        lambda s, t, w: f"#statement_{_first_statement(s, t).id}",
    ),
    "wrong typed name": (
        lambda s, t, w: {"typed_name": "Someone Else"},
        "Type your full name exactly as it appears on your account",
        lambda s, t, w: "#typed_name",
    ),
    "no typed name": (
        lambda s, t, w: {"typed_name": "   "},
        "Type your full name to sign the consent form",
        lambda s, t, w: "#typed_name",
    ),
    "no site": (
        lambda s, t, w: {"site_id": None},
        "Select where you would like to take part",
        lambda s, t, w: "#site_id",
    ),
    "unknown site": (
        lambda s, t, w: {"site_id": "999999"},
        "Select where you would like to take part",
        lambda s, t, w: "#site_id",
    ),
    "site that is not a number": (
        lambda s, t, w: {"site_id": "WFH"},
        "Select where you would like to take part",
        lambda s, t, w: "#site_id",
    ),
}


@pytest.mark.parametrize(
    ("overrides", "message", "href"), BAD_SIGNATURES.values(), ids=BAD_SIGNATURES
)
def test_a_bad_consent_is_refused_with_a_message_and_nothing_is_written(
    client, session, world, participant_client, trial, overrides, message, href
):
    data = sign_data(session, trial, world.wfh.id, **overrides(session, trial, world))
    before = counts(session)
    response = client.post(f"/trials/{trial.id}/consent", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "nhsuk-error-summary" in html
    assert "<title>Error: Consent form: Steady feet trial" in html
    assert f'href="{href(session, trial, world)}"' in html
    assert text_of(response).count(message) >= 2
    assert counts(session) == before


def test_a_refused_consent_keeps_the_answers_given(
    client, session, world, participant_client, trial
):
    first = _first_statement(session, trial)
    data = sign_data(session, trial, world.dor.id, typed_name="Someone Else")
    response = client.post(f"/trials/{trial.id}/consent", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    tag = re.search(rf'<input[^>]*name="statement_{first.id}"[^>]*>', html).group(0)
    assert "checked" in tag
    site = re.search(rf'<input[^>]*value="{world.dor.id}"[^>]*>', html).group(0)
    assert "checked" in site


def test_consenting_twice_is_refused_and_leaves_one_consent(
    client, session, world, participant_client, trial
):
    data = sign_data(session, trial, world.wfh.id)
    assert client.post(f"/trials/{trial.id}/consent", data=data).status_code == 302
    before = counts(session)
    again = client.post(f"/trials/{trial.id}/consent", data=data)
    assert again.status_code == 409
    assert "You have already consented to this trial." in text_of(again)
    assert counts(session) == before
    assert count(session, Consent) == 1
    # Coming back to the form shows their copy instead.
    revisit = client.get(f"/trials/{trial.id}/consent")
    consent = session.scalars(select(Consent)).one()
    assert revisit.status_code == 302
    assert revisit.headers["Location"] == f"/my-trials/consents/{consent.id}"
    assert "You have already agreed to take part in this trial." in text_of(
        client.get(revisit.headers["Location"])
    )


def test_a_participant_never_signs_for_someone_else(client, session, world, login_as, trial):
    other = factories.make_participant(session, full_name="Sam Other")
    session.commit()
    login_as(other.user)
    # Typing another resident's name is refused; the consent is always the signed-in user's.
    response = client.post(
        f"/trials/{trial.id}/consent",
        data=sign_data(session, trial, world.wfh.id, typed_name="Jo Resident"),
    )
    assert response.status_code == 422
    response = client.post(
        f"/trials/{trial.id}/consent",
        data=sign_data(session, trial, world.wfh.id, typed_name="Sam Other"),
    )
    assert response.status_code == 302
    consent = session.scalars(select(Consent)).one()
    assert consent.participant_id == other.id


# My trials ---------------------------------------------------------------------------


def test_my_trials_lists_only_the_participants_own_enrolments(
    client, session, world, participant_client, trial
):
    mine = factories.consent(session, trial, world.participant, "DOR")
    theirs_trial = factories.make_trial(
        session, world, status=TrialStatus.RECRUITING, title="Someone else's trial"
    )
    other = factories.make_participant(session, full_name="Sam Other")
    factories.consent(session, theirs_trial, other)
    session.commit()
    consent = session.scalars(
        select(Consent).where(Consent.participant_id == world.participant.id)
    ).one()
    response = client.get("/my-trials/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "Steady feet trial" in page
    assert "Dorchester satellite" in page
    assert EnrolmentStatus.CONSENTED.label in page
    assert f'href="/my-trials/consents/{consent.id}"' in html
    assert "Someone else's trial" not in page
    assert mine.participant_code not in page


def test_my_trials_with_no_enrolments_says_so(client, participant_client):
    response = client.get("/my-trials/")
    assert response.status_code == 200
    assert "You have not joined any trials yet." in text_of(response)


def test_my_trials_uses_a_bounded_number_of_queries(
    client, session, world, participant_client, count_queries
):
    sizes = []
    for trials in (1, 3):
        for _ in range(trials):
            factories.consent(
                session,
                factories.make_trial(session, world, status=TrialStatus.RECRUITING),
                world.participant,
            )
        session.commit()
        with count_queries() as statements:
            assert client.get("/my-trials/").status_code == 200
        sizes.append(len(statements))
    assert sizes[0] == sizes[1] <= 10


def test_a_second_submission_racing_the_first_is_refused(
    client, session, world, participant_client, trial, monkeypatch
):
    from sqlalchemy.exc import IntegrityError

    from trials.consent import services

    def racing(*args, **kwargs):
        raise IntegrityError("INSERT INTO enrolments", {}, Exception("duplicate key"))

    monkeypatch.setattr(services, "sign_consent", racing)
    before = counts(session)
    response = client.post(
        f"/trials/{trial.id}/consent", data=sign_data(session, trial, world.wfh.id)
    )
    assert response.status_code == 409
    assert "You have already consented to this trial." in text_of(response)
    assert counts(session) == before


def test_a_participant_account_without_a_registry_profile_is_refused(
    client, session, world, login_as, trial
):
    user = factories.make_user(session, Role.PARTICIPANT, full_name="No Profile")
    session.commit()
    login_as(user)
    assert client.get(f"/trials/{trial.id}/consent").status_code == 403
    assert client.get("/my-trials/").status_code == 403
    assert client.get(f"/trials/{trial.id}").status_code == 200


def test_staff_see_the_trial_page_without_the_take_part_button(client, world, login_as, trial):
    login_as(world.researcher_wfh)
    response = client.get(f"/trials/{trial.id}")
    assert response.status_code == 200
    assert "Only people in the volunteer registry can take part." in text_of(response)
    assert f'href="/trials/{trial.id}/consent"' not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (dt.datetime(2025, 7, 1, 13, 5, tzinfo=dt.UTC), "1 July 2025 at 2:05pm"),
        (dt.datetime(2025, 1, 9, 0, 30, tzinfo=dt.UTC), "9 January 2025 at 12:30am"),
        (dt.datetime(2025, 12, 31, 23, 59, tzinfo=dt.UTC), "31 December 2025 at 11:59pm"),
    ],
)
def test_signing_times_are_shown_in_uk_time(moment, shown):
    assert uk_datetime(moment) == shown


# Understanding and checking before signing -----------------------------------------


def test_valid_answers_lead_to_check_your_answers_before_anything_is_signed(
    client, session, world, participant_client, trial
):
    data = sign_data(session, trial, world.wfh.id, confirmed=None)
    response = client.post(f"/trials/{trial.id}/consent", data=data)
    assert response.status_code == 200
    page = text_of(response)
    assert "Check your answers before you sign" in page
    assert "Signed by (typed name) Jo Resident" in page
    assert count(session, Consent) == 0
    changed = client.post(f"/trials/{trial.id}/consent", data={**data, "change": "yes"})
    assert "Do you agree?" in text_of(changed)
    assert count(session, Consent) == 0
    signed = client.post(f"/trials/{trial.id}/consent", data={**data, "confirmed": "yes"})
    assert signed.status_code == 302
    consent = session.scalars(select(Consent)).one()
    form = current_consent_form(session, trial.id)
    assert consent.comprehension_answers == {str(q.id): q.correct_option for q in form.questions}


def test_a_wrong_answer_is_explained_and_nothing_is_signed(
    client, session, world, participant_client, trial
):
    question = current_consent_form(session, trial.id).questions[1]
    wrong = next(i for i in range(len(question.options)) if i != question.correct_option)
    response = client.post(
        f"/trials/{trial.id}/consent",
        data=sign_data(session, trial, world.wfh.id, **{f"question_{question.id}": str(wrong)}),
    )
    assert response.status_code == 422
    assert f"That is not right. {question.explanation}" in text_of(response)
    assert count(session, Consent) == 0


def test_optional_statements_can_be_left_unticked(
    client, session, world, participant_client, trial
):
    form = current_consent_form(session, trial.id)
    optional = [s for s in form.statements if not s.is_required]
    assert optional
    data = sign_data(session, trial, world.wfh.id, **{f"statement_{s.id}": None for s in optional})
    assert client.post(f"/trials/{trial.id}/consent", data=data).status_code == 302
    consent = session.scalars(select(Consent)).one()
    assert not any(consent.answers[str(s.id)] for s in optional)


def test_the_finder_filters_by_site(client, session, world):
    factories.make_trial(session, world, status=TrialStatus.RECRUITING, title="Both sites")
    factories.make_trial(
        session, world, status=TrialStatus.RECRUITING, sites=("DOR",), title="Dorchester only"
    )
    session.commit()
    everything = text_of(client.get("/trials/"))
    assert "Both sites" in everything and "Dorchester only" in everything
    wfh = text_of(client.get("/trials/?site=WFH"))
    assert "Both sites" in wfh and "Dorchester only" not in wfh
    dor = text_of(client.get("/trials/?site=DOR"))
    assert "Both sites" in dor and "Dorchester only" in dor
    unknown = client.get("/trials/?site=<script>")
    assert unknown.status_code == 200
    assert "Dorchester only" in text_of(unknown)
    assert "<script>" not in unknown.get_data(as_text=True)
