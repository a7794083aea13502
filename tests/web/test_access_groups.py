"""Access per group over HTTP: users of different groups asking the same question.

A corpus of its own, ingested with the real model into real chroma: one open routine,
one restricted by its folder's _groups.yaml to `ekonomi`, one restricted by its front
matter to `barn`, all about protected housing. Users sign in at the loopback OIDC
provider; their groups come from the groups claim.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.config import Settings
from services import Services
from tests.conftest import LiveServer, ingest
from tests.oidc_provider import OIDCProvider
from tests.web.conftest import oidc_settings, sign_in
from web.app import create_app

QUESTION = "Vem betalar kostnaden för skyddat boende och hur länge får placeringen pågå?"
OPEN_TEXT = """# Skyddat boende – allmänt

## Ansökan om skyddat boende

Den som söker skyddat boende ska få ett första samtal samma dag. Handläggaren gör en
riskbedömning med stöd av FREDA och dokumenterar den i akten.
"""
EKONOMI_TEXT = """# Skyddat boende – ekonomi

## Kostnaden för skyddat boende

Kostnaden för skyddat boende betalas av ekonomiskt bistånd efter beslut av enhetschefen.
Placeringen får pågå i högst tre månader innan beslutet omprövas av enhetschefen.
"""
BARN_TEXT = """---
groups: [barn]
---
# Skyddat boende – barn och familj

## Barn i skyddat boende

