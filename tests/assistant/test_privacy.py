"""Tests for personal-data redaction: identity numbers, phones, e-mail, names and the log filter."""

from __future__ import annotations

import io
import logging
import re
import statistics
import time

import pytest

from assistant.privacy import (
    EPOST,
    NAMN,
    PERSONNUMMER,
    SAMORDNINGSNUMMER,
    TELEFON,
    RedactingFilter,
    redact,
    strip_placeholders,
)
from evals.bench_redaction import CARELESS, LOOK_ALIKE, Case, check_digit, generate_cases, is_hit

SEED = 20240312
CASES = generate_cases(n=1000, seed=SEED)


def cases_of(kind: str) -> list[Case]:
    """Return the generated cases of one kind."""
    return [case for case in CASES if case.kind == kind]


def valid_id(yymmdd: str, serial: str = "238", century: str = "", sep: str = "-") -> str:
    """Build an identity number with a correct check digit (computed by the generator)."""
    return f"{century}{yymmdd}{sep}{serial}{check_digit(yymmdd + serial)}"


def wrong_check(yymmdd: str, serial: str = "238") -> str:
    """Build an identity number whose check digit is off by one."""
    return f"{yymmdd}-{serial}{(check_digit(yymmdd + serial) + 1) % 10}"


def test_generator_covers_every_format_kind_and_leap_day():
    ids = cases_of("personnummer") + cases_of("samordningsnummer")
    formats = {(len(re.sub(r"\D", "", c.value)), re.sub(r"\d", "", c.value)) for c in ids}
    expected = {(length, sep) for length in (10, 12) for sep in ("-", "+", " ", "")}
    distinct = {re.sub(r"\D", "", c.value)[-10:] for c in ids}
    assert len(distinct) >= 1000, f"generator built only {len(distinct)} distinct valid numbers"
    assert formats == expected, f"formats generated {sorted(formats)}, expected {sorted(expected)}"
    assert any("0229" in c.value for c in ids), "no 29 February personnummer generated"
    assert any("0289" in c.value for c in ids), "no 29 February samordningsnummer generated"
    centuries = {c.value[:2] for c in ids if len(c.value) >= 12}
    assert centuries >= {"18", "19", "20"}, f"12-digit centuries generated: {sorted(centuries)}"


@pytest.mark.parametrize(
    ("kind", "placeholder"),
    [("personnummer", PERSONNUMMER), ("samordningsnummer", SAMORDNINGSNUMMER)],
)
def test_every_valid_identity_number_is_redacted(kind, placeholder):
    misses = []
    for case in cases_of(kind):
        result = redact(case.text)
        if case.value in result.text or placeholder not in result.text:
            misses.append(f"{case.text!r} -> {result.text!r}")
    assert not misses, f"{len(misses)} valid {kind} not redacted, first ones: {misses[:10]}"


def test_generated_look_alikes_stay_unchanged():
    changed = [(c.text, redact(c.text).text) for c in cases_of(LOOK_ALIKE)]
    changed = [pair for pair in changed if pair[0] != pair[1]]
    assert not changed, f"{len(changed)} look-alikes were changed, first ones: {changed[:10]}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"pnr:19{valid_id('850312')}, tack", f"pnr:{PERSONNUMMER}, tack"),
        (f"({valid_id('850312', sep=' ')})", f"({PERSONNUMMER})"),
        (f"Född {valid_id('000229', sep='')}.", f"Född {PERSONNUMMER}."),
        (f"Pnr {valid_id('000229', century='20')} gäller.", f"Pnr {PERSONNUMMER} gäller."),
        (f"Pnr {valid_id('960229', century='18')} gäller.", f"Pnr {PERSONNUMMER} gäller."),
        (f"Samordningsnummer {valid_id('040289')}.", f"Samordningsnummer {SAMORDNINGSNUMMER}."),
        (f"Nr {valid_id('121161', sep='+')} ok", f"Nr {SAMORDNINGSNUMMER} ok"),
        (f"[{valid_id('991231', century='19', sep='')}]", f"[{PERSONNUMMER}]"),
    ],
)
def test_identity_numbers_in_context(text, expected):
    assert redact(text).text == expected, f"redacting {text!r} gave {redact(text).text!r}"


