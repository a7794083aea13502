"""What reading one file may cost: pages, text, chunks and unpacked size."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.config import Settings
from ingest.errors import UnreadableFileError


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on one file; past any of them the file fails with a Swedish message."""

    max_pages: int = 2000
    max_text_chars: int = 5_000_000
    max_chunks: int = 10_000
    max_unpacked_bytes: int = 100 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> ReadLimits:
        """Take the limits from the settings."""
        return cls(
            settings.max_pages,
            settings.max_text_chars,
            settings.max_chunks,
            int(settings.max_unpacked_mb * 1024 * 1024),
        )

    def check_pages(self, pages: int) -> None:
        """Refuse a document with more pages than allowed, before reading them."""
        if pages > self.max_pages:
            raise UnreadableFileError(
                f"Dokumentet har {pages} sidor; gränsen är {self.max_pages} sidor per fil."
            )

    def check_text(self, chars: int) -> None:
        """Refuse a document that yields more text than allowed."""
        if chars > self.max_text_chars:
            raise UnreadableFileError(
                f"Dokumentet innehåller {chars:,} tecken text; gränsen är "
                f"{self.max_text_chars:,} tecken per fil.".replace(",", " ")
            )

    def check_chunks(self, chunks: int) -> None:
        """Refuse a document that is cut into more chunks than allowed."""
        if chunks > self.max_chunks:
            raise UnreadableFileError(
                f"Dokumentet delas i {chunks} textavsnitt; gränsen är {self.max_chunks} per fil."
            )


DEFAULT_LIMITS = ReadLimits()
