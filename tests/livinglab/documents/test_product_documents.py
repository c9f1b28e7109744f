"""Evidence documents on a product's page, over HTTP: checked, stored safely, members only."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.documents.models import Document, DocumentKind
from livinglab.documents.services import Upload, store_document
from livinglab.errors import NotPermitted
from livinglab.products.models import Product
from tests import factories
from tests.factories import count_rows
from tests.livinglab.documents.files import (
    EXE,
    PDF,
    TEXT,
    docx,
    plain_zip,
    stored_files,
    upload,
    use_upload_folder,
)
from tests.pages import text_of

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def upload_folder(app, tmp_path):
    return use_upload_folder(app, tmp_path)


@pytest.fixture
def product(world, session) -> Product:
    product = factories.make_product(session, world.company)
    session.commit()
    return product


def post_file(client, product_id: int, data: bytes, filename: str):
    return client.post(
        f"/products/{product_id}/documents",
        data={"file": upload(data, filename)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("content", "filename", "content_type", "saved_as"),
    [
        (PDF, "Usability study (2024).pdf", "application/pdf", "Usability_study_2024.pdf"),
        (docx(), "Bench test.DOCX", DOCX_TYPE, "Bench_test.DOCX"),
        (PDF, "отчёт.pdf", "application/pdf", None),
    ],
)
def test_a_member_uploads_evidence_and_downloads_it_unchanged(
    client,
    world,
    login_as,
    session,
    product,
    upload_folder,
    content,
    filename,
    content_type,
    saved_as,
):
    login_as(world.company)
    response = post_file(client, product.id, content, filename)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/products/{product.id}"

    document = session.scalars(select(Document)).one()
    assert document.kind is DocumentKind.EVIDENCE
    assert document.product_id == product.id and document.trial_id is None
    assert document.organisation_id == world.org.id
    assert document.content_type == content_type
    assert document.size_bytes == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.uploaded_by_id == world.company.id
    # Stored under a random key, never the uploader's name.
    assert [p.name for p in stored_files(upload_folder)] == [document.storage_key]
    assert session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "document.uploaded", AuditEvent.object_id == document.id
        )
    )
    page = client.get(f"/products/{product.id}")
    assert document.original_filename in text_of(page)

    download = client.get(f"/products/{product.id}/documents/{document.id}", buffered=True)
    assert download.status_code == 200
    assert download.data == content
    assert download.headers["Content-Type"] == content_type
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "no-store"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    expected = saved_as or f"document-{document.id}.pdf"
    assert f"filename={expected}" in disposition


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (EXE, "protocol.pdf", "The selected file is not a real PDF"),
        (TEXT, "protocol.pdf", "The selected file is not a real PDF"),
        (PDF, "protocol.docx", "The selected file is not a real Word document (DOCX)"),
        (plain_zip(), "protocol.docx", "The selected file is not a real Word document (DOCX)"),
        (docx(), "protocol.pdf", "The selected file is not a real PDF"),
        (EXE, "setup.exe", "The selected file must be a PDF or a Word document (DOCX)"),
        (TEXT, "notes.txt", "The selected file must be a PDF or a Word document (DOCX)"),
        (PDF, "protocol", "The selected file must be a PDF or a Word document (DOCX)"),
        (b"", "empty.pdf", "The selected file is empty"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused_and_nothing_is_stored(
    client, world, login_as, session, product, upload_folder, content, filename, message
):
    login_as(world.company)
    events = count_rows(session, AuditEvent)
    response = post_file(client, product.id, content, filename)
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert message in page
    assert 'id="file-error"' in response.get_data(as_text=True)
    assert count_rows(session, Document) == 0
    assert count_rows(session, AuditEvent) == events
    assert stored_files(upload_folder) == []


def test_no_file_chosen_is_refused(client, world, login_as, session, product, upload_folder):
    login_as(world.company)
    response = client.post(f"/products/{product.id}/documents", data={})
    assert response.status_code == 422
    assert "Select a PDF or Word document (DOCX) to upload" in text_of(response)
    assert count_rows(session, Document) == 0


def test_a_file_over_the_size_limit_is_refused_by_the_field(
    client, app, world, login_as, session, product, upload_folder
):
    # Kept small: the test client spools bigger bodies to files it never closes.
    app.config["DOCUMENT_MAX_BYTES"] = 100 * 1024
    login_as(world.company)
    response = post_file(client, product.id, PDF + b"0" * (100 * 1024), "big.pdf")
    assert response.status_code == 422
    assert "The selected file must be smaller than 100 KB" in text_of(response)
    assert count_rows(session, Document) == 0
    assert stored_files(upload_folder) == []


def test_a_request_over_the_request_limit_gets_a_clear_413(
    client, app, world, login_as, session, product, upload_folder
):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    login_as(world.company)
    response = post_file(client, product.id, PDF + b"0" * (128 * 1024), "huge.pdf")
    assert response.status_code == 413
    page = text_of(response)
    assert "The selected file must be smaller than 10 MB" in page
    assert 'id="file-error"' in response.get_data(as_text=True)
    assert count_rows(session, Document) == 0
    assert stored_files(upload_folder) == []


def test_a_413_before_the_upload_page_can_be_shown_gets_a_plain_page(
    client, app, world, product, upload_folder
):
    # With CSRF on, the token check reads the body before any view runs.
    app.config.update(MAX_CONTENT_LENGTH=1024, WTF_CSRF_ENABLED=True)
    response = post_file(client, product.id, PDF + b"0" * 4096, "huge.pdf")
    assert response.status_code == 413
    assert "The file is too large" in text_of(response)
    assert "Nothing was uploaded" in text_of(response)
    assert stored_files(upload_folder) == []


def test_a_member_deletes_evidence_and_its_file_goes(
    client, world, login_as, session, product, upload_folder
):
    login_as(world.company)
    post_file(client, product.id, PDF, "study.pdf")
    document = session.scalars(select(Document)).one()
    response = client.post(f"/products/{product.id}/documents/{document.id}/delete")
    assert response.status_code == 302
    assert count_rows(session, Document) == 0
    assert stored_files(upload_folder) == []
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.deleted")).one()
    assert event.old_value["filename"] == "study.pdf"
    assert "study.pdf deleted" in text_of(client.get(f"/products/{product.id}"))


def test_the_product_page_takes_a_bounded_number_of_queries(
    client, world, login_as, session, product, upload_folder, count_queries
):
    login_as(world.company)
    post_file(client, product.id, PDF, "one.pdf")
    with count_queries() as few:
        client.get(f"/products/{product.id}")
    for n in range(5):
        post_file(client, product.id, docx(), f"more-{n}.docx")
    with count_queries() as many:
        page = text_of(client.get(f"/products/{product.id}"))
    assert "more-4.docx" in page
    assert len(many) == len(few)


# Who may see and act on evidence -------------------------------------------------------


@pytest.fixture
def rival_document(world, session, upload_folder) -> Document:
    """Evidence uploaded by the other organisation for its own product."""
    rival = factories.make_product(session, world.other_company)
    document = store_document(
        session,
        actor=world.other_company,
        organisation_id=world.other_org.id,
        kind=DocumentKind.EVIDENCE,
        upload=Upload("secret.pdf", io.BytesIO(PDF)),
        product_id=rival.id,
    )
    session.commit()
    return document


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/products/{product}/documents/{document}"),
        ("post", "/products/{product}/documents/{document}/delete"),
        ("post", "/products/{product}/documents"),
        ("get", "/products/{mine}/documents/{document}"),  # my product, their document
        ("post", "/products/{mine}/documents/{document}/delete"),
        ("get", "/products/{product}/documents/999999"),
    ],
)
def test_another_organisations_evidence_is_not_found(
    client, world, login_as, session, product, rival_document, upload_folder, method, path
):
    login_as(world.company)
    url = path.format(
        product=rival_document.product_id, document=rival_document.id, mine=product.id
    )
    response = getattr(client, method)(
        url, data={"file": upload(PDF, "x.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 404
    assert count_rows(session, Document) == 1
    assert len(stored_files(upload_folder)) == 1


@pytest.mark.parametrize("who", ["participant", "researcher_wfh", "evaluator", "admin"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/products/{product}/documents/{document}"),
        ("post", "/products/{product}/documents/{document}/delete"),
        ("post", "/products/{product}/documents"),
    ],
)
def test_evidence_is_only_for_company_users(
    client, world, login_as, session, rival_document, who, method, path
):
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    url = path.format(product=rival_document.product_id, document=rival_document.id)
    response = getattr(client, method)(url)
    assert response.status_code == 403
    assert count_rows(session, Document) == 1


def test_the_service_refuses_a_non_member(app, world, session, product, upload_folder):
    with pytest.raises(NotPermitted):
        store_document(
            session,
            actor=world.other_company,
            organisation_id=world.org.id,
            kind=DocumentKind.EVIDENCE,
            upload=Upload("x.pdf", io.BytesIO(PDF)),
            product_id=product.id,
        )
    assert stored_files(upload_folder) == []


def test_uploads_need_the_csrf_token(app, world, session, product, upload_folder):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()

    def token(path: str) -> str:
        page = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    client.post(
        "/login",
        data={
            "email": world.company.email,
            "password": factories.PASSWORD,
            "csrf_token": token("/login"),
        },
    )
    url = f"/products/{product.id}/documents"
    refused = client.post(url, data={"file": upload(PDF, "a.pdf")})
    assert refused.status_code == 400
    assert count_rows(session, Document) == 0
    assert stored_files(upload_folder) == []
    data = {"file": upload(PDF, "a.pdf"), "csrf_token": token(f"/products/{product.id}")}
    assert client.post(url, data=data).status_code == 302
    assert count_rows(session, Document) == 1
