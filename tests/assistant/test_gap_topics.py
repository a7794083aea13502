"""Merging topics and moving gaps by hand keep sizes, centroids and labels consistent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.database import Database, GapTopicRow
from assistant.gap_topics import SameTopicError
from assistant.gaps import GapLog, UnknownGapError


def unit(axis: int, tilt: float = 0.0) -> np.ndarray:
    """Return a unit vector near one axis of a small space."""
    vector = np.zeros(8, dtype=np.float32)
    vector[axis] = 1.0
    vector[(axis + 1) % 8] = tilt
    return vector / np.linalg.norm(vector)


@pytest.fixture
def gaps(tmp_path: Path) -> Iterator[GapLog]:
    database = Database(f"sqlite:///{tmp_path / 'gaps.sqlite3'}")
    yield GapLog(database)
    database.dispose()


def topic(gaps: GapLog, topic_id: str) -> GapTopicRow | None:
    with gaps.database.session() as session:
        return session.get(GapTopicRow, topic_id)


def test_merging_moves_every_gap_and_deletes_the_source(gaps: GapLog) -> None:
    a1 = gaps.record_gap("unanswered", "Hur bokar man lokal?", "", unit(0), [])
    gaps.record_gap("unanswered", "Hur bokar man en lokal?", "", unit(0, 0.1), [])
    b1 = gaps.record_gap("unanswered", "Vilka gardiner ska kontoret ha?", "", unit(4), [])
    assert a1.topic_id != b1.topic_id, "the test needs two topics"
    kept = gaps.merge_topics(a1.topic_id or "", b1.topic_id or "")
    assert kept.id == b1.topic_id and topic(gaps, a1.topic_id or "") is None, "source remains"
    assert kept.size == 3 and kept.label == "Vilka gardiner ska kontoret ha?", kept.label
    centroid = np.mean([unit(0), unit(0, 0.1), unit(4)], axis=0)
    assert np.allclose(kept.centroid or [], centroid, atol=1e-4), "centroid is not the mean"
    ((only, rows),) = gaps.topics()
    assert only.id == kept.id and len(rows) == 3, "every gap should be in the kept topic"
    with pytest.raises(SameTopicError):
        gaps.merge_topics(kept.id, kept.id)
    with pytest.raises(UnknownGapError):
        gaps.merge_topics("nope", kept.id)


def test_moving_a_gap_relabels_resizes_and_removes_empty_topics(gaps: GapLog) -> None:
    first = gaps.record_gap("unanswered", "Hur bokar man lokal?", "", unit(0), [])
    second = gaps.record_gap("unanswered", "Hur bokar man en lokal?", "", unit(0, 0.1), [])
    assert first.topic_id == second.topic_id, "similar questions should share a topic"
    moved = gaps.move_gap(first.id, None)
    new = topic(gaps, moved.topic_id or "")
    old = topic(gaps, second.topic_id or "")
    assert new is not None and new.id != second.topic_id and new.label == first.question, new
    assert new.size == 1 and new.status == "ny", "a new topic holds just the moved gap"
    assert old is not None and old.size == 1, "the old topic should shrink"
    assert old.label == second.question, "a label must be a question still in the topic"
    assert np.allclose(old.centroid or [], unit(0, 0.1), atol=1e-4), "centroid not updated"
    back = gaps.move_gap(second.id, new.id)
    assert back.topic_id == new.id and topic(gaps, old.id) is None, "an empty topic is deleted"
    assert (topic(gaps, new.id) or new).size == 2, "the target should grow"
    with pytest.raises(UnknownGapError):
        gaps.move_gap(first.id, "nope")
