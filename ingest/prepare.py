"""Preparing documents for the index: file -> structured blocks -> metadata and chunks.

Nothing here writes to the index; ingest/index.py does, for prepared documents.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import Settings
from ingest.errors import UnreadableFileError
from ingest.index import NewDocument
from ingest.limits import ReadLimits
from ingest.metadata import SIDECAR_SUFFIX, folder_groups_path, sidecar_path

log = logging.getLogger(__name__)
SKIPPED_NAMES = {"readme.md", "readme.txt", "readme"}


@dataclass
class FileOutcome:
    """What happened to one file in a run."""

    path: Path
    status: str  # added, updated, unchanged, duplicate, failed, removed
    message: str = ""
    chunks: int = 0
    pages: int | None = None


def discover(paths: Iterable[Path]) -> list[Path]:
    """List the ingestible files under the given files and folders, sorted.

    In a folder, a file whose real path lies outside the folder (a symbolic link to
    /etc/passwd, say) is left out: only what is in the corpus is read and served.
    """
    found: list[Path] = []
    for root in paths:
        candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        real_root = root.resolve()
        for path in candidates:
            relative = path.relative_to(root) if path != root else Path(path.name)
            hidden = any(part.startswith((".", "_")) for part in relative.parts)
            if hidden or path.name.lower() in SKIPPED_NAMES or path.name.endswith(SIDECAR_SUFFIX):
                continue
            if path != root and not path.resolve().is_relative_to(real_root):
                log.warning("Skipping %s: it links to a file outside %s", path, root)
                continue
            found.append(path)
    return found


# Bumped whenever reading a file gives other text, sections or chunks than before
# (loaders, chunking, sentence splitting). The next ingest then reads every file again
# instead of keeping what an older reader made of it; passages and sentences whose
# text did not change keep their vectors, so a bump costs reading, not embedding.
READER_VERSION = "2026-12-04.4"


def content_hash(path: Path, data: bytes, sidecar: bytes | None = None) -> str:
    """Hash a file with its sidecar and folder groups, so a metadata edit counts as a change.

    `sidecar`, when given, stands for the sidecar file (an upload's, not yet written).
    """
    digest = hashlib.sha256(data)
    if sidecar is None:
        found = sidecar_path(path)
        sidecar = found.read_bytes() if found is not None else None
    if sidecar is not None:
        digest.update(sidecar)
    folder = folder_groups_path(path)
    if folder is not None:
        digest.update(b"\0groups\0" + folder.read_bytes())
    return digest.hexdigest()


@dataclass
class Preparer:
    """Reads files into documents ready for the index; heavy parts load on first use."""

    settings: Settings
    timings: dict[str, float] = field(default_factory=dict)
    _chunker: Any = None

    def _timed(self, phase: str, started: float) -> None:
        self.timings[phase] = self.timings.get(phase, 0.0) + time.perf_counter() - started

    def prepare(
        self,
        path: Path,
        known_hash: str | None,
        data: bytes | None = None,
        sidecar: bytes | None = None,
    ) -> tuple[NewDocument | None, str]:
        """Return the file's document, or None when its content hash is known_hash.

        `data`, when given, is read instead of the file (an upload not yet in place at
        `path`), and `sidecar` instead of the sidecar beside it. Raises
        UnreadableFileError with a Swedish message when the file cannot be read or
        exceeds a limit. The second value is the outcome status: added,
        updated or unchanged.
        """
        from ingest.loaders import load_file
        from ingest.metadata import parse_sidecar, resolve_meta

        size = path.stat().st_size if data is None else len(data)
        if size > self.settings.max_file_mb * 1024 * 1024:
            limit = f"{self.settings.max_file_mb:g}"
            raise UnreadableFileError(f"Filen är större än gränsen {limit} MB.")
        started = time.perf_counter()
        data = path.read_bytes() if data is None else data
        digest = content_hash(path, data, sidecar)
        if known_hash == digest:
            return None, "unchanged"
        limits = ReadLimits.from_settings(self.settings)
        loaded = load_file(path, data, limits)
        first_heading = next((b.headings[0] for b in loaded.blocks if b.headings), None)
        override = None if sidecar is None else parse_sidecar(sidecar, path.name + SIDECAR_SUFFIX)
        meta = resolve_meta(path, loaded.properties, first_heading, digest, override)
        self._timed("parse", started)
        started = time.perf_counter()
        if self._chunker is None:
            from ingest.chunking import Chunker

            self._chunker = Chunker(self.settings.chunk_tokens, self.settings.chunk_overlap)
        chunks = self._chunker.chunk(meta.id, digest, meta.title, loaded.blocks)
        self._timed("chunk", started)
        if not chunks:
            raise UnreadableFileError("Filen gav inga textavsnitt att indexera.")
        limits.check_chunks(len(chunks))
        document = NewDocument(meta, chunks, loaded.pages, size)
        return document, "updated" if known_hash else "added"