LOOK_ALIKES = [
    "Mötet är 2024-03-12 kl. 14.30.",
    "Beslut fattat 12/3 2024.",
    "Dnr SN 2024/123 gäller ärende 2024-0456 och AMN-2023-117.",
    "Hyran är 12 345 kr och skulden 1 234 567 kronor.",
    "Adress: Storgatan 1, 123 45 Norrvik.",
    "Se 4 kap. 1 § SoL och 11 kap. 10 § SoL.",
    "Öppet 08:15–16:30, lunch 12.00-13.00.",
    "Hon flyttade hit år 2019.",
    "Clearingnummer 8327-9, konto 123 456 789-0.",
    f"Ogiltigt datum {valid_id('851332')} i journalen.",
    f"Ogiltigt datum {valid_id('000229', century='19')} i journalen.",
    f"Ogiltigt datum {valid_id('010229')} i journalen.",
    f"Samordningsdag 92: {valid_id('850392')}.",
    "Ärendenummer 0123-2024 och 03-12-2024.",
    f"Org.nr 212000-014{check_digit('212000014')} är kommunens.",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_not_touched(text):
    result = redact(text)
    assert result.text == text, f"look-alike changed: {text!r} -> {result.text!r}"
    assert not result.redacted, f"look-alike reported as redacted: {result.found}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Felaktig kontrollsiffra {wrong_check('850312')} i ansökan.", PERSONNUMMER),
        (f"Felaktig kontrollsiffra {wrong_check('850372')} i ansökan.", SAMORDNINGSNUMMER),
        ("Gäller pnr850312-1231 fortfarande?", PERSONNUMMER),
        ("Klienten 850312 - 0134 har ringt.", PERSONNUMMER),
        ("Klienten 85 03 12-1439 har ringt.", PERSONNUMMER),
        ("Klienten 850312.1538 har ringt.", PERSONNUMMER),
        ("Klienten 850312/1637 har ringt.", PERSONNUMMER),
        ("Läs 850312-1132s ansökan.", PERSONNUMMER),
        ("Klienten 850312\u200b-1231 har ringt.", PERSONNUMMER),
        ("Klienten ８５０３１２－１２３１ har ringt.", PERSONNUMMER),
        ("Ring (08) 700 45 71 i morgon.", TELEFON),
        ("Ring 0311234567 i morgon.", TELEFON),
        ("Jag träffade anna svensson i går.", NAMN),
        ("Klienten heter fatima och saknar bostad.", NAMN),
    ],
)
def test_careless_forms_are_redacted(text, expected):
    result = redact(text)
    assert expected in result.text and not any(ch.isdigit() for ch in result.text), result.text


def test_generated_careless_forms_are_redacted():
    cases = cases_of(CARELESS)
    assert len({c.form for c in cases}) == 12, sorted({c.form for c in cases})
    misses = [(c.text, redact(c.text).text) for c in cases]
    misses = [
        m for m, c in zip(misses, cases, strict=True) if not is_hit(c, m[1], redact(c.text).found)
    ]
    assert not misses, f"{len(misses)} careless forms not redacted, first ones: {misses[:10]}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hur söker man bygglov? [PERSONNUMMER], [TELEFON]", "Hur söker man bygglov?"),
        ("Klienten ([PERSONNUMMER]) har ringt från [TELEFON].", "Klienten har ringt från."),
        ("Läs [NAMN]s ansökan.", "Läs ansökan."),
        ("Hur länge gäller ett beslut?", "Hur länge gäller ett beslut?"),
    ],
)
def test_strip_placeholders(text, expected):
    assert strip_placeholders(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Kostnaden är 300 kr per månad och person.",
        "Klara av att bo kvar, stig in.",
        "Mötet är 2024-03-12, dnr 2024-00123, 123 45 Norrvik, 12 345 kr.",
    ],
)
def test_lower_case_words_and_dates_are_not_redacted(text):
    assert redact(text).text == text


@pytest.mark.parametrize(
    "phone",
    [
        "070-123 45 67",
        "0701234567",
        "070 123 45 67",
        "+46 70 123 45 67",
        "+46701234567",
        "0046 70-1234567",
        "08-123 456 78",
        "08-12 34 56",
        "031-12 34 56",
        "0771-123 456",
        "+46 (0)8-123 456 78",
        "070–123 45 67",
    ],
)
def test_phone_numbers_are_redacted(phone):
    text = f"Ring {phone}, helst före lunch."
    result = redact(text)
    assert result.text == f"Ring {TELEFON}, helst före lunch.", f"{phone!r} gave {result.text!r}"
    assert result.found == {"telefon": 1}, f"{phone!r} counted as {result.found}"


@pytest.mark.parametrize(
    "email",
    ["anna.svensson@norrvik.se", "karl-erik_lind+sol@socialtjansten.norrvik.se", "ali85@gmail.com"],
)
def test_email_addresses_are_redacted(email):
    result = redact(f"Skicka beslutet till {email}.")
    assert result.text == f"Skicka beslutet till {EPOST}.", f"{email!r} gave {result.text!r}"
    assert result.found == {"e-post": 1}, f"{email!r} counted as {result.found}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Anna Svensson har ansökt om bistånd.", f"{NAMN} har ansökt om bistånd."),
        ("Jag träffade Ali Hassan i går.", f"Jag träffade {NAMN} i går."),
        ("Karl-Erik Lind vill överklaga.", f"{NAMN} vill överklaga."),
        ("Hon heter Fatima och är 17 år.", f"Hon heter {NAMN} och är 17 år."),
        ("Min klient Erik saknar bostad.", f"Min klient {NAMN} saknar bostad."),
        ("Klienten Zainab Ahmadi har tre barn.", f"Klienten {NAMN} har tre barn."),
        ("Sökande Maria har fått avslag.", f"Sökande {NAMN} har fått avslag."),
        ("Läs Anna Svenssons ansökan.", f"Läs {NAMN} ansökan."),
        ("Vi pratade med fru Andersson.", f"Vi pratade med fru {NAMN}."),
        ("Svensson har inte lämnat underlag.", f"{NAMN} har inte lämnat underlag."),
        ("Tack för hjälpen! Mvh Erik", f"Tack för hjälpen! Mvh {NAMN}"),
        ("Klienten Anna Lind ringde. Anna vill ses.", f"Klienten {NAMN} ringde. {NAMN} vill ses."),
    ],
)
def test_names_are_redacted(text, expected):
    assert redact(text).text == expected, f"redacting {text!r} gave {redact(text).text!r}"


