"""Measure recall, precision and speed of personal-data redaction on generated Swedish questions.

Run: python -m evals.bench_redaction [--n 5000] [--seed 1]

The generator is shared with tests/assistant/test_privacy.py. It builds identity numbers with a
check digit computed here (independently of assistant.privacy) and renders each in all eight
formats (10 or 12 digits, separator "-", "+", space or none). It also writes the careless forms
caseworkers type: a wrong check digit, `pnr850312-1231`, `850312 - 0134`, `85 03 12-1439`,
`850312.1538`, `850312/1637`, the genitive `850312-1132s`, a zero-width space inside the number,
fullwidth digits, `(08) 700 45 71`, `0311234567` and names in lower case. Look-alikes (dates,
case numbers, amounts, postal codes, identity numbers with an impossible date) must stay as
they are; precision counts every redaction of one as a false positive.
"""

from __future__ import annotations

import argparse
import calendar
import random
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta

from assistant.privacy import PLACEHOLDERS, normalize, redact

LOOK_ALIKE = "look-alike"
CARELESS = "careless"
NUMBER_KINDS = ("personnummer", "samordningsnummer", "telefon")
SEPARATORS = ("-", "+", " ", "")

ID_TEMPLATES = (
    "Klienten med personnummer {v} har ansökt om ekonomiskt bistånd för mars.",
    "pnr:{v}, behöver vi göra en ny utredning?",
    "Hur registrerar jag sökande ({v}) i verksamhetssystemet?",
    "Barnet, {v}, är placerat enligt LVU – vilka handlingar ska skickas?",
    "{v} har fått avslag från Försäkringskassan, kan vi bevilja försörjningsstöd?",
    "Ärendet gäller {v}; dnr SN 2024/123.",
    "Mamman ({v}) och barnen behöver skyddat boende, vad gör jag?",
    "Pnr {v}. Vad gäller vid återkrav av bistånd?",
    "Samordningsnumret är {v} – räcker det för att öppna ett ärende?",
)
PHONE_TEMPLATES = (
    "Klienten nås på {v} efter klockan tio.",
    "Ring god man på tel. {v} innan mötet.",
    "Vårdnadshavaren har nytt nummer ({v}), ska det in i journalen?",
    "Tel: {v}. Hur dokumenterar jag samtalet?",
)
EMAIL_TEMPLATES = (
    "Sökande vill få beslutet till {v}, är det tillåtet?",
    "Kan jag mejla utredningen till {v}?",
    "Kontakt: {v}.",
)
LOOK_ALIKE_TEMPLATES = (
    "I journalen står {v}, vad betyder det?",
    "Gäller {v} fortfarande?",
    "Enligt anteckningen: {v}.",
    "Kan du förklara {v} för mig?",
)
FIXED_LOOK_ALIKES = (
    "2024-03-12",
    "12/3 2024",
    "den 3 maj 2023",
    "1985-03-12",
    "20240312",
    "2024-03-12 kl. 14.30",
    "Dnr SN 2024/123",
    "ärende 2024-0456",
    "AMN-2023-117",
    "dnr 2024-00123",
    "SN 2023.1234",
    "12 345 kr",
    "1 234 567 kronor",
    "4 500 kr/mån",
    "125000 kr",
    "2 350,50 kr",
    "14 250:-",
    "123 45 Norrvik",
    "SE-123 45",
    "postnummer 891 33",
    "kl. 08.30",
    "08:15–16:30",
    "09.00-12.00",
    "4 kap. 1 § SoL",
    "11 kap. 10 § SoL",
    "2 § LVU",
    "SFS 2001:453",
    "prop. 2024/25:89",
    "år 2023",
    "1990-talet",
    "2019–2024",
    "clearingnummer 8327-9, konto 123 456 789-0",
    "bankgiro 5050-1055",
    "plusgiro 12 34 56-7",
    "vecka 12",
    "3 barn födda 2015, 2017 och 2020",
)


@dataclass(frozen=True)
class Case:
    """One generated sentence, what kind of item it hides, and the item as written."""

    kind: str
    text: str
    value: str
    form: str = ""


def check_digit(nine_digits: str) -> int:
    """Compute the personnummer check digit of the first nine digits (YYMMDDNNN)."""
    total = 0
    for position, char in enumerate(nine_digits):
        product = int(char) * (1 if position % 2 else 2)
        total += sum(divmod(product, 10))
    return -total % 10


def render(century: str, yymmdd: str, last_four: str) -> list[str]:
    """Render an identity number in every 10- and 12-digit format."""
    return [prefix + yymmdd + sep + last_four for prefix in ("", century) for sep in SEPARATORS]


