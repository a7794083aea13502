"""Ingest throughput: the sample corpus, a re-run with nothing changed, and a scaled corpus.

`python -m evals.bench_ingest [--pages 2000] [--skip-sample] [--skip-scaled] [--stand-in-embedding]`

The scaled corpus is made of PDFs rendered from the sample corpus's own passages,
each copy numbered so that no two passages are identical (identical text would let
the embedding work be skipped). Figures: pages/s and chunks/s overall, the time per
phase (parse, chunk, embed, lexical, write), pages/s for everything except embedding,
and peak memory of the ingest process including its embedding workers.

With --stand-in-embedding the scaled corpus is embedded with random unit vectors
instead of the model, so that everything else (parse, chunk, lexical, write) can be
measured at full scale in minutes; the model's own rate comes from a run without it.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import resource
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from ingest.pipeline import IngestSummary
from services import Services

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
LINES_PER_PAGE = 46


def peak_memory_mb() -> tuple[float, float]:
    """Return peak resident memory of this process and of its finished children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def report(label: str, summary: IngestSummary, pages: int, real_embedding: bool = True) -> None:
    """Print one run's throughput and where its time went."""
    t = summary.timings
    embed = t.get("embed", 0.0)
    rest = max(summary.seconds - embed, 1e-9)
    print(f"\n{label}")
    print(
        f"  files {len(summary.outcomes)}, pages {pages}, chunks {summary.chunks}, "
        f"failed {summary.count('failed')}"
    )
    print(
        f"  total {summary.seconds:.1f} s: {pages / summary.seconds:.1f} pages/s, "
        f"{summary.chunks / summary.seconds:.1f} chunks/s"
    )
    phases = ", ".join(f"{k} {v:.2f} s" for k, v in sorted(t.items()))
    print(f"  phases: {phases}")
    print(f"  without embedding: {pages / rest:.1f} pages/s (target ≥ 20)")
    if summary.written and summary.chunks:
        w = summary.written
        print(
            f"  texts embedded {w.embedded} ({w.embedded / summary.chunks:.2f} per chunk), "
            f"reused {w.reused}"
        )
    if embed and real_embedding:
        print(f"  embedding, chunks with their sentences: {summary.chunks / embed:.1f} chunks/s")


def sample_passages() -> list[str]:
    """Collect the sample corpus's paragraphs as raw material for the scaled corpus."""
    from ingest.loaders import load_file
    from ingest.pipeline import discover

    passages = []
    for path in discover([CORPUS]):
        for block in load_file(path, path.read_bytes()).blocks:
            passages += [p for p in block.text.split("\n") if len(p) > 60]
    return passages


def write_scaled_corpus(folder: Path, pages: int, seed: int = 7) -> int:
    """Render PDFs of 20 pages each until the corpus holds the requested page count."""
    from evals.synthetic import make_pdf

    rng = random.Random(seed)
    passages = sample_passages()
    written = 0
    for number in range(0, (pages + 19) // 20):
        doc_pages = []
        for page in range(20):
            sections = []
            for section in range(3):
                heading = f"{section + 1} Avsnitt {number}.{page}.{section}"
                body = " ".join(rng.sample(passages, 3))
                sections.append((heading, f"Kopia {number}-{page}-{section}. {body}"))
            doc_pages.append(sections)
        make_pdf(folder / f"skalad_{number:04d}.pdf", f"Skalad rutin {number}", doc_pages)
        written += len(doc_pages)
    return written


@contextmanager
def stand_in_embedding() -> Iterator[None]:
    """Replace the embedding model with seeded random unit vectors while the block runs."""
    from assistant import embeddings

    real = embeddings.embed_passages_parallel

    def random_vectors(
        texts: Sequence[str], *_args: Any, on_batch: Callable[[int], Any] | None = None, **_kw: Any
    ) -> np.ndarray:
        vectors = np.stack(
            [
                np.random.default_rng(zlib.crc32(text.encode())).standard_normal(384)
                for text in texts
            ]
        ).astype(np.float32)
        if on_batch is not None:
            on_batch(len(texts))
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    embeddings.embed_passages_parallel = random_vectors  # type: ignore[assignment]
    try:
        yield
    finally:
        embeddings.embed_passages_parallel = real


def run_ingest(settings: Settings, corpus: Path, progress: bool = False) -> IngestSummary:
    """Run one ingest as `rutinstod ingest` does, with services of its own."""
    with Services(settings) as services:
        return services.ingestor.run([corpus], progress=progress)


def count_pages(summary: IngestSummary) -> int:
    """Count pages: PDF pages, and one per page-less document."""
    return sum(o.pages or 1 for o in summary.outcomes if o.status in {"added", "updated"})


def bench_sample(data_dir: Path) -> None:
    """Ingest the sample corpus, again with nothing changed, then with one document edited."""
    corpus = data_dir.parent / "sample-corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    first = run_ingest(settings, corpus)
    report("Sample corpus, first ingest", first, count_pages(first))
    started = time.perf_counter()
    again = run_ingest(settings, corpus)
    print(
        f"\nSample corpus, re-run with nothing changed: "
        f"{time.perf_counter() - started:.2f} s, {again.count('unchanged')} unchanged "
        f"(target ≤ 2 s)"
    )
    edited = next(p for p in sorted(corpus.rglob("*.md")) if p.name.lower() != "readme.md")
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\n\nEn ny mening om uppföljning varje kvartal.\n",
        encoding="utf-8",
    )
    changed = run_ingest(settings, corpus)
    written = changed.written
    assert written is not None
    print(
        f"\nSample corpus, one document edited ({edited.name}, {changed.chunks} chunks): "
        f"{changed.seconds:.2f} s, texts embedded {written.embedded}, reused {written.reused}"
    )


def bench_scaled(folder: Path, pages: int, stand_in: bool) -> None:
    """Render a scaled corpus of PDFs and ingest it."""
    corpus = folder / "scaled"
    corpus.mkdir()
    started = time.perf_counter()
    written = write_scaled_corpus(corpus, pages)
    print(f"\nRendered {written} scaled pages in {time.perf_counter() - started:.0f} s")
    settings = Settings(_env_file=None, data_dir=folder / "scaled-data")  # type: ignore[call-arg]
    with stand_in_embedding() if stand_in else contextlib.nullcontext():
        scaled = run_ingest(settings, corpus, progress=True)
    label = " with stand-in embedding" if stand_in else ""
    report(f"Scaled corpus ({written} pages){label}", scaled, written, not stand_in)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--skip-sample", action="store_true")
    parser.add_argument("--skip-scaled", action="store_true")
    parser.add_argument(
        "--stand-in-embedding",
        action="store_true",
        help="embed the scaled corpus with random vectors to time the other phases",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rutinstod-bench-") as tmp:
        if not args.skip_sample:
            bench_sample(Path(tmp) / "sample")
        if not args.skip_scaled:
            bench_scaled(Path(tmp), args.pages, args.stand_in_embedding)
    own, children = peak_memory_mb()
    print(f"\nPeak memory: ingest process {own:.0f} MB, largest embedding worker {children:.0f} MB")


if __name__ == "__main__":
    main()
