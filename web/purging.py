"""The server's periodic retention purge (gallring), started in the app's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio

from assistant.retention import RetentionPurge

log = logging.getLogger(__name__)


async def purge_periodically(job: RetentionPurge, hours: float) -> None:
    """Purge at start and then every RUTINSTOD_RETENTION_PURGE_HOURS; a failure waits a turn."""
    interval = hours * 3600
    while True:
        try:
            report = await anyio.to_thread.run_sync(job.run)
            log.info("Gallring: %d poster raderade %s", report.total, report.counts)
        except Exception:
            log.exception("Gallringen misslyckades; nytt försök om %.0f s", interval)
        await anyio.sleep(interval)


def start_purging(job: RetentionPurge, hours: float) -> asyncio.Task[None] | None:
    """Start the periodic purge, unless it is turned off (0 hours)."""
    if hours <= 0:
        return None
    return asyncio.create_task(purge_periodically(job, hours), name="gallring")


async def stop_purging(task: asyncio.Task[None] | None) -> None:
    """Cancel the periodic purge and wait for a purge under way to finish."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
