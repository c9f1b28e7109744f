"""View helpers: commit an upload (removing its file if that fails) and send a download."""

from __future__ import annotations

import logging

from flask import Response, abort, current_app, render_template, send_file
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from livinglab.documents import filetypes
from livinglab.documents.models import Document
from livinglab.documents.services import too_large_message
from livinglab.documents.storage import DocumentStore

logger = logging.getLogger(__name__)


def download_name(document: Document) -> str:
    """The original name made safe for a header; a plain name when nothing safe is left."""
    name = secure_filename(document.original_filename)
    extension = ".pdf" if document.content_type == filetypes.PDF else ".docx"
    if not name.lower().endswith(extension):
        name = f"document-{document.id}{extension}"
    return name


def download(document: Document, store: DocumentStore) -> Response:
    """The file as an attachment with the type from the record; not cached, not sniffed.

    Raises:
        NotFound (404): the file is missing from the upload folder.
    """
    path = store.path(document.storage_key)
    if not path.is_file():
        logger.warning("The file of document %s is missing from the upload folder", document.id)
        abort(404)
    response = send_file(
        path,
        mimetype=document.content_type,
        as_attachment=True,
        download_name=download_name(document),
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def commit_upload(session: Session, store: DocumentStore, document: Document) -> None:
    """Commit the request's transaction with its new document; if that fails, the file goes."""
    key = document.storage_key
    try:
        session.commit()
    except Exception:
        session.rollback()
        store.remove(key)
        logger.info("Removed the file of an upload whose transaction failed")
        raise


def too_large_page():
    """The 413 page for a request too big to read, when the upload form cannot be shown."""
    message = (
        too_large_message(current_app.config["DOCUMENT_MAX_BYTES"]) + ". Nothing was uploaded."
    )
    page = render_template(
        "errors/error.html", title="The file is too large", message=message, status=413
    )
    return page, 413
