"""Reading documents: lists with their uploaders, and one document of a known owner."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from livinglab.documents.models import Document


def query_documents(*, product_id: int | None = None, trial_id: int | None = None) -> Any:
    """A product's or a trial's documents with their uploaders, newest first."""
    query = select(Document).options(joinedload(Document.uploaded_by))
    if product_id is not None:
        query = query.where(Document.product_id == product_id)
    else:
        query = query.where(Document.trial_id == trial_id)
    return query.order_by(Document.created_at.desc(), Document.id.desc())


def get_document_or_404(
    session: Session,
    document_id: int,
    *,
    product_id: int | None = None,
    trial_id: int | None = None,
) -> Document:
    """The document if it belongs to that product or trial (already loaded and checked)."""
    document = session.get(Document, document_id)
    if document is None:
        abort(404)
    if product_id is not None and document.product_id != product_id:
        abort(404)
    if trial_id is not None and document.trial_id != trial_id:
        abort(404)
    if product_id is None and trial_id is None:
        abort(404)
    return document
