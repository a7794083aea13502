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
import pickle
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

from assistant.config import Settings
from ingest.errors import UnreadableFileError
from ingest.index import NewDocument

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


def prepare_isolated(
    settings: Settings,
    target: Path,
    staged: Path,
    known_hash: str | None,
    sidecar: bytes | None = None,
) -> tuple[NewDocument | None, str]:
    """Prepare the file staged at `staged` as the document at `target`, in a child process.

    `sidecar`, when given, is the metadata file that will be written beside `target`.

    Returns what Preparer.prepare returns; raises UnreadableFileError with a Swedish
    message when the file cannot be read, is past a limit, or takes too long or too
    much memory to read.
    """
    request = {
        "settings": {name: getattr(settings, name) for name in PASSED_SETTINGS},
        "data_dir": str(settings.data_dir),
        "target": str(target),
        "staged": str(staged),
        "known_hash": known_hash,
        "sidecar": None if sidecar is None else sidecar.decode("utf-8"),
        "memory_bytes": settings.upload_memory_mb * 1024 * 1024,
    }
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
        document, status = pickle.loads(child.stdout)  # noqa: S301 - our own child's output
        return document, status
    if child.returncode == FAILED:
        raise UnreadableFileError(child.stderr.decode("utf-8", "replace").strip())
    raise UnreadableFileError(
        f"Filen kunde inte läsas: läsningen avbröts (troligen över minnesgränsen "
        f"{settings.upload_memory_mb} MB)."
    )


def child_main() -> int:
    """Read one file as the request on stdin says; write the result to stdout."""
    request: dict[str, Any] = json.loads(sys.stdin.buffer.read())
    memory = int(request["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from ingest.prepare import Preparer

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=Path(request["data_dir"]), **request["settings"]
    )
    try:
        data = Path(request["staged"]).read_bytes()
        sidecar = request.get("sidecar")
        result = Preparer(settings).prepare(
            Path(request["target"]),
            request["known_hash"],
            data,
            None if sidecar is None else sidecar.encode("utf-8"),
        )
    except UnreadableFileError as exc:
        sys.stderr.write(str(exc))
        return FAILED
    except MemoryError:
        sys.stderr.write(
            f"Filen kräver mer minne än gränsen {memory // 1024 // 1024} MB och lästes inte in."
        )
        return FAILED
    sys.stdout.buffer.write(pickle.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(child_main())
