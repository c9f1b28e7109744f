"""Document bytes on disk: one folder outside the web root, files named by random keys.

An upload is first streamed into a hidden staging file in the same folder (so it never
sits whole in memory and is hashed on the way), checked, then renamed to its key. The
uploader's file name is never used as a path.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

CHUNK_BYTES = 64 * 1024
#: 64 lowercase hex characters: the only names this store creates or opens.
KEY_SHAPE = re.compile(r"^[0-9a-f]{64}$")
STAGING_PREFIX = ".incoming-"


class FileTooLarge(Exception):
    """The stream held more than the limit; nothing was kept."""


@dataclass(frozen=True)
class StagedFile:
    """An upload written to a staging file, waiting to be kept or discarded."""

    path: Path
    size: int
    sha256: str


class DocumentStore:
    """Saves, finds and removes documents in ``folder``."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DocumentStore:
        return cls(config["UPLOAD_FOLDER"])

    def path(self, key: str) -> Path:
        """Where the document with ``key`` lives.

        Raises:
            ValueError: ``key`` is not a key this store made (so never a path elsewhere).
        """
        if not KEY_SHAPE.match(key):
            raise ValueError("Not a document storage key.")
        return self.folder / key

    def stage(self, stream: BinaryIO, *, max_bytes: int) -> StagedFile:
        """Copy ``stream`` into a staging file, hashing it.

        Raises:
            FileTooLarge: more than ``max_bytes`` arrived; the staging file is removed.
        """
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        handle, name = tempfile.mkstemp(prefix=STAGING_PREFIX, dir=self.folder)
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(CHUNK_BYTES):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FileTooLarge()
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StagedFile(path=path, size=size, sha256=digest.hexdigest())

    def keep(self, staged: StagedFile) -> str:
        """Move a staged file to a new random key and return the key."""
        key = secrets.token_hex(32)
        os.replace(staged.path, self.path(key))
        return key

    def discard(self, staged: StagedFile) -> None:
        staged.path.unlink(missing_ok=True)

    def remove(self, key: str) -> None:
        """Delete a stored document; a file already gone is not an error."""
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()
