"""Small real PDF and DOCX files, and impostors, for upload tests."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from flask import Flask

#: A minimal PDF: the header, one empty object and the end-of-file marker.
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
#: A Windows executable's first bytes.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
TEXT = b"Just some notes, not a PDF.\n"


def docx() -> bytes:
    """A minimal Word document: a ZIP with the content types and the main document part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buffer.getvalue()


def plain_zip() -> bytes:
    """A ZIP that is not a Word document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def upload(data: bytes, filename: str) -> tuple[io.BytesIO, str]:
    """A file for the test client's ``data={"file": ...}``."""
    return io.BytesIO(data), filename


def stored_files(folder: Path) -> list[Path]:
    """Every file in the upload folder, staging files included."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def use_upload_folder(app: Flask, tmp_path: Path) -> Path:
    """Send the app's uploads to a folder of this test's own; returns the folder."""
    folder = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(folder)
    return folder
