"""Replace personal data in caseworker text with typed placeholders before it is kept or sent.

The text is first normalised (NFKC, so fullwidth digits become ASCII, and zero-width and
bidirectional control characters are dropped); redaction works on, and returns, that form.
Detected, in this order: e-mail addresses, personnummer and samordningsnummer, Swedish phone
numbers, and names.

Identity numbers: 10 or 12 digits whose date is a real calendar date (day + 60 for
samordningsnummer), written with no separator or `-`, `+`, `.`, `/`, a space, or a dash with
spaces around it (`850312 - 0134`), also with the date in groups of two (`85 03 12-1439`), glued
to a word before (`pnr850312-1231`) or a letter after (`850312-1132s`). The check digit is not
required: a mistyped personnummer is still one. Only an unseparated 10-digit number that starts
with 0 needs a valid check digit to count as an identity number; without one it is a phone number.

Limits:
- Any date-valid number of those shapes is redacted, also a case number or an amount that happens
  to have one; numbers with an impossible date ("851332-1234") are left alone. Other splits
  ("8503 12-2384") are not recognised.
- Phone numbers: Swedish ones (`0…`, `+46`, `0046`, `(08) 700 45 71`). Every unseparated 0 + 9
  digits counts as a phone number. Foreign numbers are not recognised.
- Names are best-effort: a known first name (about 300 common in Sweden) followed by capitalised
  words, a listed surname ending in -son, capitalised words after a cue ("heter", "klienten",
  "fru", "hej", "mvh"), and later repeats of a found name. In lower case: a known first name
  followed by a listed surname ("anna svensson"), a listed -son surname alone, and a first name
  after a cue ("heter fatima"), except first names that are also common words ("per", "bo",
  "klara"). Unknown names without a cue and particles ("von", "af") are missed; a first name before
  an unlisted capitalised word ("Stella Polaris", "Maria Magdalena") is redacted.
"""

from __future__ import annotations

import calendar
import logging
import re
import unicodedata
from dataclasses import dataclass, field

PERSONNUMMER = "[PERSONNUMMER]"
SAMORDNINGSNUMMER = "[SAMORDNINGSNUMMER]"
TELEFON = "[TELEFON]"
EPOST = "[E-POST]"
NAMN = "[NAMN]"
PLACEHOLDERS = {
    "personnummer": PERSONNUMMER,
    "samordningsnummer": SAMORDNINGSNUMMER,
    "telefon": TELEFON,
    "e-post": EPOST,
    "namn": NAMN,
}


def _word_set(words: str) -> frozenset[str]:
    """Split a whitespace-separated word list into a set."""
    return frozenset(words.split())


