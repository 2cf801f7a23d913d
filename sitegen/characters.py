"""Characters XML 1.0 forbids, dropped where text enters the site.

ESC, backspace and the other C0 controls but tab, line feed and carriage return, lone
surrogates (a YAML escape such as "\\ud800" can make one) and U+FFFE/U+FFFF cannot appear
in an XML document, not even escaped: one of them in a title or a body would make every
feed that shows it, and the sitemap's neighbours, unreadable. They are dropped once, as
the files are read (front matter and site.yaml values, article bodies), with a warning
at their line, so that pages and feeds show the same text.
"""

from __future__ import annotations

import re

from .errors import Problem, warning

FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
WHY = "control characters that XML forbids; no page or feed could show them"


def describe(characters: str) -> str:
    """'U+001B, U+0008': forbidden characters as a message can show them (printed raw,
    a control character would act on the editor's terminal)."""
    return ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in characters))


def drop_forbidden(text: str, label: str, first_line: int) -> tuple[str, list[Problem]]:
    """`text` without the characters XML forbids, and a warning for each line that had
    some; `first_line` is the file line `text` starts on."""
    if not FORBIDDEN.search(text):  # the usual case, in one pass
        return text, []
    problems = []
    for number, line in enumerate(text.split("\n"), first_line):
        found = "".join(FORBIDDEN.findall(line))
        if found:
            problems.append(warning(label, number, f"dropped {describe(found)}: {WHY}"))
    return FORBIDDEN.sub("", text), problems


def drop_forbidden_in_value(value: object) -> tuple[object, str]:
    """A YAML value (text, or lists and mappings of them) without the characters XML
    forbids, and the characters dropped."""
    if isinstance(value, str):
        return FORBIDDEN.sub("", value), "".join(FORBIDDEN.findall(value))
    if isinstance(value, list):
        items = [drop_forbidden_in_value(item) for item in value]
        return [item for item, _ in items], "".join(found for _, found in items)
    if isinstance(value, dict):
        pairs = [(drop_forbidden_in_value(k), drop_forbidden_in_value(v)) for k, v in value.items()]
        return {k: v for (k, _), (v, _) in pairs}, "".join(fk + fv for (_, fk), (_, fv) in pairs)
    return value, ""
