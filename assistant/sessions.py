"""Sign-ins ended before their time: the ids a signed session cookie may no longer carry.

The session cookie is signed, not stored, so a copy of it would stay valid until it
expires. Logging out records the session's id here; the web layer refuses a cookie with
an ended id. Every replica reads the same table; each remembers for a few seconds that
an id was not ended, so a request does not cost a query each time it asks.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from assistant.database import Database, EndedSessionRow, utcnow

# Seconds a replica trusts that an id was not ended before it asks the database again.
CHECK_SECONDS = 5.0
REMEMBERED = 10_000


class EndedSessions:
    """Records ended sign-ins and answers whether one has ended."""

    def __init__(self, database: Database, max_age: dt.timedelta) -> None:
        self.database = database
        self.max_age = max_age
        self._ended: set[str] = set()
        self._open_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def end(self, session_id: str) -> None:
        """Record that a sign-in has ended; forget ended ones whose cookies have expired."""
        with self._lock:
            self._ended.add(session_id)
            self._open_until.pop(session_id, None)
        try:
            with self.database.session() as session:
                session.execute(
                    delete(EndedSessionRow).where(
                        EndedSessionRow.ended_at < utcnow() - self.max_age
                    )
                )
                session.add(EndedSessionRow(id=session_id))
        except IntegrityError:  # ended twice (two tabs): once is enough
            pass

    def ended(self, session_id: str) -> bool:
        """Tell whether a sign-in has been ended by logout."""
        now = time.monotonic()
        with self._lock:
            if session_id in self._ended:
                return True
            if self._open_until.get(session_id, 0.0) > now:
                return False
        with self.database.session() as session:
            found = session.get(EndedSessionRow, session_id) is not None
        with self._lock:
            if len(self._ended) + len(self._open_until) > REMEMBERED:
                self._ended.clear()
                self._open_until.clear()
            if found:
                self._ended.add(session_id)
            else:
                self._open_until[session_id] = now + CHECK_SECONDS
        return found
