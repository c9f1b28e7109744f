"""Staff pages for consent-form versions: list, read, draft editor, approval, re-consent list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.mail.models import OutboxMessage
from tests import factories
from tests.factories import count_rows as count
from tests.pages import text_of
from tests.trials.consent.version_helpers import (
    MAJOR,
    MINOR,
    NEW_RISK,
    clear_outbox,
    new_version,
    running_trial,
)
from trials.consent.models import (
    ComprehensionQuestion,
    ConsentChange,
    ConsentForm,
    ConsentFormStatus,
    ConsentStatement,
)
from trials.consent.services import current_consent_form
from trials.consent.versions import start_new_version


def writes(session) -> tuple[int, ...]:
    return tuple(
        count(session, model)
        for model in (
            ConsentForm,
            ConsentStatement,
            ComprehensionQuestion,
            AuditEvent,
            OutboxMessage,
        )
    )


def fresh(session, form_id: int) -> ConsentForm:
    session.expire_all()
    return session.get(ConsentForm, form_id)


@pytest.fixture
def trial(session, world):
    """Recruiting at WFH only, so staff at Dorchester are strangers to it."""
    return running_trial(session, world, sites=("WFH",))


@pytest.fixture
def draft(session, world, trial) -> ConsentForm:
    draft = start_new_version(session, trial, actor=world.researcher_wfh)
    session.commit()
    return draft


@pytest.fixture
def staff(client, world, login_as):
    return login_as(world.researcher_wfh)


def base(trial, draft=None) -> str:
    path = f"/trials/{trial.id}/consent-forms"
    return f"{path}/{draft.id}" if draft else path


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


EVERYTHING = {
    "information_sheet": "Changed",
    "text": "Changed",
    "requirement": "required",
    "options": "A\nB",
    "correct_option": "1",
    "explanation": "Because.",
    "direction": "down",
    "change_kind": "major",
    "change_summary": "Changed",
}


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


# The draft editor ------------------------------------------------------------------------


def test_editing_the_information_sheet(client, session, staff, trial, draft):
    url = f"{base(trial, draft)}/information"
    first_paragraph = draft.information_sheet.split("\n\n")[0]
    assert first_paragraph in text_of(client.get(url))
    response = client.post(url, data={"information_sheet": "New first paragraph.\r\n\r\nSecond."})
    assert response.status_code == 302
    assert fresh(session, draft.id).information_sheet == "New first paragraph.\n\nSecond."
    assert "New first paragraph." in text_of(client.get(f"{base(trial, draft)}/edit"))


def test_adding_changing_moving_and_removing_a_statement(client, session, staff, trial, draft):
    response = client.post(
        f"{base(trial, draft)}/statements/new",
        data={"text": "I agree to a blood test.", "requirement": "optional"},
    )
    assert response.status_code == 302
    added = fresh(session, draft.id).statements[-1]
    assert (added.text, added.is_required) == ("I agree to a blood test.", False)
    edit_url = f"{base(trial, draft)}/statements/{added.id}"
    assert "I agree to a blood test." in client.get(edit_url).get_data(as_text=True)
    client.post(edit_url, data={"text": "I agree to one blood test.", "requirement": "required"})
    client.post(f"{edit_url}/move", data={"direction": "up"})
    statements = fresh(session, draft.id).statements
    assert (statements[-2].text, statements[-2].is_required) == ("I agree to one blood test.", True)
    assert client.post(f"{edit_url}/remove").status_code == 302
    assert "I agree to one blood test." not in [s.text for s in fresh(session, draft.id).statements]


def test_adding_and_changing_a_question(client, session, staff, trial, draft):
    data = {
        "text": "How many blood tests are there?",
        "options": "None\r\n\r\n One \r\nTwo",
        "correct_option": "2",
        "explanation": "There is one blood test.",
    }
    assert client.post(f"{base(trial, draft)}/questions/new", data=data).status_code == 302
    question = fresh(session, draft.id).questions[-1]
    assert (question.options, question.correct_option) == (["None", "One", "Two"], 1)
    edit_url = f"{base(trial, draft)}/questions/{question.id}"
    form_html = client.get(edit_url).get_data(as_text=True)
    assert "None\nOne\nTwo" in form_html and 'value="2"' in form_html
    client.post(edit_url, data=data | {"options": "One\nTwo", "correct_option": "1"})
    question = fresh(session, draft.id).questions[-1]
    assert (question.options, question.correct_option) == (["One", "Two"], 0)


BAD_EDITS = [
    ("information", {"information_sheet": "  "}, "Enter the information for participants"),
    ("statements/new", {"text": "", "requirement": "required"}, "Enter the statement"),
    ("statements/new", {"text": "I agree."}, "Select whether participants have to agree"),
    ("statements/new", {"text": "x" * 1001, "requirement": "required"}, "1,000 characters"),
    (
        "questions/new",
        {"text": "", "options": "A\nB", "correct_option": "1", "explanation": "E"},
        "Enter the question",
    ),
    (
        "questions/new",
        {"text": "Q", "options": "Only one", "correct_option": "1", "explanation": "E"},
        "Enter between 2 and 5 answers, one per line",
    ),
    (
        "questions/new",
        {"text": "Q", "options": "A\nB\nC\nD\nE\nF", "correct_option": "1", "explanation": "E"},
        "Enter between 2 and 5 answers, one per line",
    ),
    (
        "questions/new",
        {"text": "Q", "options": "Yes\nyes", "correct_option": "1", "explanation": "E"},
        "Each answer must be different",
    ),
    (
        "questions/new",
        {"text": "Q", "options": "A\nB", "correct_option": "3", "explanation": "E"},
        "Enter the number of the right answer, from 1 to 2",
    ),
    (
        "questions/new",
        {"text": "Q", "options": "A\nB", "correct_option": "two", "explanation": "E"},
        "must be a whole number",
    ),
    (
        "questions/new",
        {"text": "Q", "options": "A\nB", "correct_option": "", "explanation": "E"},
        "Enter the number of the right answer",
    ),
    (
        "questions/new",
        {"text": "Q", "options": "A\nB", "correct_option": "1", "explanation": ""},
        "Enter the explanation shown after a wrong answer",
    ),
]


@pytest.mark.parametrize(("path", "data", "message"), BAD_EDITS)
def test_bad_input_is_shown_by_the_field_and_nothing_is_saved(
    client, session, staff, trial, draft, path, data, message
):
    before = writes(session)
    response = client.post(f"{base(trial, draft)}/{path}", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2  # in the error summary and by the field
    assert 'class="nhsuk-error-message"' in response.get_data(as_text=True)
    assert writes(session) == before


def test_a_bad_move_direction_is_refused(client, session, staff, trial, draft):
    before = writes(session)
    url = f"{base(trial, draft)}/statements/{draft.statements[0].id}/move"
    assert client.post(url, data={}).status_code == 400
    assert client.post(url, data={"direction": "sideways"}).status_code == 422
    assert writes(session) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "edit"),
        ("get", "information"),
        ("post", "information"),
        ("post", "statements/new"),
        ("post", "statements/{statement}/remove"),
        ("get", "approve"),
        ("post", "approve"),
    ],
)
def test_approved_versions_cannot_be_edited(client, session, world, staff, trial, method, path):
    first = current_consent_form(session, trial.id)
    url = f"{base(trial, first)}/{path.format(statement=first.statements[0].id)}"
    before = writes(session)
    response = getattr(client, method)(url, data=EVERYTHING)
    assert response.status_code == 409
    assert "can no longer be changed" in text_of(response)
    assert writes(session) == before


# Approving -------------------------------------------------------------------------------


@pytest.fixture
def participants(session, world, trial):
    """Jo and Sam consented to version 1."""
    sam = factories.make_participant(session, full_name="Sam Second")
    enrolments = [factories.consent(session, trial, p) for p in (world.participant, sam)]
    session.commit()
    clear_outbox(session)
    return enrolments


def test_the_approval_page_says_how_many_will_be_told(
    client, session, staff, trial, draft, participants
):
    page = text_of(client.get(f"{base(trial, draft)}/approve"))
    assert "2 participants will be told about this change by email" in page
    assert "Minor change" in page and "Major change" in page
    assert "agree again before their next study activity" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"change_summary": "Typo"}, "Select whether this is a minor or a major change"),
        ({"change_kind": "huge", "change_summary": "Typo"}, "Select whether this is a minor"),
        ({"change_kind": "minor", "change_summary": " "}, "Describe what changed"),
        ({"change_kind": "minor", "change_summary": "x" * 2001}, "2,000 characters or fewer"),
    ],
)
def test_approval_needs_a_kind_and_a_summary(
    client, session, staff, trial, draft, participants, data, message
):
    before = writes(session)
    response = client.post(f"{base(trial, draft)}/approve", data=data)
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page and page.count(message) == 2
    assert writes(session) == before
    assert fresh(session, draft.id).status is ConsentFormStatus.DRAFT


def test_approving_a_major_change(client, session, world, staff, trial, draft, participants):
    response = client.post(
        f"{base(trial, draft)}/approve", data={"change_kind": "major", "change_summary": NEW_RISK}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == base(trial)
    draft = fresh(session, draft.id)
    assert draft.status is ConsentFormStatus.APPROVED and draft.change_kind is ConsentChange.MAJOR
    assert count(session, OutboxMessage) == 2
    page = text_of(client.get(base(trial)))
    assert "2 participants must read the new information and agree again" in page


def test_a_version_that_is_not_ready_cannot_be_approved(
    client, session, world, staff, trial, draft
):
    for statement in list(draft.statements):
        client.post(f"{base(trial, draft)}/statements/{statement.id}/remove")
    page = text_of(client.get(f"{base(trial, draft)}/approve"))
    assert "This version is not ready" in page
    assert "Add at least one statement participants must agree to" in page
    response = client.post(
        f"{base(trial, draft)}/approve", data={"change_kind": "minor", "change_summary": "x"}
    )
    assert response.status_code == 409
    assert fresh(session, draft.id).status is ConsentFormStatus.DRAFT


# Who must re-consent ---------------------------------------------------------------------


def test_the_re_consent_list_shows_codes_and_sites_not_names(
    client, session, world, staff, trial, participants
):
    new_version(session, world, trial, MINOR, "Typo.")
    assert "Nobody needs to agree again" in text_of(client.get(f"{base(trial)}/reconsent-needed"))
    new_version(session, world, trial, MAJOR)
    page = text_of(client.get(f"{base(trial)}/reconsent-needed"))
    assert "2 participants to re-consent" in page
    for enrolment in participants:
        assert enrolment.participant_code in page
    assert "Wessex Fields hub" in page
    assert "Jo Resident" not in page and "Sam Second" not in page


def test_pages_use_a_bounded_number_of_queries(client, session, world, staff, trial, count_queries):
    sizes = []
    for extra in (1, 4):
        for _ in range(extra):
            new_version(session, world, trial, MAJOR)
            participant = factories.make_participant(session, full_name="P")
            factories.consent(session, trial, participant)
        session.commit()
        new_version(session, world, trial, MAJOR)  # everyone has to agree again
        index_url, list_url = base(trial), f"{base(trial)}/reconsent-needed"
        with count_queries() as index_queries:
            assert client.get(index_url).status_code == 200
        with count_queries() as list_queries:
            assert client.get(list_url).status_code == 200
        sizes.append((len(index_queries), len(list_queries)))
    assert sizes[0] == sizes[1]
    assert sizes[0][0] <= 20 and sizes[0][1] <= 18