_FIRST_NAMES = _word_set(
    """
    Anna Eva Maria Karin Sara Kristina Christina Lena Emma Kerstin Marie Ingrid Malin Jenny Hanna
    Linda Elin Annika Sofia Birgitta Susanne Johanna Monica Inger Ulla Elisabeth Elisabet Julia
    Carina Helena Åsa Camilla Ida Katarina Margareta Margaretha Linnea Anneli Ebba Amanda Elsa Maja
    Alice Moa Frida Louise Gunilla Ann Cecilia Josefin Matilda Lisa Agneta Therese Jessica Caroline
    Karolina Emelie Sandra Anette Madeleine Viktoria Marianne Lotta Pia Petra Ewa Britt Gun Siv
    Barbro Yvonne Ingela Mona Helen Ella Wilma Olivia Astrid Alva Saga Stella Vera Selma Ellen Freja
    Signe Agnes Klara Nora Ines Lilly Tyra Ester Thea Ronja Isabelle Isabella Felicia Nathalie
    Rebecka Rebecca Emilia Mikaela Mia Lina Jennifer Christin Charlotte Charlotta Sofie Sophie Nova
    Elvira Hedda Majken Liv Iris Edith Sigrid Meja Tilda Hilma Lovisa Emmy Elina Tove Jonna Sanna
    Anja Nellie Märta Elise Ylva Gunnel Ingegerd Britta Fatima Maryam Mariam Aisha Zainab Amina
    Leila Yasmin Jasmin Noor Nour Hiba Rania Layla Hawa Hodan Asha Samira Zahra Hana Nadia Aya Elif
    Zeynep Amira Shirin Olga Irina Natalia Anastasia Agnieszka Katarzyna Joanna Daniela Lars
    Mikael Michael Anders Johan Per Erik Karl Carl Peter Thomas Tomas Jan Daniel Fredrik Hans
    Andreas Stefan Mohammed Mohammad Mohamed Muhammad Mats Marcus Markus Magnus Jonas Bengt Oskar
    Oscar Alexander Niklas Nils Sven Björn Leif Bo Mattias Patrik Henrik Ulf Christer Göran Gustav
    Gustaf Viktor Kjell Emil David Lennart Robert Simon Rolf Tobias Sebastian Christian Kristian
    Håkan Anton Joakim Filip Philip William Lucas Lukas Elias Hugo Oliver Liam Noah Adam Axel Theo
    Vincent Leo Alfred Isak Ludvig Olle Melvin Edvin Albin Viggo Arvid Valter Walter Harry Sixten
    August Elton Casper Jack Ebbe Otto Alvin Gabriel Jacob Jakob Linus Rasmus Samuel Benjamin Max
    Kevin Robin Jesper Jimmy Johnny Roger Tommy Kent Stig Sture Åke Gunnar Ingvar Rune Bertil Arne
    Kurt Roland Torbjörn Kenneth Conny Jörgen Dan Claes Ola Pär Jens Jon Petter Pontus Rickard
    Richard Ronny Sten Sune Tord Urban Ove Olof Gösta Einar Folke Johannes Jonathan Josef Kalle
    Malte Måns Noel Vilhelm Wilhelm Ali Ahmed Ahmad Hassan Hussein Omar Abdullah Ibrahim Yusuf
    Mustafa Mahmoud Khaled Karim Amir Reza Mehmet Abdi Hamza Yasin Hamid Jamal Samir Tariq Bilal
    Adnan Ismail Osman Aziz Faisal Kamal Rami Fadi Emir Edin Amar Dragan Milan Goran Zoran Marko
    Ivan Piotr Tomasz Sergej Andrei Juan Carlos José Luis Elliot Ahmet Yousef Abdullahi Lejla
    """
)
_SURNAMES = _word_set(
    """
    Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson
    Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Olofsson
    Lindström Lindqvist Lindgren Berg Axelsson Bergström Lundberg Lind Lundgren Lundqvist Mattsson
    Berglund Fredriksson Sandberg Henriksson Forsberg Sjöberg Wallin Engström Eklund Danielsson
    Lundin Håkansson Björk Bergman Gunnarsson Holm Wikström Samuelsson Isaksson Fransson Bergqvist
    Nyström Holmberg Arvidsson Löfgren Söderberg Nyberg Blomqvist Claesson Nordström Mårtensson
    Lundström Viklund Björklund Eliasson Pålsson Berggren Sandström Nordin Ström Åberg Hermansson
    Ekström Holmgren Sundberg Hedlund Dahlberg Hellström Sjögren Abrahamsson Falk Öberg Andreasson
    Blom Ek Martinsson Månsson Åkesson Ali Mohammed Mohamed Ahmed Hassan Hussein Ibrahim Omar Yilmaz
    """
)
_STOP_WORDS = _word_set(
    """
    och att som har är om med för till från enligt se vid hos den det de dem hon han hen vi jag du
    ni min mitt mina din hans hennes deras vår vilken vilka vad hur när var varför kan ska får
    måste bör vill finns efter innan under över inte ett en på av så men eller även också alla
    varje ingen hej tack mvh hälsningar fråga svar rutin rutinen riktlinje riktlinjer ansökan
    beslut bistånd ekonomiskt ekonomi försörjningsstöd utredning handläggning dokumentation
    insats insatser boende stöd vård omsorg barn unga ungdom familj vuxna äldre missbruk ärende
    mall blankett bilaga protokoll rapport lag lagen kap kapitel avsnitt sida version nämnd
    nämnden kommun kommunen region regionen stad staden förvaltning enhet enheten avdelning
    myndighet lex klienten klient sökande sökanden brukaren patienten handläggare handläggaren
    socialsekreterare chef barnet sonen dottern mamma pappa januari februari mars april maj juni
    juli augusti september oktober november december måndag tisdag onsdag torsdag fredag lördag
    söndag sverige stockholm göteborg malmö uppsala västerås örebro linköping helsingborg
    jönköping norrköping umeå gävle borås södertälje eskilstuna halmstad växjö karlstad sundsvall
    luleå östersund trollhättan kalmar falun skövde kristianstad norrvik danmark norge finland
    syrien somalia irak afghanistan eritrea polen iran turkiet försäkringskassan
    arbetsförmedlingen migrationsverket skatteverket socialstyrelsen kronofogden polisen
    pensionsmyndigheten länsstyrelsen tingsrätten förvaltningsrätten kammarrätten överförmyndaren
    """
)
_STOP_SUFFIXES = tuple(
    _word_set(
        """
        kassan förmedlingen verket myndigheten nämnden rätten styrelsen tjänsten kommun kommunen
        regionen förvaltningen centralen skolan huset gården hemmet enheten avdelningen boendet
        mottagningen kyrkan stiftelsen förbundet inspektionen gatan vägen gränd torget lagen stad
        län
        """
    )
)
_ID_SEPARATOR = r"(?:[ \u00a0]?[-+./\u2010-\u2013\u2212][ \u00a0]?|[ \u00a0])?"
_ID_NUMBER = re.compile(
    r"(?<!\d)(?<!\d[.,:/])(?P<century>18|19|20)?"
    r"(?P<date>\d{6}|\d\d[ \u00a0]\d\d[ \u00a0]\d\d)(?P<sep>" + _ID_SEPARATOR + r")"
    r"(?P<tail>\d{4})(?!\d)(?![.,/-]\d)"
)
_PHONE = re.compile(
    r"(?=[+0])(?<![\w+])(?<!\d[-/. ])(?P<prefix>(?:\+|00)46[ -]?(?:\(0\)[ -]?)?|0)"
    r"(?P<number>[1-9](?:[ \u00a0\u2013-]?\d){6,8})(?!\w)(?![-/.,]?\d)"
)
_PHONE_PARENTHESES = re.compile(
    r"(?<![\w+])\(0[1-9]\d{0,2}\)[ \u00a0-]?\d(?:[ \u00a0\u2013-]?\d){4,7}(?!\w)(?![-/.,]?\d)"
)
_MOBILE = frozenset({"70", "72", "73", "76", "79"})
_PHONE_SEPARATOR = re.compile(r"[ \u00a0\u2013-]")
_DATE_LIKE = re.compile(r"0\d-[0-3]\d-(?:19|20)\d\d")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@(?:[\w-]+\.)+[A-Za-z]{2,}(?![\w-])")
_WORD = r"[A-ZÅÄÖÉÜ][a-zåäöéèüáàíóúñçëï]+(?:-[A-ZÅÄÖÉÜ][a-zåäöéèüáàíóúñçëï]+)*"
_CAP_WORD = re.compile(_WORD)
_CAP_RUN = re.compile(rf"(?<![\w-]){_WORD}(?:[ \t]+{_WORD})*(?!\w)(?!-\w)")
_PLACE_AFTER = re.compile(r"[ \t]+(?:väg|vägen|gata|gatan|gränd|allé|plan|torg|park|skola)\b")
_CUE_WORDS = _word_set(
    """
    hej mvh hälsningar heter hette kallas namn namnet klient klienten sökande sökanden brukare
    brukaren patient patienten barnet sonen dottern mamma mamman pappa pappan modern fadern
    vårdnadshavare vårdnadshavaren fru herr familjen makarna eleven ungdomen förvaltare förvaltaren
    """
)
# Invisible characters that can be typed or pasted inside a number: zero-width spaces and
# joiners, the word joiner, the byte-order mark, the soft hyphen and bidirectional controls.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A)),
    None,
)
_LOWER_WORD = re.compile(r"(?<![\w\[-])[a-zåäöéü]+(?:-[a-zåäöéü]+)?(?![\w\]-])")
# First names that are also everyday Swedish words; in lower case they need a listed -son surname.
_LOWER_AMBIGUOUS = _word_set(
    """
    per bo jan dan max liv saga klara sten stig ola gun siv kent urban rune vera iris nova ella
    august alva ester signe åke harry jack mona ali omar lisa helen hans björn axel milan ebbe
    amir noor nour hana aya elif hiba
    """
)
_PLACEHOLDER = re.compile(r"\[(?:PERSONNUMMER|SAMORDNINGSNUMMER|TELEFON|E-POST|NAMN)\](?:s(?!\w))?")
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True)
class Redaction:
    """Redacted text and how many items of each kind were replaced."""

    text: str
    found: dict[str, int] = field(default_factory=dict)

    @property
    def redacted(self) -> bool:
        """Tell whether anything was replaced."""
        return any(self.found.values())


