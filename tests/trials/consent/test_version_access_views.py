"""Who may open the consent-version pages, the list of versions and one version."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import count_rows as count
from tests.pages import text_of
from tests.trials.consent.version_helpers import MAJOR, new_version, running_trial
from tests.trials.consent.version_view_helpers import EVERYTHING, base, writes
from trials.consent.models import ConsentForm, ConsentFormStatus
from trials.consent.services import current_consent_form


@pytest.fixture
def trial(session, world):
    """Recruiting at WFH only, so staff at Dorchester are strangers to it."""
    return running_trial(session, world, sites=("WFH",))


# Who may see and do what ---------------------------------------------------------------

PAGES = [
    ("get", "{base}"),
    ("get", "{base}/{v1}"),
    ("get", "{base}/reconsent-needed"),
    ("post", "{base}/new"),
    ("get", "{base}/{draft}/edit"),
    ("post", "{base}/{draft}/information"),
    ("post", "{base}/{draft}/statements/new"),
    ("post", "{base}/{draft}/statements/{statement}"),
    ("post", "{base}/{draft}/questions/new"),
    ("post", "{base}/{draft}/questions/{question}"),
    ("post", "{base}/{draft}/statements/{statement}/remove"),
    ("post", "{base}/{draft}/questions/{question}/move"),
    ("post", "{base}/{draft}/approve"),
]


def page_url(template: str, trial, draft) -> str:
    return template.format(
        base=base(trial),
        v1=current_consent_form_id(trial),
        draft=draft.id,
        statement=draft.statements[0].id,
        question=draft.questions[0].id,
    )


def current_consent_form_id(trial) -> int:
    from livinglab.extensions import db

    return current_consent_form(db.session, trial.id).id


@pytest.mark.parametrize(("method", "template"), PAGES)
def test_anonymous_users_are_sent_to_sign_in(client, session, trial, draft, method, template):
    before = writes(session)
    response = getattr(client, method)(page_url(template, trial, draft), data=EVERYTHING)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert writes(session) == before


@pytest.mark.parametrize("who", ["company", "participant", "evaluator", "admin"])
@pytest.mark.parametrize(("method", "template"), PAGES)
def test_other_roles_are_forbidden(
    client, session, world, login_as, trial, draft, method, template, who
):
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    before = writes(session)
    response = getattr(client, method)(page_url(template, trial, draft), data=EVERYTHING)
    assert response.status_code == 403
    assert writes(session) == before


@pytest.mark.parametrize(("method", "template"), PAGES)
def test_researchers_at_other_sites_find_nothing(
    client, session, world, login_as, trial, draft, method, template
):
    login_as(world.researcher_dor)
    before = writes(session)
    response = getattr(client, method)(page_url(template, trial, draft), data=EVERYTHING)
    assert response.status_code == 404
    assert writes(session) == before


def test_a_version_of_another_trial_is_not_found(client, session, world, staff, trial, draft):
    other = running_trial(session, world, sites=("WFH",), title="Other trial")
    other_form = current_consent_form(session, other.id)
    assert client.get(f"{base(trial)}/{other_form.id}").status_code == 404
    assert client.get(f"{base(trial)}/999999").status_code == 404
    response = client.post(f"{base(other)}/{draft.id}/information", data=EVERYTHING)
    assert response.status_code == 404


# The list and one version ----------------------------------------------------------------


def test_the_list_shows_each_version_and_the_way_to_a_new_one(client, session, world, staff, trial):
    page = text_of(client.get(base(trial)))
    assert "Version 1" in page and "Approved" in page and "First version" in page
    assert "Test User" in page  # the researcher who approved the trial
    assert "Create a new version" in page
    new_version(session, world, trial, MAJOR)
    response = client.get(base(trial))
    page = text_of(response)
    assert "Version 2" in page and "Major change" in page and "Superseded" in page
    assert f'href="{base(trial)}/{current_consent_form(session, trial.id).id}"' in (
        response.get_data(as_text=True)
    )


def test_one_version_reads_as_it_was_approved(client, session, world, staff, trial):
    form = current_consent_form(session, trial.id)
    page = text_of(client.get(f"{base(trial)}/{form.id}"))
    assert "Consent form version 1" in page
    assert form.statements[0].text in page and "Required" in page
    assert form.questions[0].text in page and "(right answer)" in page
    assert "can no longer be changed" in page


def test_creating_a_version_opens_the_editor(client, session, world, staff, trial):
    response = client.post(f"{base(trial)}/new")
    assert response.status_code == 302
    draft = session.scalars(
        select(ConsentForm).where(ConsentForm.status == ConsentFormStatus.DRAFT)
    ).one()
    assert response.headers["Location"] == f"{base(trial, draft)}/edit"
    page = text_of(client.get(response.headers["Location"]))
    assert "Edit version 2 (draft)" in page and "Approve this version" in page
    list_page = text_of(client.get(base(trial)))
    assert "Continue editing version 2" in list_page and "Create a new version" not in list_page
    assert client.post(f"{base(trial)}/new").status_code == 409
    assert count(session, ConsentForm) == 2
