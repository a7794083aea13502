"""Tell a question from a greeting, a single word or an input with nothing to look up.

Such inputs ("hej", "?", "Hjälp", "tack!") are not gaps in the routines: they get a
short prompt to write the question, and nothing is logged for the routine group.
"""

from __future__ import annotations

from assistant.focus import word_set
from assistant.lexical import TOKEN, SwedishAnalyzer

# Greetings, thanks, politeness and chat filler: an input made only of these (and
# stopwords) asks nothing. Lower-case words, matched whole.
FILLER = word_set(
    """hej hejsan hallå halloj tjena tja tjenare morsning god goddag morgon förmiddag
    eftermiddag kväll natt dag tack tackar så mycket bra okej ok okey japp ja nej nä
    jo visst absolut toppen perfekt super fint kul snälla vänligen hjälp hjälpa help
    hello hi hey thanks test testar testa fråga frågor undrar undra någonting något
    hur mår du ni läget funkar fungerar detta det här där hmm hm eh öh aha mvh
    hälsningar"""
)


def is_not_a_question(text: str, analyzer: SwedishAnalyzer) -> bool:
    """Tell whether an input has too little content to look up in the routines.

    It is not a question when nothing but greetings, filler and stopwords is left
    ("hej", "?", "Hjälp!", "tack så mycket"), or when it is one word on its own
    ("körkort?"). "Vad är riksnormen?" has one content word but is a question.
    """
    words = [w for w in TOKEN.findall(text.lower()) if w not in FILLER]
    content = analyzer.words(" ".join(words))
    return not content or len(words) == 1
