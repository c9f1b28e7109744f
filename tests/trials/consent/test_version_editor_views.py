"""The consent-version draft editor over HTTP: edits, bad input, approved versions."""

from __future__ import annotations

import pytest

from tests.pages import text_of
from tests.trials.consent.version_helpers import running_trial
from tests.trials.consent.version_view_helpers import EVERYTHING, base, fresh, writes
from trials.consent.services import current_consent_form


@pytest.fixture
def trial(session, world):
    """Recruiting at WFH only, so staff at Dorchester are strangers to it."""
    return running_trial(session, world, sites=("WFH",))


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
