"""Answers beyond the configured limit wait their turn; health checks answer meanwhile.

The generator is Ollama on a loopback server that takes half a second per answer, so
the answers are slow for a reason the test controls and can count at the transport.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from assistant.config import Settings
from services import Services
from tests.assistant.test_ollama import QUESTION, cite_fact
from tests.conftest import LiveServer, make_settings
from tests.fake_ollama import MODEL, FakeOllama, LoopbackOllama
from web.app import create_app

LIMIT = 2
REQUESTS = 6
SLOW = 0.5


class CountingModel:
    """A model reply that records how many answers are being generated at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0

    def __call__(self, messages: list[dict[str, str]]) -> list[str]:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(SLOW)
        with self.lock:
            self.running -= 1
        return cite_fact(messages)


def test_answers_queue_at_the_limit_while_health_checks_answer(sample_settings: Settings) -> None:
    model = CountingModel()
    with LoopbackOllama(FakeOllama(model)) as ollama:
        settings = make_settings(
            sample_settings.data_dir,
            generator="ollama",
            ollama_model=MODEL,
            ollama_host=ollama.url,
            ollama_retries=0,
            ollama_timeout=30,
            answer_threads=LIMIT,
        )
        components = Services(settings)
        try:
            with LiveServer(create_app(settings, components)) as server:
                path = ["/api/chat", "/api/chat/stream"]
                with ThreadPoolExecutor(REQUESTS) as pool:
                    replies = [
                        pool.submit(
                            httpx.post,
                            f"{server.url}{path[i % 2]}",
                            json={"question": QUESTION},
                            timeout=60,
                        )
                        for i in range(REQUESTS)
                    ]
                    time.sleep(SLOW / 2)  # every request has arrived; most are queued
                    health = httpx.get(f"{server.url}/healthz", timeout=5)
                    queued = model.running
                    responses = [reply.result() for reply in replies]
        finally:
            components.close()
    assert health.status_code == 200, "the health check answers while answers queue"
    assert queued <= LIMIT, f"{queued} answers in generation while others were queued"
    assert [r.status_code for r in responses] == [200] * REQUESTS
    assert all("tre senaste månaderna" in r.text for r in responses), "every answer completed"
    assert model.peak == LIMIT, f"{model.peak} answers generated at once, limit {LIMIT}"