def normalize(text: str) -> str:
    """Return text in NFKC form without zero-width or bidirectional control characters."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE)


def redact(text: str) -> Redaction:
    """Replace e-mail addresses, identity numbers, phone numbers and names with placeholders.

    The returned text is the normalised form (see normalize()) with the items replaced.
    """
    found: dict[str, int] = {}

    def replace(kind: str | None, original: str) -> str:
        if kind is None:
            return original
        found[kind] = found.get(kind, 0) + 1
        return PLACEHOLDERS[kind]

    text = normalize(text)
    if "@" in text:
        text = _EMAIL.sub(lambda m: replace("e-post", m[0]), text)
    text = _ID_NUMBER.sub(
        lambda m: replace(_id_kind(*m.group("century", "date", "sep", "tail")), m[0]), text
    )
    text = _PHONE_PARENTHESES.sub(lambda m: replace("telefon", m[0]), text)
    text = _PHONE.sub(lambda m: replace(_phone_kind(*m.groups()), m[0]), text)
    spans = _merge(_name_spans(text) + _lower_name_spans(text))
    for start, end in reversed(spans):
        text = text[:start] + replace("namn", "") + text[end:]
    return Redaction(text, found)


def strip_placeholders(text: str) -> str:
    """Remove redaction placeholders, so that they take no part in retrieval or answering."""
    if "[" not in text:
        return text
    stripped = _PLACEHOLDER.sub(" ", text)
    stripped = re.sub(r"\(\s*[,;:]?\s*\)", " ", stripped)  # "( )" left around a placeholder
    # Commas, semicolons and colons left between placeholders ("[PERSONNUMMER], [TELEFON]").
    stripped = re.sub(r"(?:(?<=^)|(?<=[\s.?!,;:]))\s*[,;:]+(?=\s|$)", " ", stripped)
    stripped = re.sub(r"[,;:]+(?=\s*[.?!])", "", stripped)
    stripped = re.sub(r"\s+([,.;:!?)])", r"\1", stripped)
    return " ".join(stripped.split())


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort spans and merge the overlapping ones."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _date_kind(year: int, mmdd: str) -> str | None:
    """Return the identity-number kind that a month and day (day + 60 allowed) belong to."""
    month, day = int(mmdd[:2]), int(mmdd[2:])
    kind = "personnummer"
    if day > 60:
        day, kind = day - 60, "samordningsnummer"
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS_IN_MONTH[month]:
        return None
    if month == 2 and day == 29 and not calendar.isleap(year):
        return None
    return kind


def _luhn_digit(digits: str) -> int:
    """Compute the Luhn check digit for a string of digits (weights 2, 1, 2, ...)."""
    total = 0
    for position, char in enumerate(digits):
        product = int(char) * (2 - position % 2)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def _id_kind(century: str | None, date: str, separator: str, tail: str) -> str | None:
    """Classify a candidate identity number, or return None when its date is impossible."""
    date = re.sub(r"\D", "", date)
    # Without a century, 20YY has a 29 February exactly when some plausible century does.
    year = int((century or "20") + date[:2])
    kind = _date_kind(year, date[2:])
    if kind is None:
        return None
    # 0 + nine digits with nothing between them is also a phone number (not 00…): then only a
    # valid check digit makes it an identity number (the phone pattern takes the rest).
    if not century and not separator and date[0] == "0" and date[1] != "0":
        return kind if _luhn_digit(date + tail[:3]) == int(tail[3]) else None
    return kind


def _phone_kind(prefix: str, number: str) -> str | None:
    """Return "telefon" when a candidate looks like a Swedish phone number, else None."""
    first_group = _PHONE_SEPARATOR.split(number, 1)[0]
    if first_group != number and len(_PHONE_SEPARATOR.sub("", number)) - len(first_group) < 5:
        return None  # "0123-2024", "010312-4567": too few digits after the area code
    if prefix == "0" and _DATE_LIKE.fullmatch(prefix + number):
        return None
    return "telefon"


def _is_stop(word: str) -> bool:
    """Tell whether a capitalised word is an ordinary word, place or organisation, not a name."""
    if word in _FIRST_NAMES or word in _SURNAMES:
        return False
    lower = word.lower()
    forms = (lower, lower[:-1]) if lower.endswith("s") else (lower,)
    return any(form in _STOP_WORDS or form.endswith(_STOP_SUFFIXES) for form in forms)


def _is_first_name(word: str) -> bool:
    """Tell whether a word (or its first hyphenated part) is a known first name."""
    return word in _FIRST_NAMES or word.split("-", 1)[0] in _FIRST_NAMES


def _base(word: str) -> str:
    """Strip a genitive -s from a word that is a known name without it."""
    stem = word[:-1]
    if word.endswith("s") and (stem in _FIRST_NAMES or stem in _SURNAMES):
        return stem
    return word


def _has_cue(text: str, start: int) -> bool:
    """Tell whether the words just before `start` announce a name ("heter", "klienten", "fru")."""
    words = text[max(0, start - 24) : start].lower().replace(":", " ").split()
    if not words or not text[start - 1].isspace():
        return False
    return words[-1] in _CUE_WORDS or words[-2:] == ["god", "man"]


def _could_start_name(text: str, tokens: list[re.Match[str]], i: int) -> bool:
    """Cheaply rule out tokens that cannot start a name (most capitalised words)."""
    word = tokens[i][0]
    if _is_first_name(word) or _base(word) in _SURNAMES or _has_cue(text, tokens[i].start()):
        return True
    return i + 1 < len(tokens) and _base(tokens[i + 1][0]) in _SURNAMES


def _name_end(text: str, tokens: list[re.Match[str]], i: int) -> int:
    """Return the index after a name that starts at tokens[i], or i when none starts there."""
    word = tokens[i][0]
    if not _could_start_name(text, tokens, i) or _is_stop(word):
        return i
    if i > 0 and tokens[i - 1][0] == "Lex":
        return i
    end = i + 1
    while end < len(tokens) and end - i < 4 and not _is_stop(tokens[end][0]):
        end += 1
    if _PLACE_AFTER.match(text, tokens[end - 1].end()):
        return i  # "Karin Boyes väg"
    words = [_base(t[0]) for t in tokens[i:end]]
    if _has_cue(text, tokens[i].start()):
        return end
    if end > i + 1 and (_is_first_name(word) or any(w in _SURNAMES for w in words[1:])):
        return end
    if words[0] in _SURNAMES and words[0].endswith("son"):
        return i + 1
    return i


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Find the character spans of names, including later repeats of a found name."""
    runs = [list(_CAP_WORD.finditer(text, r.start(), r.end())) for r in _CAP_RUN.finditer(text)]
    spans: list[tuple[int, int]] = []
    known: set[str] = set()
    leftovers: list[re.Match[str]] = []
    for tokens in runs:
        i = 0
        while i < len(tokens):
            end = _name_end(text, tokens, i)
            if end == i:
                if not (i > 0 and tokens[i - 1][0] == "Lex"):
                    leftovers.append(tokens[i])
                i += 1
                continue
            spans.append((tokens[i].start(), tokens[end - 1].end()))
            known.update(_base(t[0]) for t in tokens[i:end])
            i = end
    spans.extend(t.span() for t in leftovers if _base(t[0]) in known and not _is_stop(t[0]))
    return sorted(spans)


