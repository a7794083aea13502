"""Turn a follow-up question into one that stands on its own before retrieval.

A follow-up changes one detail of the question before it: "och om de har tre barn?"
after "Hur hög är riksnormen för en familj med två barn?" asks for three children
instead of two. The follow-up's detail replaces the matching detail of the previous
question, in the places Swedish marks it:

- a counted noun: "tre barn" replaces "två barn" (the same noun with another number);
- a year: "2021" replaces "2022", and "året innan" means the year before the one named;
- a phrase opened by the same word: "om hen bor i andra hand" replaces the previous
  "om"-clause, "för en ensamstående" the previous "för"-phrase;
- a condition the previous question lacked is added to it ("… om hen bor i andra hand");
- a noun of the same kind: "långhelg" replaces "helg", "andrahandskontrakt"
  "hyreskontrakt" (the same last compound part);
- a household: "två vuxna med två barn" replaces "ensamstående" or "ett par";
- a question word: "och hur ofta?" after "Hur mycket fritidspeng kan man få?" asks
  "Hur ofta fritidspeng kan man få?" (the words matter to retrieval, not the order).

Anything else keeps the follow-up and adds the previous question's content words it
lacks. Earlier follow-ups are resolved in order, so a chain builds on its last whole
question. With an LLM generator the model rewrites instead.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.focus import word_set
from assistant.lexical import SwedishAnalyzer
from assistant.numbers import alternation, number_words
from assistant.ranges import Ranges

# Openings and pronouns that make a question lean on the turn before it.
FOLLOW_UP = re.compile(
    r"^(och|men|om|i så fall|då|samma|gäller det|vad händer|hur blir det|"
    r"eller|även|också|än|året)\b|\b(hen|hon|han|den|det|dem|de|denna|detta|dessa|sådan|"
    r"sådana)\b|\b(då|sedan|där|innan|efter det)\s*[?.!]*$",
    re.IGNORECASE,
)
OPENING = re.compile(r"^\s*(?:(?:och|men|eller|än|så|då|i så fall)\b[\s,]*)+", re.IGNORECASE)
MAX_FOLLOW_UP_WORDS = 10
CARRIED_WORDS = 6
COUNT_WORDS = number_words(0, 12)
COUNTED = re.compile(
    r"\b(?P<n>\d{1,3}(?:[ \u00a0]\d{3})+|\d+|"
    + alternation(COUNT_WORDS)
    + r")\s+(?P<noun>[^\W\d_]+)",
    re.IGNORECASE,
)
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
YEAR_BEFORE = re.compile(r"\b(året (?:innan|före)|föregående år|förra året)\b", re.IGNORECASE)
YEAR_AFTER = re.compile(r"\b(året (?:efter|därpå)|nästa år|följande år)\b", re.IGNORECASE)
# Words that open a phrase a follow-up may replace: "om hen …", "för en ensamstående".
PHRASE_OPENERS = ("om", "ifall", "när", "för", "till", "vid", "med", "utan", "under", "efter")
PHRASE = {
    opener: re.compile(rf"\b{opener}\s+(?P<phrase>[^?.!,;]+)", re.IGNORECASE)
    for opener in PHRASE_OPENERS
}
CONDITIONS = ("om", "ifall", "när")
# Words that open a conditional clause after "om": "om hen bor …", "om klienten har …".
SUBJECTS = word_set("hen han hon de den det man vi jag ni du någon några ingen alla")


def is_follow_up(question: str, history: list[str]) -> bool:
    """Tell whether a question seems to depend on the previous turn."""
    if not history:
        return False
    words = question.split()
    return len(words) <= MAX_FOLLOW_UP_WORDS and bool(FOLLOW_UP.search(question))


def carry_terms(question: str, previous: str, analyzer: SwedishAnalyzer) -> str:
    """Append the previous question's content words that the follow-up lacks.

    A number of the previous question is not carried when the follow-up has one of
    its own: it would contradict it.
    """
    present = set(analyzer.analyze(question))
    has_number = bool(COUNTED.search(question) or YEAR.search(question))
    carried = [
        word
        for word in analyzer.words(previous)
        if not set(analyzer.terms_for_word(word)) & present
        and not (has_number and (word[0].isdigit() or word in COUNT_WORDS))
    ]
    carried = list(dict.fromkeys(carried))[:CARRIED_WORDS]
    return f"{question.rstrip()} ({' '.join(carried)})" if carried else question


def replace_counts(follow_up: str, previous: str, analyzer: SwedishAnalyzer) -> str | None:
    """Put the follow-up's number before the same noun in the previous question."""
    result, changed = previous, False
    for new in COUNTED.finditer(follow_up):
        head = analyzer.terms_for_word(new.group("noun").lower())[0]
        for old in COUNTED.finditer(result):
            same_noun = analyzer.terms_for_word(old.group("noun").lower())[0] == head
            if same_noun and old.group("n").lower() != new.group("n").lower():
                result = f"{result[: old.start('n')]}{new.group('n')}{result[old.end('n') :]}"
                changed = True
                break
    return result if changed else None


