"""Whether a Swedish word can be a noun, from the hunspell-sv dictionary's inflection flags.

What a question is about is named by its nouns: a noun no routine contains (*husdjur*,
*bredband*) is evidence of a gap, a verb or adverb no routine happens to use (*tappat*,
*numera*) is not. hunspell-sv (a PyPI package with the dictionary files) marks each
word with the inflection classes it takes; the plural and definite classes and the
compound-linking forms belong to nouns. A word is looked up as written, then as its
lemma (simplemma); a compound the dictionary lacks counts by its longest known ending,
and a word the dictionary does not know at all (a name, an abbreviation such as *ISK*)
counts as a noun, since it names something.
"""

from __future__ import annotations

import sysconfig
from functools import lru_cache
from pathlib import Path

# hunspell-sv's suffix classes that only nouns take: neuter definite (C), plural
# classes (E, G, H, I) and compound-linking forms (f, v). The definite classes B (-et)
# and D (-en) are nouns' too, except on a word ending in -a, where they make the
# present participle of a verb ("söka", "sökande").
NOUN_FLAGS = frozenset("CEGHIfv")
DEFINITE_FLAGS = frozenset("BD")
DICTIONARY = "share/hunspell/sv_SE.dic"
# The shortest ending a compound is looked up by.
MIN_HEAD = 3


def dictionary_path() -> Path | None:
    """Return where pip put hunspell-sv's dictionary, if it is installed."""
    for root in (sysconfig.get_path("data"), sysconfig.get_path("data", "posix_user")):
        path = Path(root) / DICTIONARY
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=1)
def load_flags() -> dict[str, str]:
    """Read the dictionary into word -> flags (empty when it is not installed)."""
    path = dictionary_path()
    if path is None:
        return {}
    flags: dict[str, str] = {}
    with path.open(encoding="utf-8") as lines:
        next(lines, None)  # the first line is the entry count
        for line in lines:
            word, _, rest = line.rstrip("\n").partition("/")
            word = word.lower()
            flags[word] = flags.get(word, "") + rest
    return flags


class WordClasses:
    """Tells nouns from other words, for the answerability signals."""

    def __init__(self) -> None:
        import simplemma

        self._flags = load_flags()
        self._lemmatize = simplemma.lemmatize
        self.can_be_noun = lru_cache(maxsize=100_000)(self._can_be_noun)

    @property
    def available(self) -> bool:
        """Tell whether the dictionary was found."""
        return bool(self._flags)

    def _can_be_noun(self, word: str) -> bool:
        """Return whether a lower-cased word can be a noun.

        A compound the dictionary lacks counts by its longest known ending: Swedish
        compounds end in their head ("nyansökningar" by "ansökningar").
        """
        if not self._flags:
            return True
        for start in range(len(word) - MIN_HEAD + 1):
            known = self._noun_flags(word[start:])
            if known is not None:
                return known
        return True

    def _noun_flags(self, form: str) -> bool | None:
        """Tell whether the dictionary gives the form a noun's flags; None if unknown.

        Inflected forms are often listed without flags ("ansökningar"): then the
        lemma's flags decide.
        """
        for entry in dict.fromkeys((form, self._lemmatize(form, lang="sv").lower())):
            flags = self._flags.get(entry)
            if flags:
                return bool(NOUN_FLAGS & set(flags)) or (
                    not entry.endswith("a") and bool(DEFINITE_FLAGS & set(flags))
                )
        return False if form in self._flags else None
