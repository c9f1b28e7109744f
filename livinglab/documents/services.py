"""Document use cases: check and store an upload, delete a document. Both are audited.

The file is written before the row and renamed into place only once it passes every
check, so a refused upload leaves neither a row nor a file. A deleted document's file
is removed by the caller after the commit (see :func:`delete_document`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, BinaryIO

from flask import current_app
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.audit.services import record
from livinglab.documents import filetypes
from livinglab.documents.models import Document, DocumentKind
from livinglab.documents.storage import DocumentStore, FileTooLarge, StagedFile
from livinglab.errors import InvalidInput, NotPermitted

logger = logging.getLogger(__name__)

FIELD = "file"
WRONG_TYPE = "The selected file must be a PDF or a Word document (DOCX)"
EMPTY = "The selected file is empty"


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name the uploader's computer gave it, and its bytes."""

    filename: str
    stream: BinaryIO


def default_store() -> DocumentStore:
    return DocumentStore.from_config(current_app.config)


def size_in_words(size_bytes: int) -> str:
    """A limit for people: "10 MB", or "500 KB" below a megabyte."""
    if size_bytes >= 2**20:
        return f"{size_bytes // 2**20} MB"
    return f"{max(1, size_bytes // 2**10)} KB"


def too_large_message(max_bytes: int) -> str:
    return f"The selected file must be smaller than {size_in_words(max_bytes)}"


def require_member(actor: User, organisation_id: int) -> None:
    """Raises NotPermitted unless ``actor`` is a company user of the organisation."""
    if not (actor.has_role(Role.COMPANY) and actor.organisation_id == organisation_id):
        raise NotPermitted("Only members of the organisation can change its documents.")


def _content_type(promised: str, staged: StagedFile) -> str:
    """The checked content type, or InvalidInput on ``file``."""
    if staged.size == 0:
        raise InvalidInput(FIELD, EMPTY)
    actual = filetypes.sniff(staged.path)
    if actual != promised:
        raise InvalidInput(
            FIELD,
            f"The selected file is not a real {filetypes.LABELS[promised]}: its contents do "
            "not match its name",
        )
    return actual


def _stage(upload: Upload, store: DocumentStore, max_bytes: int) -> tuple[StagedFile, str]:
    """The upload in a staging file with its checked content type, or InvalidInput."""
    promised = filetypes.extension_type(upload.filename)
    if promised is None:
        raise InvalidInput(FIELD, WRONG_TYPE)
    try:
        staged = store.stage(upload.stream, max_bytes=max_bytes)
    except FileTooLarge:
        raise InvalidInput(FIELD, too_large_message(max_bytes)) from None
    try:
        return staged, _content_type(promised, staged)
    except InvalidInput:
        store.discard(staged)
        raise


def store_document(
    session: Session,
    *,
    actor: User,
    organisation_id: int,
    kind: DocumentKind,
    upload: Upload,
    product_id: int | None = None,
    trial_id: int | None = None,
    store: DocumentStore | None = None,
    max_bytes: int | None = None,
) -> Document:
    """Check an upload, keep its file under a random key and record it; audited.

    Exactly one of ``product_id`` and ``trial_id`` names what the document belongs to.
    ``store`` and ``max_bytes`` default to the app's ``UPLOAD_FOLDER`` and
    ``DOCUMENT_MAX_BYTES``.

    Raises:
        NotPermitted: the actor is not a company user of the organisation.
        InvalidInput: on ``file``: not a PDF or DOCX by name, empty, too large, or its
            content does not match its name. Nothing is stored.
    """
    if (product_id is None) == (trial_id is None):
        raise ValueError("A document belongs to exactly one product or one trial.")
    require_member(actor, organisation_id)
    store = store or default_store()
    max_bytes = max_bytes or current_app.config["DOCUMENT_MAX_BYTES"]
    staged, content_type = _stage(upload, store, max_bytes)
    key = store.keep(staged)
    try:
        document = Document(
            organisation_id=organisation_id,
            product_id=product_id,
            trial_id=trial_id,
            kind=kind,
            original_filename=filetypes.clean_filename(upload.filename) or "document",
            content_type=content_type,
            size_bytes=staged.size,
            sha256=staged.sha256,
            storage_key=key,
            uploaded_by_id=actor.id,
        )
        session.add(document)
        session.flush()
        record(
            session,
            actor=actor,
            action="document.uploaded",
            object_type="document",
            object_id=document.id,
            trial_id=trial_id,
            new=_summary(document),
        )
    except BaseException:
        store.remove(key)
        raise
    return document


def _summary(document: Document) -> dict[str, Any]:
    return {
        "kind": document.kind,
        "filename": document.original_filename,
        "content_type": document.content_type,
        "size_bytes": document.size_bytes,
        "sha256": document.sha256,
        "product_id": document.product_id,
        "trial_id": document.trial_id,
    }


def delete_document(session: Session, document: Document, *, actor: User) -> str:
    """Delete the document's record; audited. Returns its storage key.

    The caller removes the file (``store.remove(key)``) after committing, so a rolled-back
    transaction never loses the bytes of a document that is still listed.

    Raises:
        NotPermitted: the actor is not a company user of the owning organisation.
    """
    require_member(actor, document.organisation_id)
    key = document.storage_key
    record(
        session,
        actor=actor,
        action="document.deleted",
        object_type="document",
        object_id=document.id,
        trial_id=document.trial_id,
        old=_summary(document),
    )
    session.delete(document)
    session.flush()
    return key