def _lower_name_spans(text: str) -> list[tuple[int, int]]:
    """Find names written in lower case: first name + listed surname, -son surnames, after a cue."""
    if not any(ch.islower() for ch in text):
        return []
    tokens = list(_LOWER_WORD.finditer(text))
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        word = tokens[i][0]
        name = word.capitalize()
        glued = i + 1 < len(tokens) and not text[tokens[i].end() : tokens[i + 1].start()].strip()
        surname = glued and _base(tokens[i + 1][0].capitalize()) in _SURNAMES
        plain = word not in _LOWER_AMBIGUOUS
        if _is_first_name(name) and surname and (plain or tokens[i + 1][0].endswith("son")):
            spans.append((tokens[i].start(), tokens[i + 1].end()))
            i += 2
            continue
        son_surname = _base(name) in _SURNAMES and _base(name).endswith("son")
        cued = _is_first_name(name) and plain and i > 0 and _lower_cue(text, tokens, i)
        if son_surname or cued:
            spans.append(tokens[i].span())
        i += 1
    return spans


def _lower_cue(text: str, tokens: list[re.Match[str]], i: int) -> bool:
    """Tell whether the word before tokens[i] is a cue word, with only a space or colon between."""
    between = text[tokens[i - 1].end() : tokens[i].start()]
    return tokens[i - 1][0] in _CUE_WORDS and between.strip() in {"", ":"}


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """Escape newlines, NUL and other control characters, so that text cannot forge log lines."""
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


class RedactingFilter(logging.Filter):
    """Redact the message, arguments and exception text of every record that passes.

    Control characters in the message (newlines, NUL) are escaped, so that text from a request
    cannot start a forged log line; tracebacks keep their lines.

    Attach it to a handler to cover all records the handler writes; attached to a logger it only
    sees records logged directly on that logger, not those propagated from child loggers.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message with its redacted, fully formatted form."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = escape_controls(redact(message).text), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text).text
        if record.stack_info:
            record.stack_info = redact(record.stack_info).text
        return True
