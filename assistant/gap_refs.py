"""Short gap references a caseworker can read aloud, type or quote in an e-mail.

A reference is six characters from an alphabet without the look-alikes 0/O and 1/I/L,
so whatever a person copies by eye is either right or clearly not a reference.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

# Upper-case letters and digits less 0, O, 1, I and L: 31 symbols, 31**6 ≈ 887 million refs.
REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REF_LENGTH = 6
REF_PATTERN = re.compile(f"[{REF_ALPHABET}]{{{REF_LENGTH}}}")
# What people add around a reference they copy: spaces, dashes, a leading '#'.
SEPARATORS = re.compile(r"[\s\-#]+")


def new_ref(choose: Callable[[str], str] = secrets.choice) -> str:
    """Return a fresh reference of REF_LENGTH symbols drawn from REF_ALPHABET."""
    return "".join(choose(REF_ALPHABET) for _ in range(REF_LENGTH))


def normalise_ref(text: str) -> str | None:
    """Return the reference a person typed in canonical form, or None if it is not one."""
    candidate = SEPARATORS.sub("", text).upper()
    return candidate if REF_PATTERN.fullmatch(candidate) else None
