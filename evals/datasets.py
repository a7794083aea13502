"""Evaluation datasets: questions with what a correct answer must say and cite.

A dataset is a JSON Lines file (one object per line) or a CSV file with the same
columns. Several files can be evaluated together (the sample set is
`evals/datasets/sample_*.jsonl`); ids must be unique across them. Every line is
checked before anything is asked, and a bad one raises DatasetError naming the
file and line. An unanswerable item may leave out `expected_sources` and
`must_contain`; an item with `history` (the earlier questions of one conversation)
is asked after them in the same conversation, and only its own answer is scored.

In CSV, `expected_sources` and `tags` are separated by `|` or `;`, `must_contain`
groups by `;` and a group's alternatives by `|`, and `answerable` is one of
true/false/ja/nej/1/0, and `history` separates its questions by `|`. The CSV
delimiter is `,` unless the header line uses `;`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REQUIRED = ("id", "question", "answerable")
# An unanswerable item expects no source and no fact, so it may leave these out.
EXPECTATIONS = ("expected_sources", "must_contain")
OPTIONAL = (*EXPECTATIONS, "tags", "notes", "history")
TRUE_WORDS = {"true", "ja", "1"}
FALSE_WORDS = {"false", "nej", "0"}
LIST_SEPARATOR = re.compile(r"[|;]")


class DatasetError(ValueError):
    """A dataset file that cannot be read, with the file and line at fault."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")
        self.path, self.line, self.reason = path, line, reason


@dataclass(frozen=True)
class EvalItem:
    """One question with what a correct answer must say and cite."""

    id: str
    question: str
    answerable: bool
    expected_sources: list[str]
    must_contain: list[list[str]]
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    # Earlier questions of the same conversation, asked first; the item scores the last.
    history: list[str] = field(default_factory=list)
    source: str = ""  # "file:line" the item came from

    def as_dict(self) -> dict[str, Any]:
        """Return the item as a dataset line (without where it came from)."""
        data = asdict(self)
        data.pop("source")
        return data


def check_string_list(value: Any, name: str) -> list[str]:
    """Return a list of strings, or raise ValueError saying what is wrong."""
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValueError(f"'{name}' must be a list of strings, got {value!r}")
    return [x.strip() for x in value if x.strip()]


def item_from_mapping(data: Any, where: str) -> EvalItem:
    """Validate one decoded line and build the item; raise ValueError if malformed."""
    if not isinstance(data, dict):
        raise ValueError(f"expected an object, got {type(data).__name__}")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    for key in ("id", "question"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise ValueError(f"'{key}' must be a non-empty string, got {data[key]!r}")
    if not isinstance(data["answerable"], bool):
        raise ValueError(f"'answerable' must be true or false, got {data['answerable']!r}")
    if data["answerable"]:
        missing = [key for key in EXPECTATIONS if key not in data]
        if missing:
            raise ValueError(f"missing field(s) of an answerable item: {', '.join(missing)}")
    groups = data.get("must_contain") or []
    if not isinstance(groups, list):
        raise ValueError(f"'must_contain' must be a list of lists of strings, got {groups!r}")
    must_contain = [check_string_list(group, "must_contain group") for group in groups]
    if any(not group for group in must_contain):
        raise ValueError("'must_contain' has an empty group")
    sources = check_string_list(data.get("expected_sources") or [], "expected_sources")
    if data["answerable"] and not sources:
        raise ValueError("an answerable item needs at least one expected source")
    notes = data.get("notes") or ""
    if not isinstance(notes, str):
        raise ValueError(f"'notes' must be a string, got {notes!r}")
    return EvalItem(
        id=data["id"].strip(),
        question=data["question"].strip(),
        answerable=data["answerable"],
        expected_sources=sources,
        must_contain=must_contain,
        tags=check_string_list(data.get("tags") or [], "tags"),
        notes=notes,
        history=check_string_list(data.get("history") or [], "history"),
        source=where,
    )


def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """Yield (line number, decoded object) for each non-blank line of a JSON Lines file."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(path, number, f"invalid JSON: {exc.msg}") from exc


def parse_bool(text: str) -> bool:
    """Read a CSV truth value (true/false/ja/nej/1/0)."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"'answerable' must be true/false/ja/nej/1/0, got {text!r}")


def split_list(text: str, separator: re.Pattern[str] | str = LIST_SEPARATOR) -> list[str]:
    """Split a CSV cell into its non-empty, stripped parts."""
    parts = separator.split(text) if isinstance(separator, re.Pattern) else text.split(separator)
    return [part.strip() for part in parts if part.strip()]


def row_to_mapping(row: dict[str, str | None]) -> dict[str, Any]:
    """Turn a CSV row into the same shape as a JSON Lines object."""
    if None in row:
        raise ValueError("more cells than columns")
    if any(row.get(key) is None for key in REQUIRED if key in row):
        raise ValueError("fewer cells than columns")
    data: dict[str, Any] = {k: v for k, v in row.items() if k in ("tags", "notes") and v}
    data.update({k: v for k, v in row.items() if k in ("id", "question")})
    if "answerable" in row:
        data["answerable"] = parse_bool(row["answerable"] or "")
    if "expected_sources" in row:
        data["expected_sources"] = split_list(row["expected_sources"] or "")
    if "must_contain" in row:
        groups = split_list(row["must_contain"] or "", ";")
        data["must_contain"] = [split_list(group, "|") for group in groups]
    if "tags" in data:
        data["tags"] = split_list(data["tags"])
    if row.get("history"):
        data["history"] = split_list(row["history"] or "", "|")
    return data


def read_csv(path: Path) -> Iterator[tuple[int, Any]]:
    """Yield (line number, object) for each row of a CSV dataset."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
        handle.seek(0)
        delimiter = ";" if header.count(";") > header.count(",") else ","
        reader = csv.DictReader(handle, delimiter=delimiter)
        if reader.fieldnames is None:
            return
        reader.fieldnames = [name.strip() for name in reader.fieldnames]
        start = reader.line_num + 1
        for row in reader:
            if any((value or "").strip() for value in row.values() if isinstance(value, str)):
                try:
                    yield start, row_to_mapping(row)
                except ValueError as exc:
                    raise DatasetError(path, start, str(exc)) from exc
            start = reader.line_num + 1


def load_dataset(path: Path) -> list[EvalItem]:
    """Load and validate one JSON Lines or CSV dataset file."""
    if not path.is_file():
        raise DatasetError(path, None, "no such file")
    rows = read_csv(path) if path.suffix.lower() == ".csv" else read_jsonl(path)
    items: list[EvalItem] = []
    for number, data in rows:
        try:
            items.append(item_from_mapping(data, f"{path}:{number}"))
        except ValueError as exc:
            raise DatasetError(path, number, str(exc)) from exc
    return items


def load_datasets(paths: Iterable[Path]) -> list[EvalItem]:
    """Load several dataset files as one list; ids must be unique across them."""
    items: list[EvalItem] = []
    seen: dict[str, str] = {}
    for path in paths:
        for item in load_dataset(Path(path)):
            if item.id in seen:
                file, line = item.source.rsplit(":", 1)
                reason = f"duplicate id {item.id!r} (first at {seen[item.id]})"
                raise DatasetError(Path(file), int(line), reason)
            seen[item.id] = item.source
            items.append(item)
    if not items:
        raise DatasetError(Path(", ".join(str(p) for p in paths) or "-"), None, "no items")
    return items
