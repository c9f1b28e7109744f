"""An uploaded document's record; the bytes live in the upload folder under ``storage_key``."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.accounts.models import User
from livinglab.db import enum_column, utcnow
from livinglab.extensions import db


class DocumentKind(enum.StrEnum):
    PROTOCOL = "protocol"
    EVIDENCE = "evidence"
    PARTICIPANT_MATERIAL = "participant_material"
    ETHICS_APPROVAL = "ethics_approval"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            DocumentKind.PROTOCOL: "Protocol",
            DocumentKind.EVIDENCE: "Evidence already held",
            DocumentKind.PARTICIPANT_MATERIAL: "Participant material",
            DocumentKind.ETHICS_APPROVAL: "Ethics or HRA approval letter",
            DocumentKind.OTHER: "Other supporting document",
        }[self]


class Document(db.Model):
    """A PDF or DOCX a company uploaded for one of its products or trials.

    ``organisation_id`` is the owner and the access check: only its members and the staff
    reviewing its trials may download it.
    """

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    trial_id: Mapped[int | None] = mapped_column(ForeignKey("trials.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, 30))
    #: The name the uploader's file had, cleaned; shown, never used as a path.
    original_filename: Mapped[str] = mapped_column(String(255))
    #: Checked from the content, not trusted from the browser.
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    #: Random file name inside the upload folder.
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped[User] = relationship(lazy="raise")

    @property
    def size_text(self) -> str:
        """The size for people: "840 KB", "2.4 MB"."""
        if self.size_bytes >= 1024 * 1024:
            return f"{self.size_bytes / (1024 * 1024):.1f} MB"
        return f"{max(1, round(self.size_bytes / 1024))} KB"

    @property
    def type_label(self) -> str:
        return "PDF" if self.content_type == "application/pdf" else "Word document"
