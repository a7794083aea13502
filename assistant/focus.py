"""What a question asks about, so that an answer about something next to it is refused.

A near miss is a question whose topic the routines cover but whose asked fact they do
not: "Hur mycket bistånd kan man få till körkort?" retrieves the guideline's amounts
for cycles and glasses, and a sentence with an amount in kronor scores well. What
gives it away is the thing the question asks about, the *asked object*, which no
candidate sentence names. Swedish marks it in a few regular places:

- the noun after an interrogative determiner: "vilken **ränta**", "vilket **straff**";
- the purpose of an amount: "hur mycket … till **körkort**", "… för **flyttstädning**";
- what a cost is the cost of: "vad kostar en **auktoriserad tolk**", "vad får
  **en natt på jourboendet Ankaret** kosta";
- what takes time: "hur lång tid tar en **vårdnadsutredning**";
- what is counted, and what of: "hur många **månader**", "hur många dagar med
  **föräldrapenning**";
- what is applied for or required: "hur ansöker man om **bostadsanpassning**", "vad
  krävs för att bli **familjehem**";
- what help or support is for: "hjälp med **dusch**", "stöd till **körkort**";
- what is paid for: "får vi betala för **blommor**";
- the year: "vad gällde **2023**" needs a document in force then, or one naming it;
- the unit, by its abbreviation: "hur många avvikelser rapporterade **AMC**" is not
  answered by a sentence about AMF and FUT.

Each asked object must be named where the answer comes from: by the answering
sentence or its section heading for amounts, costs and counts (the amount must be
the amount *of* it), anywhere in the passage for the others. A word is named when
its stem is there, when all parts of a compound are there (so "barnvagn" is not
named by a sentence about "barn"), or when a domain synonym is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.lexical import TOKEN, SwedishAnalyzer
from assistant.numbers import number_words
from assistant.sentences import split_sentences
from assistant.wordclass import WordClasses, load_flags


def word_set(text: str) -> frozenset[str]:
    """Return the whitespace-separated words of a text as a set."""
    return frozenset(text.split())


# Scopes: where in the passage the asked object must be named.
SENTENCE = "sentence"
PASSAGE = "passage"
COUNT = "count"  # named right after a number in the answering sentence itself
PERIOD = "period"  # a year: named in the passage, or the document was in force then
SUPPORT = "support"  # named near the sentence, which itself speaks of help given
AMOUNT_OF = "amount_of"  # named in the sentence that gives the amount
UNIT = "unit"  # an abbreviation: a passage about other units and not it is not about it
INFLECTIONS = word_set("e en et er ar or n na t s es ens ets ers erna arna orna ernas arnas ornas")
MIN_INFLECTED = 6
SENTENCE_BOUND = frozenset({SENTENCE, COUNT, SUPPORT, AMOUNT_OF})
# An amount in a sentence: "25 000 kr", "3 procent", "ett halvt prisbasbelopp".
AMOUNT = re.compile(r"\d[\d\s]*\s?(?:kr|kronor|procent|%)|prisbasbelopp", re.IGNORECASE)
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# An abbreviation in capitals, with or without a genitive or a compound after it:
# "AMC", "AMF:s", "FUTs", "FUT-teamet".
ABBREVIATION = re.compile(r"\b[A-ZÅÄÖ]{2,6}(?=s?\b)")
ROMAN = re.compile(r"[IVXLC]+")
NOT_UNITS = word_set("OBS NB OK PS")
COUNT_WORDS = number_words(2, 100)
# Words that bound a number: between it and the counted noun before it.
BOUNDS = word_set("upp till högst minst max maximalt cirka ca ungefär drygt knappt över totalt")

AMOUNT_QUESTION = re.compile(
    r"\b(hur mycket|vilket belopp|vilken summa|i kronor|hur stort belopp|kostar|kosta|"
    r"högsta belopp(?:et)?|maxbelopp(?:et)?|"
    r"hur (?:stort|stor|höga?|högt) (?:är|blir))\b",
    re.IGNORECASE,
)
# Nouns that name the kind of answer rather than what it is about.
ANSWER_NOUNS = frozenset(
    {
        "belopp",
        "summa",
        "tid",
        "tidpunkt",
        "datum",
        "nummer",
        "telefonnummer",
        "ålder",
        "sätt",
        "fall",
        "gång",
        "gånger",
        "typ",
    }
)
# Words that end a noun phrase: prepositions, conjunctions, auxiliaries, adverbs.
PHRASE_END = word_set(
    """när om som och eller i på per med vid hos från efter innan under inom enligt för
    till av att ska skall kan får fick måste bör är var blir blev har hade gäller
    tar tog kostar kosta betalas betala beviljas beviljar godtas godtar ges ger räknas
    så då nu sedan också även inte mest högst minst längst totalt"""
)
DETERMINERS = word_set(
    """en ett den det de denna detta dessa min mitt mina din ditt dina hans hennes
    hens deras vår vårt våra sin sitt sina någon något några varje all allt alla
    samma hela vilken vilket vilka hur jag vi man hen han hon ni du"""
)
# Caseworkers' words for what the routines call by another name.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "klient": ("sökande", "enskild", "hushåll", "person"),
    "klienten": ("sökande", "enskild", "hushåll", "person"),
    "medicin": ("läkemedel",),
    "mediciner": ("läkemedel",),
    "lägenhet": ("bostad", "boende"),
    "student": ("studerande",),
    "studenten": ("studerande",),
    "domstol": ("förvaltningsrätt", "kammarrätt", "tingsrätt", "förvaltningsdomstol"),
}
WORD = r"(?:[^\W\d_][\w-]*|\d[\d\s]*)"
SUPPORT_FOR = re.compile(
    r"\b(?:hjälp|stöd|bistånd|insatsen|insats|ersättning|bidrag)\s+(?:med|till|för)\s+"
    r"(?:att\s+)?(?P<np>[^?.!,]+)",
    re.IGNORECASE,
)
# Help applied for, given, paid or refused: a sentence that names what the help would be for
# without any of these near it ("… mot en id-handling: pass, körkort …") is not about
# help for it.
SUPPORT_WORDS = tuple(
    word_set(
        """hjälp stöd bistånd insats ersättning ersätts bidrag bevilja beviljas beviljar
        betala betalas kostnad ansökan ansöka söka avslag avslå"""
    )
)
PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    # (pattern with a "np" group, which words of the phrase count, scope)
    (re.compile(rf"\b(?:vilken|vilket|vilka)\s+(?P<np>{WORD})", re.IGNORECASE), "head", PASSAGE),
    (
        re.compile(
            r"\b(?:vad|hur mycket)\s+(?:får|kan|ska|bör|brukar|fick)\s+"
            r"(?P<np>(?:(?!\bkosta\b)[^?.!,])+?)\s+kosta\b",
            re.IGNORECASE,
        ),
        "span",
        SENTENCE,
    ),
    (re.compile(r"\bvad kostar\s+(?P<np>[^?.!,]+)", re.IGNORECASE), "all", SENTENCE),
    (
        re.compile(
            r"\bhur (?:lång tid|länge)\s+(?:tar|pågår|varar|sparas|bevaras|"
            r"(?:får|ska|måste|bör) (?:jag|vi|man|hen) (?:spara|bevara))\s+(?P<np>[^?.!,]+)",
            re.IGNORECASE,
        ),
        "head",
        PASSAGE,
    ),
    # What is applied for, paid for or required: "hur ansöker man om bostadsanpassning",
    # "får vi betala för blommor", "vad krävs för att bli familjehem".
    (
        re.compile(r"\b(?:ansöker|söker|ansöka|söka)\s+(?:\w+\s+)?om\s+(?P<np>[^?.!,]+)", re.I),
        "head",
        PASSAGE,
    ),
    (
        re.compile(
            r"\b(?:betala|betalar|bevilja|beviljar|ersätta|ersätter|godta|godtar)\s+"
            r"(?:för\s+)?(?P<np>[^?.!,]+)",
            re.IGNORECASE,
        ),
        "head",
        SENTENCE,
    ),
    (
        re.compile(
            r"\b(?:krävs|krav|villkor|kriterier)\b[^?.!]*?\bför att (?:kunna )?(?:bli|få|vara)?\s*"
            r"(?P<np>[^?.!,]+)",
            re.IGNORECASE,
        ),
        "head",
        PASSAGE,
    ),
    # What an amount is the size of: "hur stort är det allmänna tandvårdsbidraget".
    (
        re.compile(r"\bhur (?:stort|stor|höga?|högt) (?:är|blir)\s+(?P<np>[^?.!,]+)", re.I),
        "head",
        AMOUNT_OF,
    ),
    # What help or support is for: "hjälp med dusch", "stöd till körkort".
    (SUPPORT_FOR, "head", SUPPORT),
    (re.compile(rf"\bhur många\s+(?P<np>{WORD})", re.IGNORECASE), "head", COUNT),
    # Where the counted things are: "hur många avvikelser rapporterades inom hemtjänsten".
    (
        re.compile(
            rf"\bhur många\s+{WORD}\s+(?:[^\W\d_]+\s+){{0,2}}?(?:inom|hos)\s+"
            r"(?P<np>[^\W\d_][\w-]*)",
            re.IGNORECASE,
        ),
        "head",
        SENTENCE,
    ),
    # What the counted thing is of: "hur många dagar med föräldrapenning".
    (
        re.compile(rf"\bhur många\s+{WORD}\s+(?:med|av)\s+(?P<np>[^?.!,]+)", re.IGNORECASE),
        "head",
        SENTENCE,
    ),
)
# A breakdown asked for: "gällde kvinnor respektive män" needs both named.
RESPECTIVE = (
    (re.compile(r"(?P<np>[^\W\d_]+)\s+respektive\b", re.IGNORECASE), "head", SENTENCE),
    (re.compile(r"\brespektive\s+(?P<np>[^?.!,]+)", re.IGNORECASE), "head", SENTENCE),
)
PURPOSE = re.compile(r"\b(?:till|för)\s+(?!exempel\b)(?P<np>[^?.!,]+)", re.IGNORECASE)


def abbreviations(text: str) -> frozenset[str]:
    """Return the capitalised abbreviations a text names, as written ("AMC", "FUT").

    An abbreviation the Swedish dictionary knows (a law or an authority: "LSS", "IVO"),
    a writer's mark ("OBS") and a Roman numeral are not a unit of the organisation.
    """
    known = load_flags()
    return frozenset(
        m.group(0)
        for m in ABBREVIATION.finditer(text)
        if m.group(0).lower() not in known
        and m.group(0) not in NOT_UNITS
        and not ROMAN.fullmatch(m.group(0))
    )


def asked_period(question: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """Return the past years a question names as (first day, last day), if any."""
    years = [int(m.group(0)) for m in YEAR.finditer(question)]
    past = [y for y in years if y < today.year]
    return (dt.date(min(past), 1, 1), dt.date(max(past), 12, 31)) if past else None


@dataclass(frozen=True)
class AskedObject:
    """Words the answer must name, and where they must be named."""

    words: tuple[str, ...]
    scope: str
    phrase: str


@dataclass(frozen=True)
class Source:
    """Where an answer would come from: a sentence, its surroundings and its document."""

    sentence: str
    nearby: frozenset[str]  # the sentence's terms, its neighbours' and its heading's
    passage_terms: frozenset[str]
    valid_from: str | None  # ISO date the document came into force
    document: str = ""  # the document's title and file name
    units: frozenset[str] = frozenset()  # abbreviations the passage, heading or title name


def noun_phrase(text: str, words: str) -> list[str]:
    """Return the content words of the noun phrase at the start of text.

    The phrase runs from its first word that is not a determiner to the first word
    that ends it; with words="head" only its last word (the Swedish head noun) is kept,
    with words="span" every content word of the text counts.
    """
    tokens = TOKEN.findall(text.lower())
    if words == "span":
        return [t for t in tokens if t not in DETERMINERS and t not in PHRASE_END]
    phrase: list[str] = []
    for token in tokens:
        if not phrase and token in DETERMINERS:
            continue
        if token in PHRASE_END or (phrase and token in DETERMINERS):
            break
        phrase.append(token)
    if words == "head":
        phrase = phrase[-1:]
    return phrase


class AskedObjectCheck:
    """Tells whether a sentence or passage names everything a question asks about."""

    def __init__(self, analyzer: SwedishAnalyzer, classes: WordClasses | None = None) -> None:
        self.analyzer = analyzer
        self._answer_nouns = {analyzer.terms_for_word(w)[0] for w in ANSWER_NOUNS}
        self._classes = classes or WordClasses()

    def asked(self, question: str) -> list[AskedObject]:
        """Return what the question asks about, in the places Swedish marks it."""
        found: list[AskedObject] = []
        matches = [
            (match, words, scope)
            for pattern, words, scope in PATTERNS + RESPECTIVE
            for match in pattern.finditer(question)
        ]
        # What an amount is for is said in the sentence that asks for the amount, not in
        # the one before it that tells the case ("… flyttar till en tom lägenhet.").
        for clause in split_sentences(question):
            if AMOUNT_QUESTION.search(clause):
                matches += [(match, "head", SENTENCE) for match in PURPOSE.finditer(clause)]
        for match, words, scope in matches:
            # A verb where a noun was expected ("hur många avsåg …") asks about nothing.
            phrase = tuple(
                w
                for w in noun_phrase(match.group("np"), words)
                if self.analyzer.terms_for_word(w)[0] not in self._answer_nouns
                and (scope != COUNT or w[0].isdigit() or self._classes.can_be_noun(w))
            )
            if phrase:
                found.append(AskedObject(phrase, scope, match.group(0)))
        found += [AskedObject((m.group(0),), PERIOD, m.group(0)) for m in YEAR.finditer(question)]
        units = tuple(sorted(abbreviations(question)))
        if units:
            found.append(AskedObject(units, UNIT, " ".join(units)))
        return found

    def named(self, word: str, terms: frozenset[str] | set[str]) -> bool:
        """Return whether the index terms of a text name the word."""
        full, *parts = self.analyzer.terms_for_word(word)
        if full in terms or (parts and all(p in terms for p in parts)):
            return True
        # Inflected compounds the lemmatiser does not know stay whole in the index
        # ("verksamhetssystemet"): they name the word when only an ending is added.
        if len(full) >= MIN_INFLECTED and any(
            t.startswith(full) and t[len(full) :] in INFLECTIONS for t in terms
        ):
            return True
        return any(
            self.analyzer.terms_for_word(synonym)[0] in terms for synonym in SYNONYMS.get(word, ())
        )

    def quantified(self, word: str, sentence: str) -> bool:
        """Return whether the sentence puts a number next to the word.

        Before it ("tre månader") or just after it, as a count of times ("promenad två
        gånger per vecka", "promenad upp till två gånger per vecka").
        """
        tokens = TOKEN.findall(sentence.lower())
        for index, token in enumerate(tokens):
            counts = (token[0].isdigit() and not YEAR.fullmatch(token)) or token in COUNT_WORDS
            if counts:
                start = index
                while start > 0 and tokens[start - 1] in BOUNDS:
                    start -= 1  # "promenad upp till två gånger": the bound is skipped
                # Past a bound only the word right before it is the counted thing.
                before = tokens[max(start - (1 if start < index else 2), 0) : start]
                near = tokens[index + 1 : index + 3] + before
                if self.named(word, set().union(*(self.analyzer.terms_for_word(t) for t in near))):
                    return True
        return False

    def satisfied(self, asked: Iterable[AskedObject], where: Source) -> bool:
        """Return whether each asked object is named in its scope."""
        for obj in asked:
            if obj.scope == PERIOD:
                year = obj.words[0]
                started = (where.valid_from or "9999")[:4]
                named = year in where.passage_terms or year in where.document
                if not named and not started <= year:
                    return False
            elif obj.scope == COUNT:
                if not all(self.quantified(w, where.sentence) for w in obj.words):
                    return False
            elif obj.scope == AMOUNT_OF:
                own = frozenset(self.analyzer.analyze(where.sentence))
                if not AMOUNT.search(where.sentence) or not all(
                    self.named(w, own) for w in obj.words
                ):
                    return False
            elif obj.scope == UNIT:
                # A passage that names other units and none of the asked ones is about
                # those other units.
                if where.units and not where.units & set(obj.words):
                    return False
            elif obj.scope == SUPPORT:
                own = frozenset(self.analyzer.analyze(where.sentence))
                if not all(self.named(w, where.nearby) for w in obj.words) or not any(
                    self.named(w, own) for w in SUPPORT_WORDS
                ):
                    return False
            else:
                terms = where.nearby if obj.scope == SENTENCE else where.passage_terms
                if not all(self.named(w, terms) for w in obj.words):
                    return False
        return True
