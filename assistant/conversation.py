"""Turn a follow-up question into one that stands on its own before retrieval."""

from __future__ import annotations

import re
from typing import Any

from assistant.lexical import SwedishAnalyzer

# Openings and pronouns that make a question lean on the turn before it.
FOLLOW_UP = re.compile(
    r"^(och|men|om|i så fall|då|samma|gäller det|vad händer|hur blir det|"
    r"eller|även|också)\b|\b(hen|hon|han|den|det|dem|de|denna|detta|sådan|sådana)\b",
    re.IGNORECASE,
)
MAX_FOLLOW_UP_WORDS = 10
CARRIED_WORDS = 6


def is_follow_up(question: str, history: list[str]) -> bool:
    """Tell whether a question seems to depend on the previous turn."""
    if not history:
        return False
    words = question.split()
    return len(words) <= MAX_FOLLOW_UP_WORDS and bool(FOLLOW_UP.search(question))


def carry_terms(question: str, previous: str, analyzer: SwedishAnalyzer) -> str:
    """Append the previous question's content words that the follow-up lacks."""
    present = set(analyzer.analyze(question))
    carried = [
        word
        for word in analyzer.words(previous)
        if not set(analyzer.terms_for_word(word)) & present
    ]
    carried = list(dict.fromkeys(carried))[:CARRIED_WORDS]
    return f"{question.rstrip()} ({' '.join(carried)})" if carried else question


def standalone_question(
    question: str, history: list[str], analyzer: SwedishAnalyzer, generator: Any
) -> str:
    """Rewrite a follow-up with the LLM when there is one, else carry key terms over."""
    if not is_follow_up(question, history):
        return question
    rewrite = getattr(generator, "rewrite", None)
    if rewrite is not None:
        rewritten = rewrite(question, history)
        if rewritten:
            return str(rewritten)
    return carry_terms(question, history[-1], analyzer)
