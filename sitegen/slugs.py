"""URL slugs, the one rule for the whole code base: lowercase words joined by hyphens, Latin
letters in ASCII, other scripts as they are, and short enough for a file name everywhere."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

ARTICLE_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A slug is a folder name (articles/<slug>/, tags/<slug>/) and, for `import` and `new`, part of
# a file name (<slug>-2.md). 255 bytes is the limit of ext4, btrfs, XFS, APFS and NTFS;
# eCryptfs allows 143. 120 bytes leaves room for the suffixes and fits them all.
MAX_SLUG_BYTES = 120
_HASH_CHARS = 8
# '+' and '#' after a letter or digit are part of the name ('C++', 'C#', 'F#', 'Google+'), so
# they are spelled out as words; elsewhere ('#MeToo', 'A + B') they separate words.
_SYMBOL_WORDS = {"+": "plus", "#": "sharp"}
_SYMBOLS_AFTER_WORD = re.compile(r"(?<=[^\W_])[+#]+")
_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_SEPARATORS = re.compile(r"[\s_\-]+")


@lru_cache(maxsize=65536)  # a site names each tag, region and source thousands of times
def slugify(text: str) -> str:
    r"""'Côte d\u2019Ivoire, 2024!' -> 'cote-d-ivoire-2024'; 'C++' -> 'c-plus-plus'.

    Latin letters are written in ASCII ('Łódź' -> 'lodz', 'Straße' -> 'strasse', 'Œuvre' ->
    'oeuvre'); letters of other scripts stay as they are, lowercased ('Україна' -> 'україна'),
    with their combining marks ('हिन्दी' stays one word), so a slug is never empty for a name
    that has letters or digits. A slug longer than MAX_SLUG_BYTES in UTF-8 is cut at a
    character boundary and ends in a hash of the whole slug, so two long names stay apart.
    """
    if text.isascii():  # the usual case; the general path gives the same (a test proves it)
        return _capped(_NOT_ASCII_WORD.sub("-", _spell_symbols(text).lower()).strip("-"))
    return _capped(_general_slug(text))


def _general_slug(text: str) -> str:
    words: list[str] = []
    word: list[str] = []
    for char in _spell_symbols(_folded(text)).casefold():
        if char.isalnum() or (word and unicodedata.category(char).startswith("M")):
            word.append(char)  # a combining mark is part of the letter it follows
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return "-".join(words)


def _spell_symbols(text: str) -> str:
    return _SYMBOLS_AFTER_WORD.sub(lambda m: " " + " ".join(_SYMBOL_WORDS[c] for c in m.group()) + " ", text)


def _folded(text: str) -> str:
    """Compatibility forms as their plain letters ('\uff34' -> 'T', 'ﬁ' -> 'fi') and Latin
    letters in ASCII. Latin goes first as well: NFKC would split 'ŉ' into a modifier letter
    that is not Latin and an 'n'."""
    return _ascii_latin(unicodedata.normalize("NFKC", _ascii_latin(text)))


def _ascii_latin(text: str) -> str:
    """Latin letters in ASCII, with the accents on them dropped; other letters untouched."""
    if text.isascii():  # the usual case; the general rule keeps every character (a test proves it)
        return text
    return _ascii_latin_by_character(text)


def _ascii_latin_by_character(text: str) -> str:
    out: list[str] = []
    after_latin = False
    for char in text:
        if after_latin and unicodedata.combining(char):
            continue  # an accent written as a separate mark on a Latin letter
        if char.isascii():
            after_latin = char.isalpha()
            out.append(char)
        else:
            after_latin = _is_latin_letter(char)
            out.append(_latin_ascii(char) if after_latin else char)
    return "".join(out)


@lru_cache(maxsize=4096)
def _is_latin_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L") and unicodedata.name(char, "").startswith("LATIN")


@lru_cache(maxsize=4096)
def _latin_ascii(char: str) -> str:
    return anyascii(unicodedata.normalize("NFC", char))


def _capped(slug: str) -> str:
    data = slug.encode("utf-8")
    if len(data) <= MAX_SLUG_BYTES:
        return slug
    digest = hashlib.sha256(data).hexdigest()[:_HASH_CHARS]
    head = data[: MAX_SLUG_BYTES - _HASH_CHARS - 1].decode("utf-8", "ignore")
    # Do not leave a letter's combining marks behind without it, nor cut in the middle of one.
    while head and unicodedata.category(slug[len(head)]).startswith("M"):
        head = head[:-1]
    return f"{head.rstrip('-')}-{digest}"


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """What two spellings of one name share: names with equal keys are the same name and share
    a term silently. They may differ in case, accents, quote style and spacing (a space, '-'
    and '_' between words count alike): 'São Paulo', 'sao-paulo'. Names with the same slug
    but different keys ('C++' and 'C plus plus') are different names: the build warns."""
    folded = _folded(name).casefold().translate(_QUOTES)
    return _SEPARATORS.sub(" ", folded).strip(" ")