def _random_birth_date(rng: random.Random, leap_day: bool) -> date:
    """Pick a birth date between 1890 and 2024, or a random 29 February when leap_day is set."""
    if leap_day:
        year = rng.choice([y for y in range(1892, 2025) if calendar.isleap(y)])
        return date(year, 2, 29)
    start = date(1890, 1, 1)
    return start + timedelta(days=rng.randrange((date(2024, 12, 31) - start).days))


def _valid_id(rng: random.Random, samordning: bool, leap_day: bool) -> tuple[str, str, str]:
    """Build (century, YYMMDD, NNNC) for a valid personnummer or samordningsnummer."""
    born = _random_birth_date(rng, leap_day)
    day = born.day + (60 if samordning else 0)
    yymmdd = f"{born.year % 100:02d}{born.month:02d}{day:02d}"
    serial = f"{rng.randrange(1000):03d}"
    return str(born.year // 100), yymmdd, serial + str(check_digit(yymmdd + serial))


def _id_cases(rng: random.Random, n: int) -> list[Case]:
    """Render n valid identity numbers in all formats: kinds alternate, one in five a leap day."""
    cases = []
    for index in range(n):
        kind = "samordningsnummer" if index % 2 else "personnummer"
        parts = _valid_id(rng, samordning=index % 2 == 1, leap_day=index % 10 < 2)
        for value in render(*parts):
            cases.append(Case(kind, rng.choice(ID_TEMPLATES).format(v=value), value))
    return cases


def _random_phone(rng: random.Random) -> str:
    """Write a random Swedish mobile or landline number in one of the common formats."""
    digits = "".join(str(rng.randrange(10)) for _ in range(8))
    if rng.random() < 0.5:
        prefix, rest = rng.choice(("70", "72", "73", "76", "79")), str(rng.randint(1, 9)) + digits
        return rng.choice(
            (
                f"0{prefix}-{rest[:3]} {rest[3:5]} {rest[5:7]}",
                f"0{prefix}{rest[:7]}",
                f"0{prefix} {rest[:3]} {rest[3:5]} {rest[5:7]}",
                f"+46 {prefix} {rest[:3]} {rest[3:5]} {rest[5:7]}",
                f"+46{prefix}{rest[:7]}",
                f"0046 {prefix}-{rest[:7]}",
                f"0{prefix}-{rest[:7]}",
            )
        )
    area = rng.choice(("8", "31", "40", "18", "13", "90", "771", "520", "910"))
    sub = str(rng.randint(1, 9)) + digits
    formats = [f"0{area}-{sub[:2]} {sub[2:4]} {sub[4:6]}", f"0{area}-{sub[:3]} {sub[3:6]}"]
    if len(area) < 3:  # a shorter area code leaves room for a 7-digit subscriber number
        formats += [f"0{area} {sub[:3]} {sub[3:5]} {sub[5:7]}", f"+46 {area} {sub[:3]} {sub[3:7]}"]
    if area == "8":
        formats.append(f"0{area}-{sub[:3]} {sub[3:6]} {sub[6:8]}")
    return rng.choice(formats)


def _random_email(rng: random.Random) -> str:
    """Write a random e-mail address of the kinds caseworkers paste."""
    first = rng.choice(("anna", "erik", "fatima", "karl-erik", "li", "mohammed", "sara"))
    last = rng.choice(("svensson", "lind", "hassan", "nguyen", "ali", "berg"))
    local = rng.choice((f"{first}.{last}", f"{first}_{last[0]}", f"{first}{rng.randint(1, 99)}"))
    domain = rng.choice(
        ("norrvik.se", "gmail.com", "hotmail.com", "outlook.com", "socialtjansten.norrvik.se")
    )
    return f"{local}@{domain}"


def _impossible_date(rng: random.Random, twelve_digits: bool) -> tuple[str, str]:
    """Pick a (century, YYMMDD) that no valid identity number can carry."""
    year = rng.randrange(1890, 2025)
    month, day = rng.choice(
        ((13, 5), (0, 12), (19, 1), (4, 31), (6, 0), (2, 30), (2, 31), (3, 32), (5, 45), (1, 92))
    )
    if rng.random() < 0.3:  # 29 February of a year that is not a leap year in any reading
        year = rng.choice([y for y in range(1890, 2025) if y % 4])
        if twelve_digits and rng.random() < 0.3:
            year = 1900
        month, day = 2, 29
    return str(year // 100), f"{year % 100:02d}{month:02d}{day:02d}"


def _invalid_id(rng: random.Random) -> str:
    """Write an identity-number shape with an impossible date, which must be left alone."""
    while True:
        twelve = rng.random() < 0.5
        century, yymmdd = _impossible_date(rng, twelve)
        serial = f"{rng.randrange(1000):03d}"
        last_four = serial + str(check_digit(yymmdd + serial))
        value = rng.choice(
            render(century, yymmdd, last_four)[4:]
            if twelve
            else render(century, yymmdd, last_four)[:4]
        )
        # Written without separator, 0 + nine digits is a phone number.
        if not (len(value) == 10 and value.startswith("0")):
            return value


LOWER_NAMES = (
    "anna svensson",
    "erik johansson",
    "fatima hassan",
    "karl-erik lind",
    "sara nilsson",
    "mohammed ali",
    "johan karlsson",
    "maria andersson",
)
CARELESS_TEMPLATES = {
    "numbers": (
        "Klienten {v} har ansökt om bistånd, vad gäller?",
        "Gäller beslutet för {v} fortfarande?",
        "Ärendet om {v} ska överlämnas, hur gör jag?",
    ),
    "glued": ("Hur gör jag med pnr{v} i systemet?", "Pnr{v} saknar underlag."),
    "genitive": ("Läs {v}s ansökan.", "Har {v}s mamma rätt till bistånd?"),
    "names": (
        "Jag träffade {v} i går, vad gäller?",
        "{v} har fått avslag, kan hen överklaga?",
        "Klienten heter {v} och saknar bostad.",
    ),
}


def _careless_id(rng: random.Random) -> tuple[str, str, str]:
    """A valid or mistyped identity number as (century, YYMMDD, NNNC)."""
    century, yymmdd, last_four = _valid_id(rng, rng.random() < 0.3, rng.random() < 0.1)
    if rng.random() < 0.5:
        last_four = last_four[:3] + str((int(last_four[3]) + rng.randint(1, 9)) % 10)
    return century, yymmdd, last_four


def _careless_cases(rng: random.Random, n: int) -> list[Case]:
    """Write n of each careless form of an identity number, a phone number or a name."""
    cases: list[Case] = []

    def add(form: str, value: str, templates: str = "numbers") -> None:
        template = rng.choice(CARELESS_TEMPLATES[templates])
        cases.append(Case(CARELESS, template.format(v=value), value, form))

    fullwidth = str.maketrans("0123456789-", "０１２３４５６７８９－")
    for _ in range(n):
        century, yymmdd, last_four = _careless_id(rng)
        prefix = rng.choice(("", century))
        wrong = yymmdd + last_four[:3] + str((int(last_four[3]) + 1) % 10)
        add(
            "wrong check digit",
            rng.choice(render(century, wrong[:6], wrong[6:])),
        )
        add("glued to pnr", f"{prefix}{yymmdd}-{last_four}", "glued")
        add("spaced dash", f"{prefix}{yymmdd}{rng.choice((' - ', ' – ', ' -', '- '))}{last_four}")
        add("date in pairs", f"{yymmdd[:2]} {yymmdd[2:4]} {yymmdd[4:]}-{last_four}")
        add("dot separator", f"{prefix}{yymmdd}.{last_four}")
        add("slash separator", f"{prefix}{yymmdd}/{last_four}")
        add("genitive -s", f"{prefix}{yymmdd}-{last_four}", "genitive")
        number = f"{prefix}{yymmdd}-{last_four}"
        cut = rng.randrange(1, len(number))
        add(
            "zero-width space",
            number[:cut] + rng.choice(("\u200b", "\u200d", "\u2060")) + number[cut:],
        )
        add("fullwidth digits", number.translate(fullwidth))
        area = rng.choice(("8", "31", "40", "18", "13", "90"))
        digits = "".join(str(rng.randrange(10)) for _ in range(9 - len(area)))
        add("(0X) area code", f"(0{area}) {digits[:3]} {digits[3:5]} {digits[5:]}")
        add("landline, no separator", f"0{area}{digits}")
        add("lower-case name", rng.choice(LOWER_NAMES), "names")
    return cases


def _org_number(rng: random.Random) -> str:
    """Write a random organisation number (third digit at least 2, so never a date)."""
    nine = f"{rng.randint(1, 9)}{rng.randint(0, 9)}{rng.randint(2, 9)}" + "".join(
        str(rng.randrange(10)) for _ in range(6)
    )
    return f"org.nr {nine[:6]}-{nine[6:]}{check_digit(nine)}"


def generate_cases(n: int = 1000, seed: int = 1) -> list[Case]:
    """Build n valid identity numbers in every format, plus phones, e-mails and look-alikes."""
    rng = random.Random(seed)
    cases = _id_cases(rng, n)
    for _ in range(max(n // 2, 10)):
        value = _random_phone(rng)
        cases.append(Case("telefon", rng.choice(PHONE_TEMPLATES).format(v=value), value))
    for _ in range(max(n // 4, 10)):
        value = _random_email(rng)
        cases.append(Case("e-post", rng.choice(EMAIL_TEMPLATES).format(v=value), value))
    cases += _careless_cases(rng, max(n // 5, 10))
    look_alikes = list(FIXED_LOOK_ALIKES)
    look_alikes += [_invalid_id(rng) for _ in range(n)]
    look_alikes += [_org_number(rng) for _ in range(max(n // 10, 10))]
    for value in look_alikes:
        cases.append(Case(LOOK_ALIKE, rng.choice(LOOK_ALIKE_TEMPLATES).format(v=value), value))
    return cases


def is_hit(case: Case, text: str, found: dict[str, int]) -> bool:
    """Tell whether the item a case hides is gone and reported as the right kind.

    A careless identity number may come out as [TELEFON] (0 + nine digits is also a phone
    number): it counts as long as the digits are gone.
    """
    if normalize(case.value) in text:
        return False
    if case.kind != CARELESS:
        return found.get(case.kind, 0) >= 1
    if case.form == "lower-case name":
        return found.get("namn", 0) >= 1
    return any(found.get(kind, 0) for kind in NUMBER_KINDS)


def score(cases: list[Case]) -> dict[str, dict[str, float]]:
    """Compute recall and precision per kind and careless form, and overall.

    A redaction counts as true when it removes the item the case hides; every other one (in a
    look-alike, or a second kind in a sentence) counts as false.
    """
    kinds = [*PLACEHOLDERS, LOOK_ALIKE]
    kinds += list(dict.fromkeys(f"{CARELESS}: {c.form}" for c in cases if c.kind == CARELESS))
    counts = {kind: {"cases": 0, "hits": 0, "false": 0} for kind in [*kinds, "all"]}
    for case in cases:
        result = redact(case.text)
        row = f"{CARELESS}: {case.form}" if case.kind == CARELESS else case.kind
        counts[row]["cases"] += 1
        hit = False
        if case.kind == LOOK_ALIKE:
            counts[LOOK_ALIKE]["hits"] += result.text == normalize(case.text)
        else:
            hit = is_hit(case, result.text, result.found)
            counts[row]["hits"] += hit
            counts["all"]["cases"] += 1
            counts["all"]["hits"] += hit
        extra = sum(result.found.values()) - hit
        counts["all"]["false"] += extra
        if case.kind == CARELESS:
            counts[row]["false"] += extra
            continue
        for kind, found in result.found.items():
            counts[kind]["false"] += found - (kind == case.kind and hit)
    table = {}
    for kind, count in counts.items():
        detected = count["hits"] + count["false"]
        table[kind] = {
            "cases": count["cases"],
            "false": count["false"],
            "recall": count["hits"] / count["cases"] if count["cases"] else float("nan"),
            "precision": count["hits"] / detected if detected else float("nan"),
        }
    return table


def median_seconds(cases: list[Case], length: int = 2000, rounds: int = 200) -> float:
    """Time redact() on questions of about `length` characters built from the cases."""
    rng = random.Random(0)
    timings = []
    for _ in range(rounds):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < length:
            parts.append(rng.choice(cases).text)
        question = " ".join(parts)[:length]
        start = time.perf_counter()
        redact(question)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    """Generate cases, score redaction and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="valid identity numbers to generate")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    cases = generate_cases(args.n, args.seed)
    print(f"{'kind':<34}{'cases':>8}{'recall':>10}{'precision':>11}")
    table = score(cases)
    for kind in ("personnummer", "samordningsnummer", "telefon", "e-post"):
        row = table[kind]
        print(f"{kind:<34}{row['cases']:>8}{row['recall']:>10.2%}{row['precision']:>11.2%}")
    for kind in [k for k in table if k.startswith(f"{CARELESS}: ")]:
        row = table[kind]
        print(f"{kind:<34}{row['cases']:>8}{row['recall']:>10.2%}{row['precision']:>11.2%}")
    total = table["all"]
    print(f"{'all personal data':<34}{total['cases']:>8}{total['recall']:>10.3%}", end="")
    print(f"{total['precision']:>11.3%}")
    kept = table[LOOK_ALIKE]
    print(f"{'look-alikes kept':<34}{kept['cases']:>8}{kept['recall']:>10.2%}{'-':>11}")
    print(f"names found in name-free sentences: {table['namn']['false']}")
    print(f"median redact() on a 2,000-character question: {median_seconds(cases) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
