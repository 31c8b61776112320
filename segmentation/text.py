"""Text, as the engine stores and compares it: one place for whitespace, case and controls.

Two steps, each defined once:

* **clean**, once, when text enters: stored values at load (Unicode NFC, control
  characters removed, :func:`normalize`) and in staging (trimmed of Unicode
  White_Space, blank as NULL), a rule's values when it is read (:func:`clean`).
* **fold**, every time text is compared: lower-cased one character at a time. In SQL
  the compiler applies ``LOWER`` to both sides; :func:`fold` is its Python twin (and
  trims too, which changes nothing on clean text).
"""

from __future__ import annotations

import re
import unicodedata

WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""Unicode's White_Space characters: what text comparison trims at both ends (a
non-breaking space left by a paste included)."""

CONTROL_RANGES = (
    (0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F),  # C0 and C1 but \t \n \r
    (0x200B, 0x200B), (0x2060, 0x2060), (0xFEFF, 0xFEFF),  # zero-width space, joiner, BOM
    (0x200E, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069),  # bidirectional marks, overrides
)  # fmt: skip
"""Code points removed from text when it enters. Tab, line feed and carriage return stay;
so do the zero-width joiners that scripts and emoji need."""


_CONTROLS = re.compile("[" + "".join(f"\\U{a:08X}-\\U{b:08X}" for a, b in CONTROL_RANGES) + "]")

SIMPLE_LOWER = {"\u0130": "i"}
"""Where Python's full lower-case mapping of one character differs from the simple,
one-to-one mapping that SQL engines' ``lower()`` applies (U+0130 becomes ``i``)."""


JAVA_LOWER = {"\u03a3": "\u03c3", "\u0130": "i"}
"""The characters Java's ``String.toLowerCase`` (Spark's ``lower``) lowers otherwise than
one character at a time: a word-final capital sigma becomes the final sigma U+03C2, and
U+0130 two characters (``i`` and a combining dot). Each maps to what SQL engines' simple
mapping (and :func:`fold`) gives; Spark is given this mapping before it lowers."""


def normalize(value: str) -> str:
    """Text as it is stored: NFC, without control characters.

    >>> normalize("Cafe\\u0301\\u200b")
    'Café'
    """
    return _CONTROLS.sub("", unicodedata.normalize("NFC", value))


def clean(value: str) -> str:
    """Text as the marts hold it: normalized (:func:`normalize`), trimmed of
    :data:`WHITESPACE`.

    A condition's text is read so, as staging cleans stored text, so that the compiled
    SQL compares both with ``LOWER`` alone.

    >>> clean("\u00a0Cafe\u0301 ")
    'Café'
    """
    return normalize(value).strip(WHITESPACE)


def fold(value: str) -> str:
    """Text as conditions compare it: trimmed of :data:`WHITESPACE`, then lower-cased
    one character at a time, exactly as the compiled SQL does to both sides.

    Character by character, so the Greek capital sigma always becomes the small sigma
    U+03C3, never the final sigma U+03C2 that ``str.lower`` picks by context, as in SQL.

    >>> fold("  İstanbul ΟΔΟΣ\\xa0")
    'istanbul οδοσ'
    """
    return "".join(SIMPLE_LOWER.get(c) or c.lower() for c in value.strip(WHITESPACE))


def is_blank(value: str) -> bool:
    """Whether ``value`` holds only :data:`WHITESPACE` (an empty value)."""
    return not value.strip(WHITESPACE)
