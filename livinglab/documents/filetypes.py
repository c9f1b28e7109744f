"""What a file really is, from its bytes: PDF or Word (DOCX), nothing else.

The browser's content type and the file's extension are claims; the content decides.
A PDF starts with ``%PDF-``. A DOCX is a ZIP archive holding ``[Content_Types].xml``
and ``word/document.xml`` (only the archive's directory is read, nothing is unpacked).
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: The extensions accepted and the content each one promises.
EXTENSIONS = {".pdf": PDF, ".docx": DOCX}
LABELS = {PDF: "PDF", DOCX: "Word document (DOCX)"}
DOCX_MEMBERS = frozenset({"[Content_Types].xml", "word/document.xml"})


def sniff(path: Path) -> str | None:
    """``PDF`` or ``DOCX`` from the file's content, or ``None`` for anything else."""
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"%PDF-":
        return PDF
    if head.startswith(b"PK") and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if names >= DOCX_MEMBERS:
            return DOCX
    return None


def extension_type(filename: str) -> str | None:
    """The content type the file name's extension promises, or ``None`` if not accepted."""
    suffix = PurePosixPath(filename.lower()).suffix
    return EXTENSIONS.get(suffix)


def clean_filename(filename: str) -> str:
    """The name without any folder part or control characters, at most 255 characters.

    Kept to show people; never used as a path (downloads use ``secure_filename``).
    """
    base = PureWindowsPath(PurePosixPath(filename).name).name
    printable = "".join(ch for ch in base if ch.isprintable()).strip()
    if len(printable) > 255:
        stem, dot, suffix = printable.rpartition(".")
        printable = (stem[: 254 - len(suffix)] + dot + suffix) if dot else printable[:255]
    return printable
