"""What a file really is, and how the store keeps it (no HTTP, no database)."""

from __future__ import annotations

import hashlib
import io
from types import SimpleNamespace

import pytest

from livinglab.documents import filetypes
from livinglab.documents.storage import DocumentStore, FileTooLarge
from livinglab.documents.web import commit_upload
from tests.livinglab.documents.files import EXE, PDF, TEXT, docx, plain_zip


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, filetypes.PDF),
        (docx(), filetypes.DOCX),
        (plain_zip(), None),
        (EXE, None),
        (TEXT, None),
        (b"PK\x03\x04 not really a zip", None),
        (b" %PDF-1.4", None),
        (b"", None),
    ],
)
def test_content_decides_the_type(tmp_path, content, expected):
    path = tmp_path / "upload"
    path.write_bytes(content)
    assert filetypes.sniff(path) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("protocol.pdf", filetypes.PDF),
        ("PROTOCOL.PDF", filetypes.PDF),
        ("leaflet.docx", filetypes.DOCX),
        ("leaflet.doc", None),
        ("notes.txt", None),
        ("protocol.pdf.exe", None),
        ("pdf", None),
        ("", None),
    ],
)
def test_only_pdf_and_docx_names_are_accepted(name, expected):
    assert filetypes.extension_type(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("C:\\Users\\sam\\Protocol v2.pdf", "Protocol v2.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("bad\x00name\r\n.pdf", "badname.pdf"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_file_names_are_cleaned_for_showing(name, expected):
    assert filetypes.clean_filename(name) == expected


def test_the_store_keeps_files_under_random_keys(tmp_path):
    store = DocumentStore(tmp_path / "uploads")
    staged = store.stage(io.BytesIO(PDF), max_bytes=len(PDF))
    assert staged.size == len(PDF)
    assert staged.sha256 == hashlib.sha256(PDF).hexdigest()
    key = store.keep(staged)
    assert len(key) == 64
    assert store.path(key).read_bytes() == PDF
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [key]
    store.remove(key)
    store.remove(key)  # already gone: not an error
    assert list((tmp_path / "uploads").iterdir()) == []


def test_a_stream_over_the_limit_leaves_nothing_behind(tmp_path):
    store = DocumentStore(tmp_path / "uploads")
    with pytest.raises(FileTooLarge):
        store.stage(io.BytesIO(b"x" * 1001), max_bytes=1000)
    assert list((tmp_path / "uploads").iterdir()) == []


@pytest.mark.parametrize("key", ["../secret", "a" * 63, "A" * 64, "/etc/passwd", ""])
def test_the_store_opens_only_its_own_keys(tmp_path, key):
    with pytest.raises(ValueError):
        DocumentStore(tmp_path).path(key)


def test_a_failed_commit_removes_the_new_file(tmp_path):
    store = DocumentStore(tmp_path)
    key = store.keep(store.stage(io.BytesIO(PDF), max_bytes=len(PDF)))

    class BrokenSession:
        def commit(self):
            raise RuntimeError("the database went away")

        def rollback(self):
            pass

    with pytest.raises(RuntimeError):
        commit_upload(BrokenSession(), store, SimpleNamespace(storage_key=key))
    assert list(tmp_path.iterdir()) == []