Kostnaden för skyddat boende för barn betalas av enheten för barn och familj. Placeringen
får pågå i högst sex veckor innan en ny barnavårdsutredning görs av barnsekreteraren.
"""


@pytest.fixture(scope="module")
def group_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write the three routines, two of them restricted."""
    root = tmp_path_factory.mktemp("group-corpus")
    (root / "rutiner").mkdir()
    (root / "rutiner" / "skyddat_boende.md").write_text(OPEN_TEXT, encoding="utf-8")
    (root / "ekonomi" / "rutiner").mkdir(parents=True)
    (root / "ekonomi" / "_groups.yaml").write_text("groups: [Ekonomi]\n", encoding="utf-8")
    (root / "ekonomi" / "rutiner" / "skyddat_boende_kostnad.md").write_text(
        EKONOMI_TEXT, encoding="utf-8"
    )
    (root / "rutiner" / "skyddat_boende_barn.md").write_text(BARN_TEXT, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def group_settings(
    tmp_path_factory: pytest.TempPathFactory, group_corpus: Path, oidc_provider: OIDCProvider
) -> Settings:
    """Ingest the group corpus into a data directory of its own."""
    settings = oidc_settings(
        tmp_path_factory.mktemp("group-data"),
        oidc_provider,
        min_dense_score=0.0,  # the gate is not under test: every passage may answer
        corpus_dir=group_corpus,
    )
    summary = ingest(settings, [group_corpus], progress=False)
    assert summary.count("failed") == 0, [o.message for o in summary.outcomes]
    return settings


@pytest.fixture(scope="module")
def group_components(group_settings: Settings) -> Iterator[Services]:
    """Build real components over the group index."""
    components = Services(group_settings)
    yield components
    components.close()


@pytest.fixture(scope="module")
def group_server(group_settings: Settings, group_components: Services) -> Iterator[LiveServer]:
    """Serve the group index with OIDC sign-in."""
    with LiveServer(create_app(group_settings, group_components)) as server:
        yield server


@contextmanager
def signed_in(server: LiveServer, provider: OIDCProvider, login: str) -> Iterator[httpx.Client]:
    """Yield a client signed in as a test user."""
    with httpx.Client(base_url=server.url, timeout=120) as client:
        landed = sign_in(client, provider, login)
        assert landed.status_code == 200, landed.text
        yield client


def documents_in(answer: dict[str, Any]) -> set[str]:
    """Return the titles an answer cites or names as nearest."""
    cited = {c["title"] for c in answer["citations"] + answer["lessons"]}
    return cited | {n["title"] for n in answer["nearest"]}


def test_two_groups_get_different_passages(
    group_server: LiveServer, oidc_provider: OIDCProvider
) -> None:
    with (
        signed_in(group_server, oidc_provider, "eva") as eva,
        signed_in(group_server, oidc_provider, "bo") as bo,
        signed_in(group_server, oidc_provider, "alva") as alva,
    ):
        assert eva.get("/api/me").json()["groups"] == ["ekonomi"], "Eva's groups from the claim"
        answers = {
            name: client.post("/api/chat", json={"question": QUESTION}).json()
            for name, client in (("eva", eva), ("bo", bo), ("alva", alva))
        }
    eva_docs, bo_docs, alva_docs = (documents_in(answers[n]) for n in ("eva", "bo", "alva"))
    assert "Skyddat boende – ekonomi" in eva_docs, f"Eva should get her group's routine: {eva_docs}"
    assert not any("barn" in t for t in eva_docs), f"Eva must not see the barn routine: {eva_docs}"
    assert "Skyddat boende – barn och familj" in bo_docs, f"Bo should get his: {bo_docs}"
    assert not any("ekonomi" in t for t in bo_docs), f"Bo must not see ekonomi's: {bo_docs}"
    assert alva_docs == {"Skyddat boende – allmänt"}, (
        f"no group: the open routine only: {alva_docs}"
    )
    assert answers["eva"]["answer"] != answers["bo"]["answer"], "the answers should differ"


def test_document_list_and_files_hide_restricted_documents(
    group_server: LiveServer, oidc_provider: OIDCProvider
) -> None:
    with (
        signed_in(group_server, oidc_provider, "eva") as eva,
        signed_in(group_server, oidc_provider, "alva") as alva,
    ):
        eva_list = {d["title"]: d for d in eva.get("/api/documents").json()}
        alva_list = {d["title"] for d in alva.get("/api/documents").json()}
        assert set(eva_list) == {"Skyddat boende – allmänt", "Skyddat boende – ekonomi"}, eva_list
        assert alva_list == {"Skyddat boende – allmänt"}, alva_list
        restricted = eva_list["Skyddat boende – ekonomi"]
        assert restricted["groups"] == ["ekonomi"], "the folder's group, case-folded"
        path = f"/api/documents/{restricted['id']}/file"
        assert eva.get(path).status_code == 200, "Eva may open her group's original"
        assert alva.get(path).status_code == 404, "to others the document does not exist"


def test_retrieval_fills_k_with_visible_passages(group_components: Services) -> None:
    retriever = group_components.retriever
    everyone = retriever.retrieve(QUESTION, 10)
    total = len(everyone.passages)
    restricted = sum(1 for p in everyone.passages if p.groups)
    assert restricted >= 2, "precondition: both restricted routines are in the index"
    reader = frozenset({"barn"})
    for limit in (1000, 0):  # over-fetch, then chroma's own metadata filter
        retriever.overfetch_limit = limit
        for mode in ("hybrid", "dense", "lexical"):
            got = retriever.retrieve(QUESTION, 10, mode=mode, reader=reader).passages
            groups = {g for p in got for g in p.groups}
            assert groups <= {"barn"}, f"{mode}/{limit}: a hidden passage came back: {groups}"
            if mode != "lexical":  # BM25 returns only passages sharing a term
                expected = total - sum(1 for p in everyone.passages if "ekonomi" in p.groups)
                assert len(got) == expected, f"{mode}/{limit}: {len(got)} of {expected}"
    retriever.overfetch_limit = 1000
    top = retriever.retrieve(QUESTION, 1, mode="dense", reader=frozenset({"ekonomi"}))
    assert top.passages[0].title == "Skyddat boende – ekonomi", "k=1 is the best visible one"


def test_gap_log_hides_topics_near_documents_the_reader_may_not_see(
    group_server: LiveServer, oidc_provider: OIDCProvider
) -> None:
    with signed_in(group_server, oidc_provider, "eva") as eva:
        refused = eva.post("/api/chat", json={"question": "Hur söker man bygglov för en altan?"})
        answer = refused.json()
    assert answer["kind"] == "refusal" and answer["gap_id"], answer
    assert "Skyddat boende – ekonomi" in {n["title"] for n in answer["nearest"]}, answer["nearest"]
    with (
        signed_in(group_server, oidc_provider, "rut") as rut,
        signed_in(group_server, oidc_provider, "rutek") as rutek,
    ):
        plain = {g["id"] for g in rut.get("/api/gaps").json()}
        member = {g["id"] for g in rutek.get("/api/gaps").json()}
        assert answer["gap_id"] not in plain, "a gap near ekonomi's routine is hidden from rut"
        assert answer["gap_id"] in member, "a routine-group member in ekonomi sees it"
        plain_topics = [t for t in rut.get("/api/gaps/topics").json()]
        member_topics = [t for t in rutek.get("/api/gaps/topics").json()]
        assert not any(answer["gap_id"] in t["gap_ids"] for t in plain_topics), plain_topics
        assert any(answer["gap_id"] in t["gap_ids"] for t in member_topics), member_topics
        csv = rut.get("/api/gaps/export.csv").text
        assert "bygglov" not in csv, "the CSV export hides it too"
        stored = rut.get(f"/api/answers/{answer['answer_id']}")
        assert stored.status_code == 200, "a refusal cites nothing, so it is not hidden"
        patched = rut.patch(f"/api/gaps/{answer['gap_id']}", json={"status": "avvisad"})
        assert patched.status_code == 404, "a hidden gap cannot be changed (or read back)"
        topic = next(t for t in member_topics if answer["gap_id"] in t["gap_ids"])
        assert rut.patch(f"/api/gaps/topics/{topic['id']}", json={"keep": True}).status_code == 404
        assert rutek.patch(f"/api/gaps/{answer['gap_id']}", json={"note": "ok"}).status_code == 200


def test_upload_with_groups_restricts_the_document(
    group_server: LiveServer, oidc_provider: OIDCProvider, group_settings: Settings
) -> None:
    text = "# Skyddat boende – rutingruppens utkast\n\nUtkastet gäller skyddat boende.\n"
    with (
        signed_in(group_server, oidc_provider, "rutek") as rutek,
        signed_in(group_server, oidc_provider, "rut") as rut,
    ):
        files = {"file": ("utkast.md", text.encode(), "text/markdown")}
        uploaded = rutek.post("/api/documents", files=files, data={"groups": "Ekonomi, extra"})
        assert uploaded.status_code == 200, uploaded.text
        listed = {d["title"]: d for d in rutek.get("/api/documents").json()}
        draft = listed["Skyddat boende – rutingruppens utkast"]
        assert draft["groups"] == ["ekonomi", "extra"], draft
        sidecar = group_settings.files_dir / "utkast.md.meta.yaml"
        assert "ekonomi" in sidecar.read_text(encoding="utf-8"), "the groups live in a sidecar"
        hidden = {d["title"] for d in rut.get("/api/documents").json()}
        assert draft["title"] not in hidden, "rut is in neither group"
        replace = rut.post("/api/documents", files=files)
        assert replace.status_code == 409, "rut cannot overwrite a document rut cannot see"
        assert rut.delete(f"/api/documents/{draft['id']}").status_code == 404
        assert rutek.delete(f"/api/documents/{draft['id']}").status_code == 204


def test_tokens_and_the_proxy_header_carry_groups(
    group_settings: Settings, group_components: Services
) -> None:
    eko_token, plain_token = "ekonomi-token-4f8a2c", "vanlig-token-9d1e7b"
    settings = group_settings.model_copy(
        update={
            "oidc_issuer": None,
            "oidc_client_id": None,
            "caseworker_tokens": [eko_token, plain_token],
            "token_groups": {eko_token: ["Ekonomi"]},
            "auth_header": "X-Rutinstod-Role",
            "auth_groups_header": "X-Rutinstod-Groups",
        }
    )
    with (
        LiveServer(create_app(settings, group_components)) as server,
        httpx.Client(base_url=server.url, timeout=120) as http,
    ):

        def titles(headers: dict[str, str]) -> set[str]:
            listed = http.get("/api/documents", headers=headers)
            assert listed.status_code == 200, listed.text
            return {d["title"] for d in listed.json()}

        eko = titles({"Authorization": f"Bearer {eko_token}"})
        plain = titles({"Authorization": f"Bearer {plain_token}"})
        proxy = titles({"X-Rutinstod-Role": "handlaggare", "X-Rutinstod-Groups": "barn, x"})
        assert "Skyddat boende – ekonomi" in eko and len(eko) == 2, eko
        assert plain == {"Skyddat boende – allmänt"}, "a token without groups: open only"
        assert "Skyddat boende – barn och familj" in proxy and len(proxy) == 2, proxy
