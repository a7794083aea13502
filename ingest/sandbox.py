"""Read an uploaded file in its own process, bounded in time and memory.

An upload is read before the ingest lock is taken, in a child interpreter whose
address space is capped with RLIMIT_AS and which is killed at the time limit, so a
pathological file (thousands of pages sharing one content stream, a DOCX that unpacks
a hundredfold) costs the server neither its memory nor the lock: it fails alone with a
Swedish message. The child hands back the prepared document; the index writer commits
it in the server process.

`python -m ingest.sandbox` is the child's entry point; it reads its request from stdin.
"""

from __future__ import annotations

import json
import logging
import pickle
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Settings
from ingest.errors import UNEXPECTED, UnreadableFileError, swedish_message, technical_detail
from ingest.index import NewDocument
from ingest.limits import ReadLimits

ROOT = Path(__file__).resolve().parent.parent
# The settings the child needs to read and chunk a file, and nothing else (no secrets).
PASSED_SETTINGS = (
    "max_file_mb",
    "chunk_tokens",
    "chunk_overlap",
    "max_pages",
    "max_text_chars",
    "max_chunks",
    "max_unpacked_mb",
)
FAILED = 3  # the child's exit status when the file could not be read
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileReading:
    """What reading a file found, without chunking it: for the upload form's suggestions."""

    properties: dict[str, Any]
    first_heading: str | None
    pages: int | None
    first_line: str | None = None  # the first line of text, a title where no heading is marked


def request_for(settings: Settings, staged: Path, mode: str, **fields: Any) -> dict[str, Any]:
    """Return what the child needs: the limits, the staged file and what to do with it."""
    return {
        "mode": mode,
        "settings": {name: getattr(settings, name) for name in PASSED_SETTINGS},
        "data_dir": str(settings.data_dir),
        "staged": str(staged),
        "memory_bytes": settings.upload_memory_mb * 1024 * 1024,
    } | fields


def run_child(settings: Settings, request: dict[str, Any]) -> Any:
    """Run the child on one request and return what it hands back.

    Raises UnreadableFileError with a Swedish message when the file cannot be read, is
    past a limit, or takes too long or too much memory; what a library said about it
    goes to the server log only.
    """
    seconds = settings.upload_timeout_seconds
    try:
        child = subprocess.run(
            [sys.executable, "-m", "ingest.sandbox"],
            input=json.dumps(request).encode(),
            capture_output=True,
            timeout=seconds,
            cwd=ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise UnreadableFileError(
            f"Filen tog längre än {seconds:g} sekunder att läsa och lästes inte in."
        ) from None
    if child.returncode == 0:
        return pickle.loads(child.stdout)  # noqa: S301 - our own child's output
    if child.returncode == FAILED:
        failure = child_failure(child.stderr.decode("utf-8", "replace"))
        if failure.get("detail"):
            log.warning("Upload %s: %s", failure["message"], failure["detail"])
        raise UnreadableFileError(failure["message"], failure.get("detail"))
    log.warning("Upload reader stopped with %s: %s", child.returncode, child.stderr[-2000:])
    raise UnreadableFileError(
        f"Filen kunde inte läsas: läsningen avbröts (troligen över minnesgränsen "
        f"{settings.upload_memory_mb} MB)."
    )


def child_failure(stderr: str) -> dict[str, Any]:
    """Return the child's failure: its last line of stderr, JSON; libraries' warnings
    printed before it (pypdf's, in English) go to the detail for the log only."""
    lines = stderr.strip().splitlines()
    try:
        failure = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        failure = {}
    if not isinstance(failure, dict) or not failure.get("message"):
        return {"message": UNEXPECTED, "detail": stderr[-2000:]}
    printed = "\n".join(lines[:-1]).strip()
    if printed:
        failure["detail"] = "; ".join(x for x in (failure.get("detail"), printed) if x)
    return failure


def prepare_isolated(
    settings: Settings,
    target: Path,
    staged: Path,
    known_hash: str | None,
    sidecar: bytes | None = None,
) -> tuple[NewDocument | None, str]:
    """Prepare the file staged at `staged` as the document at `target`, in a child process.

    `sidecar`, when given, is the metadata file that will be written beside `target`.
    Returns what Preparer.prepare returns; raises UnreadableFileError (see run_child).
    """
    request = request_for(
        settings,
        staged,
        "prepare",
        target=str(target),
        known_hash=known_hash,
        sidecar=None if sidecar is None else sidecar.decode("utf-8"),
    )
    document, status = run_child(settings, request)
    return document, status


def read_isolated(settings: Settings, name: str, staged: Path) -> FileReading:
    """Read the file staged at `staged` (named `name`) in a child process, without chunking."""
    properties, first_heading, pages, first_line = run_child(
        settings, request_for(settings, staged, "read", name=name)
    )
    return FileReading(properties, first_heading, pages, first_line)


def read_in_child(request: dict[str, Any], settings: Settings) -> Any:
    """Do what the request asks with the staged file: prepare it, or only read it."""
    from ingest.loaders import load_file
    from ingest.prepare import Preparer

    data = Path(request["staged"]).read_bytes()
    if request["mode"] == "read":
        path = Path(request["name"])
        if len(data) > settings.max_file_mb * 1024 * 1024:
            raise UnreadableFileError(f"Filen är större än gränsen {settings.max_file_mb:g} MB.")
        loaded = load_file(path, data, ReadLimits.from_settings(settings))
        first = next((b.headings[0] for b in loaded.blocks if b.headings), None)
        line = next((b.text.strip().splitlines()[0] for b in loaded.blocks if b.text.strip()), None)
        # A plain tuple: this module runs as __main__ here, its classes would not unpickle.
        return loaded.properties, first, loaded.pages, line
    sidecar = request.get("sidecar")
    return Preparer(settings).prepare(
        Path(request["target"]),
        request["known_hash"],
        data,
        None if sidecar is None else sidecar.encode("utf-8"),
    )


def child_main() -> int:
    """Read one file as the request on stdin says; write the result to stdout.

    A failure is written to stderr as JSON: the Swedish message and the technical detail.
    """
    request: dict[str, Any] = json.loads(sys.stdin.buffer.read())
    memory = int(request["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=Path(request["data_dir"]), **request["settings"]
    )
    try:
        result = read_in_child(request, settings)
    except MemoryError:
        message = (
            f"Filen kräver mer minne än gränsen {memory // 1024 // 1024} MB och lästes inte in."
        )
        sys.stderr.write("\n" + json.dumps({"message": message, "detail": None}))
        return FAILED
    except Exception as exc:  # every failure reaches the user in Swedish, the rest in the log
        message = swedish_message(exc)
        if message == UNEXPECTED:  # near the memory cap libraries fail in many ways
            message = (
                "Filen kunde inte läsas: läsningen avbröts (filen kan vara skadad eller kräva "
                f"mer minne än gränsen {memory // 1024 // 1024} MB)."
            )
        detail = technical_detail(exc) or (
            None if isinstance(exc, UnreadableFileError) else repr(exc)
        )
        sys.stderr.write("\n" + json.dumps({"message": message, "detail": detail}))
        return FAILED
    sys.stdout.buffer.write(pickle.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(child_main())
