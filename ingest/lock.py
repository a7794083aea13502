"""A single-writer lock on the data directory, released by the OS if its holder dies."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class IngestLockedError(RuntimeError):
    """Another ingest holds the lock."""


class IngestLock:
    """An exclusive flock on DATA_DIR/ingest.lock that records the holder's pid.

    flock belongs to the open file, so a process killed with SIGKILL releases it at
    once; the pid left in the file by a dead holder is simply overwritten.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "ingest.lock"
        self._fd: int | None = None

    def holder(self) -> str:
        """Return what the lock file says about its holder."""
        try:
            return self.path.read_text(encoding="utf-8").strip() or "okänd process"
        except OSError:
            return "okänd process"

    def acquire(self) -> None:
        """Take the lock or raise IngestLockedError naming the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise IngestLockedError(
                f"En annan inläsning pågår redan ({self.holder()}); försök igen när den är klar."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}".encode())
        self._fd = fd

    def release(self) -> None:
        """Give the lock back."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> IngestLock:
        self.acquire()
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.release()