@pytest.mark.parametrize(
    "text",
    [
        "Försäkringskassan har skickat beslutet till Arbetsförmedlingen.",
        "Migrationsverket och Norrviks kommun samarbetar.",
        "Hon bor i Stockholm sedan 2019.",
        "Se rutinen Ekonomiskt bistånd till vuxna, bilaga 3.",
        "Ansökan skickas till Socialnämnden enligt Socialtjänstlagen.",
        "Gäller Lex Maria även här?",
        "Maria Ungdom tar emot unga med missbruk.",
        "Kontoret ligger på Erik Dahlbergsgatan.",
        "Stig in och sätt dig, sa handläggaren.",
        "Björn Borg-stiftelsen ger bidrag till Karin Boyes väg 4.",
        "Anna har rätt till bistånd, enligt beslutet.",
        "Vad säger Socialstyrelsen om Region Stockholm?",
    ],
)
def test_organisations_places_and_ordinary_words_are_not_names(text):
    assert redact(text).text == text, f"not a name, but changed: {text!r} -> {redact(text).text!r}"


def test_found_counts_every_kind():
    text = (
        f"Klienten Anna Svensson ({valid_id('850312')}) och barnet ({valid_id('150371')}) nås på "
        f"070-123 45 67 eller anna.svensson@norrvik.se; mammans pnr är {valid_id('601224')}."
    )
    result = redact(text)
    expected = {"personnummer": 2, "samordningsnummer": 1, "telefon": 1, "e-post": 1, "namn": 1}
    assert result.found == expected, f"found {result.found} in {result.text!r}"
    assert result.redacted, "redacted is False although items were replaced"


def test_clean_text_is_not_redacted():
    result = redact("Hur länge gäller ett beslut om försörjningsstöd?")
    assert not result.redacted and result.found == {}, f"clean text reported {result.found}"


def test_redaction_is_idempotent():
    texts = [case.text for case in CASES[::7]] + LOOK_ALIKES
    texts.append("Klienten Anna Svensson, 070-123 45 67, anna@norrvik.se, " + valid_id("850312"))
    unstable = [t for t in texts if redact(redact(t).text).text != redact(t).text]
    assert not unstable, f"redacting twice changed {len(unstable)} texts, e.g. {unstable[:5]}"


def capture_logger(name: str) -> tuple[logging.Logger, io.StringIO, logging.Handler]:
    """Create a non-propagating logger that writes to a string buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(handler)
    return logger, stream, handler


def test_filter_on_handler_redacts_message_and_args():
    logger, stream, handler = capture_logger("rutinstod.test.privacy.handler")
    handler.addFilter(RedactingFilter())
    pnr = valid_id("850312")
    try:
        logger.info("Fråga från %s om %s (tel %s)", "Anna Svensson", pnr, "070-123 45 67")
    finally:
        logger.removeHandler(handler)
    logged = stream.getvalue()
    expected = f"Fråga från {NAMN} om {PERSONNUMMER} (tel {TELEFON})\n"
    assert logged == expected, f"log line was {logged!r}"


def test_filter_on_logger_redacts_exception_text():
    logger, stream, handler = capture_logger("rutinstod.test.privacy.logger")
    logger.addFilter(RedactingFilter())
    pnr = valid_id("850312")
    try:
        raise ValueError(f"okänt personnummer {pnr}")
    except ValueError:
        logger.exception("Misslyckades för %s", pnr)
    finally:
        logger.removeHandler(handler)
    logged = stream.getvalue()
    assert pnr not in logged, f"personnummer leaked into the log: {logged!r}"
    assert logged.count(PERSONNUMMER) == 2, f"expected message and traceback redacted: {logged!r}"


def test_redacting_a_long_question_is_fast():
    question = " ".join(case.text for case in CASES[::40])[:2000]
    timings = []
    for _ in range(50):
        start = time.perf_counter()
        redact(question)
        timings.append(time.perf_counter() - start)
    median = statistics.median(timings)
    assert median < 0.005, f"redact() took {median * 1e3:.2f} ms on 2,000 characters"


def test_filter_escapes_newlines_and_nul_so_lines_cannot_be_forged():
    logger, stream, handler = capture_logger("rutinstod.test.privacy.controls")
    handler.addFilter(RedactingFilter())
    try:
        logger.info("Fråga: %s", "hej\n2024-01-01 INFO forged: admin\x00")
    finally:
        logger.removeHandler(handler)
    logged = stream.getvalue()
    assert logged.count("\n") == 1 and "\x00" not in logged, repr(logged)
    assert "hej\\n2024-01-01 INFO forged" in logged, repr(logged)
