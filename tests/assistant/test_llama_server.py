"""The OpenAI-compatible backend against a real llama.cpp server, when one is installed.

Opt in by putting llama.cpp's `llama-server` on PATH (or naming it in
RUTINSTOD_TEST_LLAMA_SERVER) and a GGUF chat model in RUTINSTOD_TEST_GGUF. A small model
such as Qwen2.5-Coder 0.5B is too weak to judge answers but real enough to test the
protocol end to end: the test starts the server on loopback and streams through it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.config import Settings
from assistant.generation import GenerationRequest, OpenAIGenerator
from assistant.schemas import Passage
from evals.servers import free_port
from services import Services
from tests.assistant.test_ollama import QUESTION
from tests.conftest import make_settings

SERVER = os.environ.get("RUTINSTOD_TEST_LLAMA_SERVER") or shutil.which("llama-server")
GGUF = os.environ.get("RUTINSTOD_TEST_GGUF", "")
ALIAS = "rutinstod-test"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not SERVER or not Path(GGUF).is_file(),
        reason="needs llama.cpp's llama-server (on PATH or RUTINSTOD_TEST_LLAMA_SERVER) and a "
        "GGUF model in RUTINSTOD_TEST_GGUF; ik-llama-cpp-python ships no server binary",
    ),
]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start llama-server on a loopback port and return its /v1 base URL."""
    port = free_port()
    log = (tmp_path_factory.mktemp("llama") / "server.log").open("wb")
    command = [str(SERVER), "-m", GGUF, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--alias", ALIAS, "-c", "4096", "-t", "2"]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"llama-server did not come up; see {log.name}")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_streams_an_answer_from_a_real_llama_server(llama_server: str) -> None:
    generator = OpenAIGenerator(llama_server, ALIAS, None, timeout=120, retries=0)
    health = generator.health()
    assert health.state == "ok", health
    passage = Passage(
        chunk_id="c1",
        document_id="d1",
        document="cykelbidrag.md",
        title="Rutin för cykelbidrag",
        doc_type="rutin",
        section="1 Belopp",
        page=None,
        valid_from=None,
        text="Cykelbidraget är 1 250 kr per år och betalas ut i mars.",
        score=1.0,
    )
    pieces = list(generator.stream(GenerationRequest("Hur stort är cykelbidraget?", [passage])))
    assert len(pieces) > 1 and "".join(pieces).strip(), f"a streamed answer, got {pieces}"


def test_pipeline_answers_or_refuses_through_llama_server(
    llama_server: str, sample_settings: Settings
) -> None:
    settings = make_settings(
        sample_settings.data_dir,
        generator="openai",
        openai_base_url=llama_server,
        openai_model=ALIAS,
        openai_timeout=120,
    )
    components = Services(settings)
    try:
        response = components.pipeline.ask(QUESTION)
    finally:
        components.close()
    assert response.generator == "openai", "the real server answered, no fallback"
    assert response.answered or response.gap_id, response
    for citation in response.citations:
        assert citation.passage in response.passages, "every citation is a given passage"
