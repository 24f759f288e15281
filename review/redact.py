"""Masking what identifies a person or an application, before any message text is stored.

Applied to every text the review inbox keeps (a message, a 👎 comment), never undone: the
original is not stored anywhere. Order matters: the longer, more specific shapes go first so
that an ID number is not half-read as a phone number. Each shape becomes a placeholder in
angle brackets, which staff read at a glance and which no shape matches again.

What it cannot know is left alone: names of people and companies, street addresses. A
6-letter lower-case word is not taken for a private code ("status" would be one); a code
is useless without its reference, which always is masked; beside a reference, or as the
whole message, every code-shaped word is masked whatever its case.
"""

from __future__ import annotations

import re

# Alphanumerics on either side mean the shape is part of a longer token, not itself.
_L, _R = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_SEP = r"[ \-\u2010-\u2015.]?"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL", re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.ASCII)),
    # Application references, with or without the dash, any case.
    ("REF", re.compile(_L + r"EK-?[2-9A-HJKMNP-Z]{6}" + _R, re.IGNORECASE)),
    # 18-digit resident ID numbers (last character may be X) and unified social credit codes
    # (统一社会信用代码: 18 characters of digits and capitals without I, O, Z, S, V).
    ("ID", re.compile(_L + r"\d{17}[\dXx]" + _R)),
    ("ID", re.compile(_L + r"[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}" + _R,
                      re.IGNORECASE)),
    # Bank cards and other runs of 16+ digits, before a phone shape could take a piece of one.
    ("NUM", re.compile(_L + r"\d(?:" + _SEP + r"\d){15,}" + _R)),
    # Mobile numbers, optionally with +86/0086 and separators: 138 1234 5678, +86-138-1234-5678.
    ("PHONE", re.compile(_L + r"(?:(?:\+|00)?86" + _SEP + r")?1[3-9]\d" + _SEP + r"\d{4}"
                         + _SEP + r"\d{4}" + _R)),
    # Landlines with an area code: 010-6519 7114, (021) 6888 8888, +86 10 12345678, 0755-8888888
    # and hotlines 400-810-5555 / 800 810 5555, with an optional extension.
    ("PHONE", re.compile(r"(?:(?:\+|00)86" + _SEP + r"\(?0?[1-9]\d{1,2}\)?"
                         + r"|[(（]?0[1-9]\d{1,2}[)）]?)"
                         + r"[ \-]?\d{3,4}" + _SEP + r"\d{4}(?:\s*(?:转|ext\.?|x)\s*\d{1,6})?"
                         + _R, re.IGNORECASE)),
    ("PHONE", re.compile(_L + r"[48]00" + _SEP + r"\d{3}" + _SEP + r"\d{4}" + _R)),
    # Any other long number (bank account, QQ, a verification code, an 8-digit local number).
    ("NUM", re.compile(_L + r"\d(?:" + _SEP + r"\d){5,}" + _R)),
    # Private codes as users type them: 6 characters of the code alphabet with a digit in
    # them, or all capitals (a code without a digit: 'HXKPDM').
    ("CODE", re.compile(_L + r"(?=[A-Za-z]*[2-9])[2-9A-HJKMNP-Za-hjkmnp-z]{6}" + _R)),
    ("CODE", re.compile(_L + r"[A-HJKMNP-Z]{6}" + _R)),
]


_ANY_CODE = re.compile(_L + r"[2-9A-HJKMNP-Za-hjkmnp-z]{6}" + _R)
# Full-width digits, letters and + - @ . typed by a Chinese input method, folded to ASCII
# (１３８… is a phone number too); Chinese punctuation stays as it was written.
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                          *range(0xFF41, 0xFF5B), 0xFF0B, 0xFF0D, 0xFF0E,
                                          0xFF20]}


def redact(text: str) -> str:
    """`text` with every e-mail, reference, ID or credit code, phone, long number and code
    replaced by <EMAIL>, <REF>, <ID>, <PHONE>, <NUM>, <CODE>."""
    out = (text or "").translate(_FULL_WIDTH)
    # Beside a reference, or alone, any code-shaped word is taken for the code (as the
    # tracker store masks them: runtime/tracker_store.py), lower-case letters included.
    suspicious = PATTERNS[1][1].search(out) or _ANY_CODE.fullmatch(out.strip())
    for name, pattern in PATTERNS:
        out = pattern.sub(f"<{name}>", out)
    return _ANY_CODE.sub("<CODE>", out) if suspicious else out


def is_redacted(text: str) -> bool:
    """Whether the text holds a placeholder (such examples are not exported for training)."""
    return bool(re.search(r"<(?:EMAIL|REF|ID|PHONE|NUM|CODE)>", text or ""))
