"""Incremental ingest: skip unchanged, replace changed, prune removed, survive a kill."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.config import Settings
from ingest.lock import IngestLock, IngestLockedError
from services import Services
from tests.conftest import CORPUS, ROOT, ingest, make_settings
from tests.documents import make_docx, make_pdf


def write_routine(folder: Path, name: str, fact: str) -> Path:
    """Write a small Markdown routine whose section states one fact."""
    path = folder / name
    path.write_text(
        f"---\ntitle: Rutin {name}\n---\n# Rutin {name}\n\n## 1 Regel\n\n{fact}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "korpus" / "rutiner"
    folder.mkdir(parents=True)
    write_routine(folder, "cykel.md", "Cykelbidraget är 1 250 kr per år och betalas i mars.")
    write_routine(folder, "glas.md", "Glasögon beviljas med högst 1 800 kr vart tredje år.")
    make_pdf(
        folder / "tand.pdf",
        "Rutin för tandvård",
        [[("1 Tandvård", "Akut tandvård beviljas efter kostnadsförslag från tandläkare.")]],
    )
    make_docx(
        folder / "flytt.docx",
        "Rutin för flytt",
        [("1 Flytt", "Flyttkostnad ersätts med högst 4 000 kr vid flytt till billigare.")],
    )
    return folder.parent


def test_second_run_skips_everything_and_embeds_nothing(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "data")
    first = ingest(settings, [small_corpus], progress=False)
    assert (first.count("added"), first.count("failed")) == (4, 0), first.outcomes
    second = ingest(settings, [small_corpus], progress=False)
    assert second.count("unchanged") == 4, second.outcomes
    assert "embed" not in second.timings, "an unchanged corpus must cause no embedding work"


def test_a_new_reader_reads_every_file_again_without_embedding_again(
    tmp_path: Path, small_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path / "data")
    ingest(settings, [small_corpus], progress=False)
    monkeypatch.setattr("ingest.pipeline.READER_VERSION", "a newer reader")
    reread = ingest(settings, [small_corpus], progress=False)
    assert reread.count("updated") == 4, reread.outcomes
    assert reread.written is not None and reread.written.embedded == 0, reread.written
    again = ingest(settings, [small_corpus], progress=False)
    assert again.count("unchanged") == 4, "the new reader's version is remembered"
    rechunked = ingest(settings.model_copy(update={"chunk_tokens": 120}), [small_corpus])
    assert rechunked.count("updated") == 4, "another chunk size reads every file again"


def test_changed_file_replaced_and_removed_file_pruned(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "data")
    ingest(settings, [small_corpus], progress=False)
    folder = small_corpus / "rutiner"
    write_routine(folder, "cykel.md", "Cykelbidraget är 1 500 kr per år från och med 2026.")
    (folder / "glas.md").unlink()
    kept = ingest(settings, [small_corpus], progress=False)
    assert kept.count("updated") == 1 and kept.count("removed") == 0, kept.outcomes
    pruned = ingest(settings, [small_corpus], prune=True, progress=False)
    assert pruned.count("removed") == 1, pruned.outcomes
    components = Services(settings)
    try:
        texts = [p.text for p in components.retriever.retrieve("cykelbidrag belopp", 5).passages]
        assert any("1 500 kr" in t for t in texts), texts
        assert not any("1 250 kr" in t for t in texts), "the old version must be gone"
        names = {d.file_name for d in components.catalog.documents()}
        assert "glas.md" not in names, names
        assert components.vectors.count() == sum(
            d.chunk_count for d in components.catalog.documents()
        ), "chroma must hold exactly the committed chunks"
    finally:
        components.close()


def test_the_same_content_is_indexed_once_whether_copied_or_moved(
    tmp_path: Path, small_corpus: Path
) -> None:
    settings = make_settings(tmp_path / "data")
    ingest(settings, [small_corpus], progress=False)
    elsewhere = tmp_path / "annan"
    elsewhere.mkdir()
    shutil.copy(small_corpus / "rutiner" / "cykel.md", elsewhere / "cykel-kopia.md")
    copied = ingest(settings, [small_corpus, elsewhere], progress=False)
    duplicate = next(o for o in copied.outcomes if o.path.name == "cykel-kopia.md")
    assert duplicate.status == "duplicate" and "cykel.md" in duplicate.message, duplicate
    assert "embed" not in copied.timings, "a copy must cause no embedding work"

    moved_to = tmp_path / "flyttad"
    small_corpus.rename(moved_to)
    moved = ingest(settings, [moved_to], progress=False)
    assert moved.count("added") == 4, moved.outcomes
    added = [o for o in moved.outcomes if o.status == "added"]
    assert all(o.message.startswith("Flyttad från") for o in added), added
    assert moved.count("removed") == 4, "the entries at the old paths go"
    components = Services(settings)
    try:
        documents = components.catalog.documents()
        assert len(documents) == 4, [d.source_path for d in documents]
        assert all(d.source_path.startswith(str(moved_to)) for d in documents), documents
        texts = [p.text for p in components.retriever.retrieve("cykelbidrag belopp", 5).passages]
        assert len(texts) == len(set(texts)), "no passage may be retrieved twice"
        assert components.vectors.count() == sum(d.chunk_count for d in documents)
    finally:
        components.close()


def test_bad_file_fails_alone_and_keeps_previous_version(
    tmp_path: Path, small_corpus: Path
) -> None:
    settings = make_settings(tmp_path / "data")
    ingest(settings, [small_corpus], progress=False)
    (small_corpus / "rutiner" / "tand.pdf").write_bytes(b"%PDF-1.4 broken")
    (small_corpus / "rutiner" / "tom.md").write_bytes(b"")
    write_routine(small_corpus / "rutiner", "ny.md", "Nya regeln gäller från januari.")
    summary = ingest(settings, [small_corpus], progress=False)
    failed = {o.path.name: o.message for o in summary.outcomes if o.status == "failed"}
    assert set(failed) == {"tand.pdf", "tom.md"}, failed
    assert "skadad" in failed["tand.pdf"] and "tom" in failed["tom.md"], failed
    assert summary.count("added") == 1 and summary.exit_code == 1
    components = Services(settings)
    try:
        names = {d.file_name for d in components.catalog.documents()}
        assert "tand.pdf" in names, "a file that broke keeps its last good version"
        assert {f.file_name for f in components.catalog.failures()} == {"tand.pdf", "tom.md"}
        (small_corpus / "rutiner" / "tom.md").unlink()
        ingest(settings, [small_corpus], progress=False)
        assert {f.file_name for f in components.catalog.failures()} == {"tand.pdf"}, (
            "the failure of a file that is gone is forgotten"
        )
    finally:
        components.close()


def test_oversize_file_is_refused(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "data", max_file_mb=0.001)
    summary = ingest(settings, [small_corpus / "rutiner" / "tand.pdf"], progress=False)
    assert summary.outcomes[0].status == "failed", summary.outcomes
    assert "större än gränsen" in summary.outcomes[0].message


def test_lock_names_the_holder_and_is_released(tmp_path: Path) -> None:
    holder = IngestLock(tmp_path)
    holder.acquire()
    try:
        with pytest.raises(IngestLockedError, match=f"pid {os.getpid()}"):
            IngestLock(tmp_path).acquire()
    finally:
        holder.release()
    with IngestLock(tmp_path):
        pass


def test_lock_of_a_killed_process_is_taken_over(tmp_path: Path) -> None:
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[1]);"
        "from ingest.lock import IngestLock; from pathlib import Path;"
        "IngestLock(Path(sys.argv[2])).acquire(); print('held', flush=True); time.sleep(60)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(ROOT), str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout and process.stdout.readline().strip() == "held"
    with pytest.raises(IngestLockedError):
        IngestLock(tmp_path).acquire()
    process.send_signal(signal.SIGKILL)
    process.wait()
    with IngestLock(tmp_path) as lock:
        assert lock.holder() == f"pid {os.getpid()}"


INGEST_SCRIPT = (
    "import sys; sys.path.insert(0, sys.argv[1]);"
    "from pathlib import Path; from assistant.config import Settings;"
    "from services import Services;"
    "Services(Settings(_env_file=None, data_dir=Path(sys.argv[2]))).ingestor.run("
    "[Path(sys.argv[3])], progress=False)"
)


@pytest.mark.slow
def test_ingest_killed_midway_leaves_previous_index(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "data")
    ingest(settings, [small_corpus], progress=False)
    big = tmp_path / "stor"
    shutil.copytree(CORPUS, big)
    process = subprocess.Popen(
        [sys.executable, "-c", INGEST_SCRIPT, str(ROOT), str(settings.data_dir), str(big)]
    )
    time.sleep(12)  # well into embedding of the sample corpus
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert_index_answers(settings, "cykelbidrag", "1 250 kr")
    summary = ingest(settings, [big], progress=False)
    assert summary.count("failed") == 0, summary.outcomes
    components = Services(settings)
    try:
        assert components.vectors.count() == sum(
            d.chunk_count for d in components.catalog.documents()
        ), "the next ingest must remove what the killed one left in chroma"
    finally:
        components.close()


def assert_index_answers(settings: Settings, question: str, expected: str) -> None:
    """Check that retrieval still finds a fact from the last complete index."""
    components = Services(settings)
    try:
        texts = [p.text for p in components.retriever.retrieve(question, 3).passages]
        assert any(expected in t for t in texts), f"previous index lost: {texts}"
    finally:
        components.close()


def test_running_reader_sees_an_ingest_from_another_process(
    tmp_path: Path, small_corpus: Path
) -> None:
    settings = make_settings(tmp_path / "data")
    ingest(settings, [small_corpus], progress=False)
    reader = Services(settings)  # stands in for the running server
    try:
        assert reader.retriever.retrieve("cykelbidrag belopp", 3).passages
        for round_ in range(2):
            write_routine(
                small_corpus / "rutiner",
                "cykel.md",
                f"Cykelbidraget är {1600 + round_} kr per år från och med 2027.",
            )
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    INGEST_SCRIPT,
                    str(ROOT),
                    str(settings.data_dir),
                    str(small_corpus),
                ],
                check=True,
            )
            result = reader.retriever.retrieve("cykelbidrag belopp", 3)
            assert "dense_failed" not in result.timings, "dense retrieval must not fail"
            texts = [p.text for p in result.passages]
            assert any(f"{1600 + round_} kr" in t for t in texts), texts
    finally:
        reader.close()
