"""Tell a request for a decision about one person from a question about a routine.

Rutinstöd does not decide cases. "Har Anna rätt till försörjningsstöd?" or "Ska jag
bevilja hans ansökan?" ask for a decision about a specific person; such a question gets
a reply that the assistant does not decide cases, with the nearest routines as pointers,
and is not a gap in the routines. "Har en person med sjukersättning rätt till
försörjningsstöd?" asks how a routine applies and is answered as usual.

The classifier is a few Swedish constructions, each readable on its own:

1. Eligibility, verb first: a clause opening with a verb ("har", "är", "kan", "ska" …),
   then a reference to a specific person, then an eligibility phrase ("rätt till",
   "berättigad", "beviljas", "få …"): "Har Anna rätt till …", "Kan min klient få …".
2. A decision by the caseworker: "jag" or "vi" with a decision verb ("bevilja", "avslå",
   "godkänna", "neka", "ge") and a specific person in the same main clause: "Ska jag
   bevilja hans ansökan?", "Bör vi avslå Annas ansökan?".

A specific person is a name (a capitalised word inside the clause, or the [NAMN]
placeholder that redaction leaves), a possessive or demonstrative before a word for a
person ("min klient", "den här sökanden") or a personal pronoun ("han", "hennes"). A
pronoun does not count when the question or an earlier one in the conversation brings in
a generic person ("en ensamstående förälder", "man"): then it points back to that.
Subordinate clauses ("… om hon har sparpengar") are not read, since there the person is
a condition of the routine question, not its subject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.focus import word_set

# Verbs a yes/no question about a person's eligibility opens with.
OPENING_VERBS = word_set("har är får kan ska skall bör borde blir kommer uppfyller kvalificerar")
# Words that may stand between the person and the eligibility phrase.
ADVERBS = word_set("verkligen inte nu då fortfarande också ändå ens redan alltså")
# Eligibility phrases: the first word, and the words one of which must follow it (None: any).
ELIGIBILITY: dict[str, tuple[str, ...] | None] = {
    "rätt": ("till", "att"),
    "berättigad": None,
    "berättigade": None,
    "berättigat": None,
    "beviljas": None,
    "beviljad": None,
    "beviljat": None,
    "få": None,
    "ha": ("rätt",),
    "bli": ("beviljad", "beviljat", "berättigad"),
    "villkoren": None,
    "sig": ("för",),
}
DECISION_VERBS = word_set(
    "bevilja beviljar avslå avslår godkänna godkänner neka nekar ge ger betala"
)
FIRST_PERSON = frozenset({"jag", "vi"})
# Words that open a subordinate clause; what follows is not read.
SUBORDINATORS = word_set("om när eftersom fast trots innan efter sedan ifall medan")
PRONOUNS = word_set("han hon hen honom henne hans hennes hens")
POSSESSIVES = word_set("min mitt mina vår vårt våra")
DEMONSTRATIVES = frozenset({"denna", "denne", "detta"})
# Words for a person or a household after "min", "den här" and so on (and -en, -s forms).
PERSON_NOUNS = (
    "klient",
    "sökande",
    "person",
    "brukare",
    "kund",
    "familj",
    "hushåll",
    "förälder",
    "pappa",
    "mamma",
    "ungdom",
    "granne",
    "sambo",
    "make",
    "maka",
)
# A generic person the pronoun may point back to: "en ensamstående förälder", "man".
GENERIC_PERSON = re.compile(
    r"\b(?:en|ett|någon|varje|alla)\s+(?:\w+\s+){0,2}?"
    r"(?:person|sökande|klient|student|förälder|ensamstående|vuxen|ungdom|pensionär|kvinna|"
    r"man|familj|hushåll|individ|brukare|elev|sambo|barn)\w*|\b(?:man|någon|den som|de som)\b",
    re.IGNORECASE,
)
# Capitalised words that name an organisation, not a person.
INSTITUTION_ENDINGS = (
    "kassan",
    "förmedlingen",
    "verket",
    "myndigheten",
    "nämnden",
    "kommun",
    "kommunen",
    "regionen",
    "tjänsten",
    "styrelsen",
)
CLAUSE_BREAK = re.compile(r"[.,;:!?()\"”“–—]+")
WORD = re.compile(r"\[NAMN\]s?|[^\W\d_]+(?:-[^\W\d_]+)*")


def is_decision_request(question: str, earlier: Sequence[str] = ()) -> bool:
    """Tell whether a question asks for a decision about a specific person."""
    pronouns_count = not any(GENERIC_PERSON.search(q) for q in (question, *earlier))
    for clause in CLAUSE_BREAK.split(question):
        words = main_clause(WORD.findall(clause))
        if asks_eligibility(words, pronouns_count) or asks_decision(words, pronouns_count):
            return True
    return False


def main_clause(words: list[str]) -> list[str]:
    """Return the words of a clause up to its first subordinate clause (none if it is one)."""
    for i, word in enumerate(words):
        if word.lower() in SUBORDINATORS:
            return words[:i]
    return words


def asks_eligibility(words: list[str], pronouns_count: bool) -> bool:
    """Tell whether a clause reads verb, specific person, eligibility phrase."""
    if len(words) < 3 or words[0].lower() not in OPENING_VERBS:
        return False
    length = person_at(words, 1, pronouns_count)
    if not length:
        return False
    rest = [w.lower() for w in words[1 + length :]]
    while rest and rest[0] in ADVERBS:
        rest = rest[1:]
    if not rest or rest[0] not in ELIGIBILITY:
        return False
    needed = ELIGIBILITY[rest[0]]
    return needed is None or (len(rest) > 1 and rest[1] in needed)


def asks_decision(words: list[str], pronouns_count: bool) -> bool:
    """Tell whether a clause has "jag"/"vi", a decision verb and a specific person after it."""
    lowered = [w.lower() for w in words]
    for i, word in enumerate(lowered):
        if word in DECISION_VERBS and FIRST_PERSON & set(lowered[max(0, i - 3) : i]):
            return any(person_at(words, j, pronouns_count) for j in range(i + 1, len(words)))
    return False


def person_at(words: list[str], i: int, pronouns_count: bool) -> int:
    """Return how many words from i name a specific person, or 0."""
    if i >= len(words):
        return 0
    word, lowered = words[i], words[i].lower()
    following = words[i + 1].lower() if i + 1 < len(words) else ""
    if word.startswith("[NAMN]"):
        return 1
    if lowered in PRONOUNS:
        return 1 if pronouns_count else 0
    if lowered in POSSESSIVES or lowered in DEMONSTRATIVES:
        return 2 if is_person_noun(following) else 0
    if lowered in {"den", "det"} and following == "här" and i + 2 < len(words):
        return 3 if is_person_noun(words[i + 2].lower()) else 0
    if is_name(word, i):
        return 2 if i + 1 < len(words) and is_name(words[i + 1], i + 1) else 1
    return 0


def is_person_noun(word: str) -> bool:
    """Tell whether a word is one of the words for a person, in any of its forms."""
    return word.startswith(PERSON_NOUNS)


def is_name(word: str, position: int) -> bool:
    """Tell whether a word inside a clause is capitalised like a name, not an organisation."""
    if position == 0 or len(word) < 2 or not word[0].isupper() or not word[1:].islower():
        return False
    return not word.lower().endswith(INSTITUTION_ENDINGS)
