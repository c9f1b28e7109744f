"""Approving a consent version over HTTP, and the list of who must re-consent."""

from __future__ import annotations

import pytest

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
from tests.trials.consent.version_view_helpers import base, fresh, writes
from trials.consent.models import ConsentChange, ConsentFormStatus


@pytest.fixture
def trial(session, world):
    """Recruiting at WFH only, so staff at Dorchester are strangers to it."""
    return running_trial(session, world, sites=("WFH",))


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