def replace_year(follow_up: str, previous: str) -> str | None:
    """Put the follow-up's year, or the year before or after, in place of the previous one."""
    old = YEAR.search(previous)
    if old is None:
        return None
    new = YEAR.search(follow_up)
    if new is not None:
        year = new.group(0)
    elif YEAR_BEFORE.search(follow_up):
        year = str(int(old.group(0)) - 1)
    elif YEAR_AFTER.search(follow_up):
        year = str(int(old.group(0)) + 1)
    else:
        return None
    return f"{previous[: old.start()]}{year}{previous[old.end() :]}"


def replace_phrase(follow_up: str, previous: str) -> str | None:
    """Replace the previous question's phrase opened by the follow-up's first word.

    "och om hen bor i andra hand?" replaces the previous "om"-clause; a condition the
    previous question lacks is added to it.
    """
    rest = OPENING.sub("", follow_up).strip().rstrip("?.! ")
    first = rest.split(" ", 1)[0].lower() if rest else ""
    if first not in PHRASE or " " not in rest:
        return None
    new_phrase = rest.split(" ", 1)[1]
    old = PHRASE[first].search(previous)
    if old is not None and first in CONDITIONS and not is_condition(old.group("phrase")):
        old = None  # "beslutar om nödprövning" is no condition to replace
    if old is not None:
        start, end = old.span("phrase")
        return f"{previous[:start]}{new_phrase}{previous[end:]}"
    if first in CONDITIONS:
        body = previous.rstrip().rstrip("?.!")
        return f"{body} {first} {new_phrase}?"
    return None


# Words that say who the household is; a follow-up naming another household replaces them.
HOUSEHOLD = re.compile(
    r"\b(?:en |ett )?(?:ensamstående|ensam|sammanboende|sambor?|gift|makar|ett par|"
    r"par|familj(?:en)?|hushåll(?:et)?)\b(?:\s+(?:förälder|vuxen|person|klient|sökande))?",
    re.IGNORECASE,
)
HOUSEHOLD_NOUNS = ("vuxen", "vuxna", "barn", "förälder", "föräldrar")


def replace_household(follow_up: str, previous: str) -> str | None:
    """Put the follow-up's household ("två vuxna med två barn") in place of the old one.

    The household runs from its first counted member to the end of the follow-up, so
    that what is said of it ("ett barn som är tio år") is not lost.
    """
    rest = OPENING.sub("", follow_up).strip().rstrip("?.! ")
    counted = [m for m in COUNTED.finditer(rest) if m.group("noun").lower() in HOUSEHOLD_NOUNS]
    old = HOUSEHOLD.search(previous)
    if not counted or old is None:
        return None
    # What the follow-up says of the household after it stays: "ett barn som är tio år".
    household = rest[counted[0].start() :]
    if old.start() == 0 or previous[: old.start()].rstrip().endswith((".", "?", "!")):
        household = household[0].upper() + household[1:]
    return f"{previous[: old.start()]}{household}{previous[old.end() :]}"


# An article, with at most one word (an adjective) after it, before a noun.
NOUN_PHRASE_START = re.compile(r"\b(?:en|ett|den|det|de)\s+(?:[^\W\d_]+\s+)?$", re.IGNORECASE)


def replace_head(follow_up: str, previous: str, analyzer: SwedishAnalyzer) -> str | None:
    """Replace the previous question's noun phrase of the same kind as the follow-up's.

    Two nouns are of a kind when one's last compound part is the other or its last part
    ("långhelg" and "helg", "ansökan" and "nyansökan"). The follow-up's phrase (after
    its preposition) takes the place of the old noun with its article and adjective:
    "en vanlig helg" becomes "en långhelg", "en nyansökan" "ansökan om fortsatt
    försörjningsstöd".
    """

    def head(word: str) -> tuple[str, str]:
        terms = analyzer.terms_for_word(word.lower())
        return terms[0], terms[-1]

    rest = OPENING.sub("", follow_up).strip().rstrip("?.! ")
    first, _, phrase = rest.partition(" ")
    if first.lower() not in PHRASE or not phrase:
        phrase = rest
    for new in re.findall(r"[^\W\d_]{4,}", phrase):
        new_full, new_last = head(new)
        if new.lower() in SUBJECTS:
            continue
        for match in re.finditer(r"[^\W\d_]{3,}", previous):
            old_full, old_last = head(match.group(0))
            if old_full == new_full or old_last != new_last:
                continue
            before = NOUN_PHRASE_START.search(previous[: match.start()])
            start = before.start() if before else match.start()
            return f"{previous[:start]}{phrase}{previous[match.end() :]}"
    return None


