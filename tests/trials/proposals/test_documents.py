"""A proposal's documents: the company uploads while it can edit; reviewers read them."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.documents.models import Document, DocumentKind
from livinglab.documents.services import Upload
from livinglab.errors import IllegalTransition
from tests import factories
from tests.factories import count_rows
from tests.livinglab.documents.files import (
    EXE,
    PDF,
    docx,
    stored_files,
    upload,
    use_upload_folder,
)
from tests.pages import text_of
from trials.proposals.documents import add_trial_document
from trials.proposals.services import submit_proposal
from trials.review.services import request_changes
from trials.states import TrialStatus

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def upload_folder(app, tmp_path):
    return use_upload_folder(app, tmp_path)


def post_file(client, trial_id: int, data: bytes, filename: str, kind: str = "protocol"):
    return client.post(
        f"/proposals/{trial_id}/documents",
        data={"kind": kind, "file": upload(data, filename)},
        content_type="multipart/form-data",
    )


def stored_document(session, world, trial, *, filename="protocol.pdf", content=PDF) -> Document:
    """A document added through the service while the trial was a draft."""
    document = add_trial_document(
        session,
        trial,
        actor=world.company,
        kind=DocumentKind.PROTOCOL,
        upload=Upload(filename, io.BytesIO(content)),
    )
    session.commit()
    return document


def test_a_member_uploads_a_protocol_to_a_draft_and_downloads_it(
    client, world, login_as, session, upload_folder
):
    trial = factories.make_trial(session, world)
    session.commit()
    login_as(world.company)
    page = client.get(f"/proposals/{trial.id}/documents")
    assert page.status_code == 200
    for label in ("Protocol", "Participant material", "Ethics or HRA approval letter"):
        assert label in text_of(page)
    assert "Evidence already held" not in text_of(page)

    content = docx()
    response = post_file(client, trial.id, content, "Steady feet protocol v1.docx")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/proposals/{trial.id}/documents"
    document = session.scalars(select(Document)).one()
    assert (document.trial_id, document.product_id) == (trial.id, None)
    assert document.organisation_id == world.org.id
    assert document.kind is DocumentKind.PROTOCOL
    assert document.content_type == DOCX_TYPE
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert [p.name for p in stored_files(upload_folder)] == [document.storage_key]
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "document.uploaded")
    ).one()
    assert event.trial_id == trial.id

    listing = text_of(client.get(f"/proposals/{trial.id}/documents"))
    assert "Steady feet protocol v1.docx" in listing
    assert "Protocol" in listing
    download = client.get(f"/proposals/{trial.id}/documents/{document.id}", buffered=True)
    assert download.status_code == 200
    assert download.data == content
    assert download.headers["Content-Type"] == DOCX_TYPE
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=Steady_feet_protocol_v1.docx"
    )


@pytest.mark.parametrize(
    ("kind", "content", "filename", "field", "message"),
    [
        ("", PDF, "protocol.pdf", "kind", "Select what the document is"),
        ("evidence", PDF, "protocol.pdf", "kind", "Select what the document is"),
        ("protocol", EXE, "protocol.pdf", "file", "The selected file is not a real PDF"),
        ("protocol", PDF, "protocol.docx", "file", "is not a real Word document (DOCX)"),
        ("protocol", b"", "protocol.pdf", "file", "The selected file is empty"),
        ("protocol", EXE, "protocol.exe", "file", "must be a PDF or a Word document (DOCX)"),
    ],
)
def test_bad_uploads_are_refused_by_the_field_and_nothing_is_stored(
    client, world, login_as, session, upload_folder, kind, content, filename, field, message
):
    trial = factories.make_trial(session, world)
    session.commit()
    login_as(world.company)
    events = count_rows(session, AuditEvent)
    response = post_file(client, trial.id, content, filename, kind)
    assert response.status_code == 422
    assert message in text_of(response)
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert count_rows(session, Document) == 0
    assert count_rows(session, AuditEvent) == events
    assert stored_files(upload_folder) == []


def test_a_too_large_request_is_shown_by_the_field(
    client, app, world, login_as, session, upload_folder
):
    trial = factories.make_trial(session, world)
    session.commit()
    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024
    login_as(world.company)
    response = post_file(client, trial.id, PDF + b"0" * (64 * 1024), "big.pdf")
    assert response.status_code == 413
    assert "The selected file must be smaller than 10 MB" in text_of(response)
    assert 'id="file-error"' in response.get_data(as_text=True)
    assert count_rows(session, Document) == 0


def test_a_member_deletes_a_document_from_a_draft(client, world, login_as, session, upload_folder):
    trial = factories.make_trial(session, world)
    document = stored_document(session, world, trial)
    login_as(world.company)
    response = client.post(f"/proposals/{trial.id}/documents/{document.id}/delete")
    assert response.status_code == 302
    assert count_rows(session, Document) == 0
    assert stored_files(upload_folder) == []
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.deleted")).one()
    assert event.trial_id == trial.id
    assert "protocol.pdf deleted" in text_of(client.get(f"/proposals/{trial.id}/documents"))


def test_after_submission_documents_are_listed_but_cannot_change(
    client, world, login_as, session, upload_folder
):
    trial = factories.make_trial(session, world)
    document = stored_document(session, world, trial)
    submit_proposal(session, trial, actor=world.company)
    session.commit()
    login_as(world.company)
    page = client.get(f"/proposals/{trial.id}/documents")
    assert page.status_code == 200
    assert "protocol.pdf" in text_of(page)
    assert "documents cannot be added or deleted now" in text_of(page)
    assert "Upload file" not in text_of(page)
    assert post_file(client, trial.id, PDF, "new.pdf").status_code == 403
    delete = client.post(f"/proposals/{trial.id}/documents/{document.id}/delete")
    assert delete.status_code == 403
    assert count_rows(session, Document) == 1
    assert len(stored_files(upload_folder)) == 1
    with pytest.raises(IllegalTransition):
        add_trial_document(
            session,
            trial,
            actor=world.company,
            kind=DocumentKind.OTHER,
            upload=Upload("x.pdf", io.BytesIO(PDF)),
        )


def test_documents_can_change_again_when_the_reviewers_ask_for_changes(
    client, world, login_as, session, upload_folder
):
    trial = factories.make_trial(session, world, status=TrialStatus.IN_REVIEW)
    request_changes(session, trial, actor=world.researcher_wfh, reason="Add the protocol.")
    session.commit()
    login_as(world.company)
    assert post_file(client, trial.id, PDF, "protocol.pdf").status_code == 302
    assert count_rows(session, Document) == 1


@pytest.mark.parametrize("who", ["researcher_wfh", "admin"])
def test_reviewers_and_admins_read_and_download_but_cannot_change(
    client, world, login_as, session, upload_folder, who
):
    trial = factories.make_trial(session, world, sites=("WFH",))
    document = add_trial_document(
        session,
        trial,
        actor=world.company,
        kind=DocumentKind.ETHICS_APPROVAL,
        upload=Upload("REC letter.pdf", io.BytesIO(PDF)),
    )
    submit_proposal(session, trial, actor=world.company)
    session.commit()
    trial_id = trial.id
    login_as(getattr(world, who))
    page = client.get(f"/proposals/{trial_id}/documents")
    assert page.status_code == 200
    assert "REC letter.pdf" in text_of(page)
    assert "Ethics or HRA approval letter" in text_of(page)
    assert "Delete" not in text_of(page)
    download = client.get(f"/proposals/{trial_id}/documents/{document.id}", buffered=True)
    assert download.status_code == 200
    assert download.data == PDF
    assert post_file(client, trial_id, PDF, "x.pdf").status_code == 403
    assert client.post(f"/proposals/{trial_id}/documents/{document.id}/delete").status_code == 403
    assert count_rows(session, Document) == 1


def test_the_document_list_takes_a_bounded_number_of_queries(
    client, world, login_as, session, upload_folder, count_queries
):
    trial = factories.make_trial(session, world)
    session.commit()
    login_as(world.company)
    post_file(client, trial.id, PDF, "one.pdf")
    with count_queries() as few:
        client.get(f"/proposals/{trial.id}/documents")
    for n in range(5):
        post_file(client, trial.id, docx(), f"leaflet-{n}.docx", "participant_material")
    with count_queries() as many:
        page = text_of(client.get(f"/proposals/{trial.id}/documents"))
    assert "leaflet-4.docx" in page
    assert len(many) == len(few)


# Who may not -----------------------------------------------------------------------------

PATHS = [
    ("get", "/proposals/{trial}/documents"),
    ("post", "/proposals/{trial}/documents"),
    ("get", "/proposals/{trial}/documents/{document}"),
    ("post", "/proposals/{trial}/documents/{document}/delete"),
]


@pytest.fixture
def draft_with_document(world, session, upload_folder):
    trial = factories.make_trial(session, world, sites=("WFH",))
    document = stored_document(session, world, trial)
    return trial, document


@pytest.mark.parametrize(("method", "path"), PATHS)
@pytest.mark.parametrize("who", ["other_company", "researcher_dor", "evaluator"])
def test_people_outside_the_trial_get_not_found(
    client, world, login_as, session, upload_folder, draft_with_document, method, path, who
):
    trial, document = draft_with_document
    login_as(getattr(world, who))
    url = path.format(trial=trial.id, document=document.id)
    response = getattr(client, method)(
        url,
        data={"kind": "other", "file": upload(PDF, "x.pdf")},
        content_type="multipart/form-data",
    )
    # Outsiders never learn the trial exists; a staff role cannot even try to upload.
    expected = 404 if who == "other_company" or method == "get" else 403
    assert response.status_code == expected
    assert count_rows(session, Document) == 1
    assert len(stored_files(upload_folder)) == 1


@pytest.mark.parametrize(("method", "path"), PATHS[2:])
def test_a_document_is_only_reached_through_its_own_trial(
    client, world, login_as, session, upload_folder, draft_with_document, method, path
):
    _, document = draft_with_document
    other_trial = factories.make_trial(session, world, title="Another trial")
    session.commit()
    login_as(world.company)
    url = path.format(trial=other_trial.id, document=document.id)
    assert getattr(client, method)(url).status_code == 404
    assert count_rows(session, Document) == 1


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_participants_are_refused(
    client, world, login_as, session, draft_with_document, method, path
):
    trial, document = draft_with_document
    login_as(world.participant.user)
    url = path.format(trial=trial.id, document=document.id)
    assert getattr(client, method)(url).status_code == 403
    assert count_rows(session, Document) == 1


def test_evaluators_read_documents_once_the_trial_is_in_follow_up(
    client, world, login_as, session, upload_folder
):
    trial = factories.make_trial(session, world, status=TrialStatus.FOLLOW_UP)
    session.commit()
    login_as(world.evaluator)
    assert client.get(f"/proposals/{trial.id}/documents").status_code == 200


def test_the_error_summary_follows_the_page_order(client, world, login_as, session, upload_folder):
    trial = factories.make_trial(session, world)
    session.commit()
    login_as(world.company)
    html = client.post(f"/proposals/{trial.id}/documents", data={}).get_data(as_text=True)
    assert html.index('href="#kind"') < html.index('href="#file"')
