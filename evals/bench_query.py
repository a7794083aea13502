"""Query latency at 10k and 100k chunks, retrieval apart from the query embedding.

`python -m evals.bench_query [--sizes 10000 100000]`

The sample corpus is ingested for real, then scaled up synthetically: each copy of a
chunk gets its text renumbered with a few words swapped and its real embedding
jittered and renormalised, written through the same stores ingest uses (the index
writer: chroma, the SQL manifest, a BM25 generation). Each size is then searched in a fresh process
with the sample questions, which prints p50/p95 of the retrieval itself (dense +
lexical + fusion + passage fetch), the query-embedding time separately, and that
process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import select

from assistant.config import Settings
from assistant.database import ChunkRow
from assistant.schemas import Chunk, DocumentMeta
from ingest.index import NewDocument, decode_vector
from services import Services

ROOT = Path(__file__).resolve().parent.parent
DATASETS = [ROOT / "evals/datasets/sample_a.jsonl", ROOT / "evals/datasets/sample_b.jsonl"]
FILLER = ["därför", "alltid", "normalt", "vanligen", "särskilt", "dessutom", "också"]


def settings_for(data_dir: Path) -> Settings:
    """Return settings for a benchmark data directory."""
    return Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]


def vary(text: str, copy: int, rng: random.Random) -> str:
    """Return a renumbered copy of a text with a few words swapped."""
    words = text.split()
    for _ in range(max(1, len(words) // 25)):
        words[rng.randrange(len(words))] = rng.choice(FILLER)
    return f"Kopia {copy}. " + " ".join(words)


def scale_up(services: Services, target: int, seed: int = 3) -> int:
    """Add synthetic copies of the ingested chunks until the index holds target chunks.

    The copies are committed by the index writer, as ingest commits documents, with
    their jittered vectors given (so nothing is embedded) and no sentence vectors.
    """
    rng, noise = random.Random(seed), np.random.default_rng(seed)
    with services.database.session() as session:
        rows = session.execute(select(ChunkRow.id, ChunkRow.text, ChunkRow.vector)).all()
    # Copy only the real chunks; synthetic ids start with "s" and a run may already exist.
    base = [(cid, text, decode_vector(blob)) for cid, text, blob in rows if blob and cid[0] != "s"]
    total = len(rows)
    copy = math.ceil((total - len(base)) / len(base))  # copies made by an earlier call
    documents = []
    while total < target:
        copy += 1
        meta = DocumentMeta(
            f"Syntetisk kopia {copy}",
            "rutin",
            None,
            "1",
            None,
            None,
            f"/synthetic/{copy}.md",
            f"synthetic_{copy}.md",
            f"h{copy}",
        )
        take = base[: min(len(base), target - total)]
        chunks = [
            Chunk(
                f"s{copy:05d}{i:06d}", meta.id, i, f"Avsnitt {i}", None, None, vary(text, copy, rng)
            )
            for i, (_id, text, _e) in enumerate(take)
        ]
        jitter = np.asarray([e for _i, _t, e in take]) + noise.normal(0, 0.01, (len(take), 384))
        jitter /= np.linalg.norm(jitter, axis=1, keepdims=True)
        documents.append(NewDocument(meta, chunks, None, 0, jitter.astype(np.float32)))
        total += len(chunks)
    services.ingestor.writer.commit(documents)
    return total


def search(data_dir: Path) -> dict[str, float]:
    """Answer the sample questions' retrieval and return latency and memory figures."""
    questions = [
        json.loads(line)["question"]
        for path in DATASETS
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    retrieval, embedding = [], []
    phases: dict[str, list[float]] = {"dense": [], "lexical": [], "fuse": []}
    with Services(settings_for(data_dir)) as services:
        services.warm_up()
        for question in questions:
            started = time.perf_counter()
            services.embedder.embed_query(question + " ")  # uncached: a new string
            embedding.append(time.perf_counter() - started)
            result = services.retriever.retrieve(question, services.settings.top_k)
            t = result.timings
            retrieval.append(t.get("dense", 0) + t.get("lexical", 0) + t.get("fuse", 0))
            for phase, values in phases.items():
                values.append(t.get(phase, 0))
        chunks = services.vectors.count()

    def pct(values: list[float], q: int) -> float:
        return 1000 * float(np.percentile(values, q))

    return {
        "chunks": float(chunks),
        "retrieval_p50_ms": pct(retrieval, 50),
        "retrieval_p95_ms": pct(retrieval, 95),
        "embedding_p50_ms": 1000 * statistics.median(embedding),
        "embedding_p95_ms": pct(embedding, 95),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **{f"{phase}_p50_ms": pct(values, 50) for phase, values in phases.items()},
    }


def main() -> None:
    """Build each size and measure it in a fresh process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--search-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    if args.search_only:
        print(json.dumps(search(args.search_only)))
        return
    with (
        tempfile.TemporaryDirectory(prefix="rutinstod-query-") as tmp,
        Services(settings_for(args.keep or Path(tmp))) as services,
    ):
        data_dir = services.settings.data_dir
        services.ingestor.run([ROOT / "corpus"], progress=False)
        print(
            f"{'chunks':>8} {'retrieval p50':>14} {'p95':>8} {'embed p50':>10} "
            f"{'p95':>8} {'search RSS':>11}"
        )
        for size in sorted(args.sizes):
            started = time.perf_counter()
            scale_up(services, size)
            built = time.perf_counter() - started
            output = (
                subprocess.run(
                    [sys.executable, "-m", "evals.bench_query", "--search-only", str(data_dir)],
                    check=True,
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            f = json.loads(output)
            print(
                f"{int(f['chunks']):>8} {f['retrieval_p50_ms']:>11.1f} ms "
                f"{f['retrieval_p95_ms']:>5.1f} ms {f['embedding_p50_ms']:>7.1f} ms "
                f"{f['embedding_p95_ms']:>5.1f} ms {f['peak_rss_mb']:>8.0f} MB"
                f"   (built in {built:.0f} s)"
            )
            print(
                f"{'':>8} p50 by phase: dense {f['dense_p50_ms']:.1f} ms, "
                f"BM25 {f['lexical_p50_ms']:.1f} ms, fusion and passage fetch "
                f"{f['fuse_p50_ms']:.1f} ms"
            )
        print("Target: retrieval p95 ≤ 50 ms at 100k chunks, query embedding reported apart.")


if __name__ == "__main__":
    main()