QUESTION_WORDS = re.compile(
    r"\b(?:hur\s+(?:mycket|många|länge|ofta|lång\s+tid|stor|stort|snabbt|gammal)|vem|vilka|"
    r"vilken|vilket|när|vart|varför)\b",
    re.IGNORECASE,
)
MAX_QUESTION_WORD_FOLLOW_UP = 3


def replace_question_word(follow_up: str, previous: str) -> str | None:
    """Put a follow-up that is only a question word in place of the previous one's."""
    rest = OPENING.sub("", follow_up).strip().rstrip("?.! ")
    new = QUESTION_WORDS.match(rest)
    if new is None or len(rest.split()) > MAX_QUESTION_WORD_FOLLOW_UP:
        return None
    olds = list(QUESTION_WORDS.finditer(previous))
    if not olds:
        return None
    old = olds[-1]  # the last sentence's, where a case description comes first
    word = rest[0].upper() + rest[1:] if old.group(0)[0].isupper() else rest
    return f"{previous[: old.start()]}{word}{previous[old.end() :]}"


def is_condition(phrase: str) -> bool:
    """Tell whether what follows "om" is a clause ("om hen bor …"), not an object."""
    first = phrase.split(" ", 1)[0].lower()
    return first in SUBJECTS or (first.endswith(("en", "et", "na")) and " " in phrase)


def resolve_follow_up(question: str, previous: str, analyzer: SwedishAnalyzer) -> str:
    """Return the follow-up as a whole question, built on the previous whole question."""
    for replace in (
        lambda: replace_counts(question, previous, analyzer),
        lambda: replace_year(question, previous),
        lambda: replace_question_word(question, previous),
        lambda: replace_household(question, previous),
        lambda: replace_phrase(question, previous),
        lambda: replace_head(question, previous, analyzer),
    ):
        resolved = replace()
        if resolved is not None:
            return resolved
    return carry_terms(question, previous, analyzer)


def resolve_history(history: list[str], analyzer: SwedishAnalyzer) -> list[str]:
    """Return each earlier turn as a whole question, resolving follow-ups in order."""
    whole: list[str] = []
    for turn in history:
        if whole and is_follow_up(turn, whole):
            whole.append(resolve_follow_up(turn, whole[-1], analyzer))
        else:
            whole.append(turn)
    return whole


def standalone_question(
    question: str, history: list[str], analyzer: SwedishAnalyzer, generator: Any
) -> str:
    """Rewrite a follow-up with the LLM when there is one, else resolve it by substitution."""
    if not is_follow_up(question, history):
        return question
    rewrite = getattr(generator, "rewrite", None)
    if rewrite is not None:
        rewritten = rewrite(question, history)
        if rewritten:
            return str(rewritten)
    return resolve_follow_up(question, resolve_history(history, analyzer)[-1], analyzer)


def answer_names_follow_up(follow_up: str, answer: str, analyzer: SwedishAnalyzer) -> bool:
    """Return whether an answer already names every content word of a follow-up.

    "och om det är två vuxna med två barn?" after "högst 9 400 kr för en ensamstående
    och högst 12 500 kr för två vuxna, med ett tillägg … för varje barn" is answered by
    the same sentence: it names the case the follow-up turns to. Numbers and units are
    left out (the answer may give the rule, not the count). A follow-up of numbers alone
    is answered by repeating only when the answer's ranges hold them: "och om det
    gäller 15 000 kr?" after "Beslut över 10 000 kr fattas av förste socialsekreterare".
    """
    ranges = Ranges(analyzer)
    words = [w for w in analyzer.words(OPENING.sub("", follow_up)) if not w[0].isdigit()]
    words = [w for w in words if w not in COUNT_WORDS and len(w) > 2]  # not "kr", "st"
    fit = ranges.fit(follow_up, answer)
    if fit < 0:
        return False
    if not words:
        return fit > 0
    terms = set(analyzer.analyze(answer))
    return all(analyzer.terms_for_word(w)[0] in terms for w in words)
