"""Fuzz every endpoint of the OpenAPI schema with schemathesis: no input may cause a 5xx.

The app runs with no login configured, so every operation is open to the fuzzer, over
its own copy of the sample routines so that what it writes stays out of other tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from assistant.config import Settings
from services import Services
from tests.conftest import CORPUS, ingest, make_settings
from web.app import create_app

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402 - needs schemathesis
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

pytestmark = pytest.mark.slow
EXAMPLES = 40
UNCOVERED = "Hur söker man bygglov för en altan?"


@pytest.fixture(scope="module")
def fuzz_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Ingest the sample routines into a data directory of the fuzzer's own."""
    settings = make_settings(tmp_path_factory.mktemp("fuzz-data"))
    summary = ingest(settings, [CORPUS / "rutiner"], progress=False)
    assert summary.count("failed") == 0, [(o.path.name, o.message) for o in summary.outcomes]
    return settings


@pytest.fixture(scope="module")
def fuzz_components(fuzz_settings: Settings) -> Iterator[Services]:
    """Build the components once, with a gap and an answer already logged."""
    components = Services(fuzz_settings)
    components.pipeline.ask(UNCOVERED)
    yield components
    components.close()


def fuzz(operation: Any, mode: Any, sent: list[int]) -> str | None:
    """Send generated requests to one operation; return the failure, if any, as text."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        sent.append(1)
        case.call_and_validate(checks=[not_a_server_error])

    try:
        run()
    except Unsatisfiable:
        return None  # no invalid request exists, e.g. for an operation without parameters
    except Exception as exc:  # noqa: BLE001 - every failure is collected and reported
        return str(exc)[-3000:]
    return None


def test_no_input_causes_a_server_error(fuzz_settings: Settings, fuzz_components: Services) -> None:
    # The pytest plugin's lazy loader (schemathesis.pytest.from_fixture) fails on pytest 9
    # ('Function' object has no attribute '_nodeid'), so each operation is fuzzed here.
    app = create_app(fuzz_settings, fuzz_components)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    sent: list[int] = []
    failures = {
        f"{operation.label} ({mode.value})": failure
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (failure := fuzz(operation, mode, sent))
    }
    print(
        f"schemathesis: {len(operations)} operations, {len(sent)} requests, "
        f"{len(failures)} operation and mode pairs with a server error"
    )
    assert len(operations) >= 10, f"the schema should list every endpoint: {operations}"
    assert not failures, "server errors found:\n" + "\n\n".join(
        f"{label}:\n{text}" for label, text in failures.items()
    )
