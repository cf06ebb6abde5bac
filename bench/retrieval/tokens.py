"""Quiver's words, re-implemented in Python from docs/hybrid-search.md: runs of
letters and digits, lower-cased, accents stripped for Latin, Greek and
Cyrillic (U+00C0..U+04FF), full-width ASCII folded, apostrophes dropped
inside words. Written from the rules, not from the C++ code, so that the
reference BM25 (bm25.py) checks Quiver's keyword index rather than repeating it.
"""
import re
import unicodedata

# The exceptions to "NFD, drop the marks, lower-case" for U+00C0..U+04FF.
_SPECIAL = {0xDF: "ss", 0xC6: "ae", 0xE6: "ae", 0x152: "oe", 0x153: "oe", 0xD8: "o", 0xF8: "o",
            0x110: "d", 0x111: "d", 0x141: "l", 0x142: "l", 0xDE: "th", 0xFE: "th", 0xD0: "d",
            0xF0: "d", 0x131: "i", 0x126: "h", 0x127: "h", 0x166: "t", 0x167: "t", 0x132: "ij",
            0x133: "ij", 0x149: "n", 0x14A: "n", 0x14B: "n", 0x17F: "s", 0x3C2: "\u03c3"}
_DROP_RANGES = ((0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
                (0xFE00, 0xFE0F))
_SEPARATOR_RANGES = ((0x2000, 0x2BFF), (0x2E00, 0x2E7F), (0x3000, 0x303F), (0xFE10, 0xFE1F),
                     (0xFE30, 0xFE6F), (0xFF00, 0xFF65), (0xFFF0, 0xFFFF), (0x1F000, 0x1FAFF))
_SPACES = {0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000}

SEP, DROP = None, ""


def _fold_latin_greek_cyrillic(cp):
    c = chr(cp)
    cat = unicodedata.category(c)
    if cat[0] == "L" and cat != "Lm":
        if cp in _SPECIAL:
            return _SPECIAL[cp]
        base = "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))
        return (base or c).lower()
    if cat in ("Mn", "Mc", "Me", "Lm", "Sk"):
        return DROP
    if cat == "Nd":
        return c
    return SEP


def _classify(cp):
    """What code point cp adds to a word: a string, DROP ("") or SEP (None)."""
    if cp < 0x80:
        c = chr(cp).lower()
        if c.isascii() and c.isalnum():
            return c
        return DROP if c == "'" else SEP
    if cp < 0xC0:
        return SEP
    if cp <= 0x4FF:
        return _fold_latin_greek_cyrillic(cp)
    if cp in (0x2019, 0x02BC) or any(a <= cp <= b for a, b in _DROP_RANGES):
        return DROP
    if 0xFF01 <= cp <= 0xFF5E:
        return _classify(cp - 0xFF01 + 0x21)
    if cp in _SPACES or any(a <= cp <= b for a, b in _SEPARATOR_RANGES):
        return SEP
    return chr(cp)


_CACHE = {}
_ASCII_WORD = re.compile(r"[a-z0-9']+")


def words(text):
    """The words of text, in order (texts without any letter or digit are not handled:
    Quiver cuts those at spaces; no text of this bench is one)."""
    if text.isascii():  # the same rules, fast: runs of [a-z0-9'] less the apostrophes
        return [w for w in (m.replace("'", "") for m in _ASCII_WORD.findall(text.lower())) if w]
    out, cur, in_word = [], [], False
    for ch in text:
        cp = ord(ch)
        kind = _CACHE.get(cp)
        if kind is None and cp not in _CACHE:
            kind = _CACHE[cp] = _classify(cp)
        if kind is SEP:
            if in_word and cur:
                out.append("".join(cur))
            cur, in_word = [], False
        else:
            in_word = True
            if kind:
                cur.append(kind)
    if in_word and cur:
        out.append("".join(cur))
    return out
