"""The one error type ingest raises for a file it cannot use, and the Swedish words for others.

Every message a user sees is Swedish and carries no library's English text: a raise site
that catches a library's exception says in Swedish what went wrong and keeps the
library's words as `detail` (or as the exception's cause), which only the server log
shows (`log_failure`).
"""

from __future__ import annotations

import logging
import zipfile

# Shown for an error nobody foresaw; what happened is in the server log.
UNEXPECTED = "Filen kunde inte läsas in på grund av ett oväntat fel. Felet finns i serverloggen."


class UnreadableFileError(ValueError):
    """A file that cannot be ingested; the message is Swedish and shown to the user as is.

    `detail` is the technical reason (a library's own message), for the server log only.
    """

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail


def yaml_position(exc: BaseException) -> str:
    """Return " (rad N)" for a YAML error that knows its line, else an empty string."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f" (rad {mark.line + 1})" if mark is not None else ""


def technical_detail(exc: BaseException) -> str | None:
    """Return what a library said about a failure: the error's detail or its cause."""
    if isinstance(exc, UnreadableFileError) and exc.detail:
        return exc.detail
    cause = exc.__cause__
    return f"{type(cause).__name__}: {cause}" if cause is not None else None


def swedish_message(exc: BaseException) -> str:
    """Return the Swedish message for any failure to read a file; never a library's text."""
    if isinstance(exc, UnreadableFileError):
        return str(exc)
    if isinstance(exc, zipfile.BadZipFile):
        return "Filen är skadad (inte ett giltigt zip-arkiv)."
    if isinstance(exc, UnicodeDecodeError):
        return "Filen innehåller tecken som inte kunde läsas som text."
    if isinstance(exc, MemoryError):
        return "Filen kräver mer minne än servern tillåter och lästes inte in."
    if isinstance(exc, PermissionError):
        return "Servern får inte läsa filen (behörighet saknas)."
    if isinstance(exc, FileNotFoundError):
        return "Filen finns inte längre på sin plats."
    return UNEXPECTED


def log_failure(log: logging.Logger, name: str, exc: BaseException) -> None:
    """Log why a file failed, with the technical detail the user is not shown."""
    detail = technical_detail(exc)
    if isinstance(exc, UnreadableFileError):
        log.warning("Could not read %s: %s%s", name, exc, f" ({detail})" if detail else "")
    else:
        log.error("Could not read %s", name, exc_info=exc)
