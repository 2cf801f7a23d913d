"""URL slugs: lowercase, hyphen-separated, ASCII where the letter has an ASCII form."""

from __future__ import annotations

import re
import unicodedata

ARTICLE_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NOT_WORD = re.compile(r"[^\w]+")
_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    r"""'Côte d\u2019Ivoire, 2024!' -> 'cote-d-ivoire-2024'.

    Accented Latin letters lose their accents (NFKD, then drop combining marks);
    letters of other scripts stay as they are, lowercased ('Україна' -> 'україна'),
    so a slug is never empty for a name that has letters or digits.
    """
    if text.isascii():  # the usual case, and the general path's result for it, quicker
        return _NOT_ASCII_WORD.sub("-", text.lower()).strip("-")
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        # Drop an accent only from an ASCII letter: 'é' -> 'e', but 'ї' stays 'ї'.
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    folded = unicodedata.normalize("NFC", "".join(kept)).casefold()
    return _NOT_WORD.sub("-", folded.replace("_", "-")).strip("-")
