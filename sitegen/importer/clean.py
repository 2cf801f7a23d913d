# ruff: noqa: RUF001 - typographic quotes and dashes are what these rules read
"""Page chrome: the lines a browser copies along with an article that are not the article.

"Skip to content", share and subscribe prompts, push-notification offers, cookie notices,
"Advertisement", stray identifiers (a bare hex hash), and a paragraph that appears twice.
Each rule matches a whole line, so a sentence that merely mentions cookies or newsletters stays.
"""

from __future__ import annotations

import re
import unicodedata

_SOCIAL = (
    r"(?:facebook|twitter|x|linkedin|whatsapp|reddit|flipboard|pinterest|messenger|telegram|"
    r"threads|bluesky|e-?mail|sms|print|copy(?: the)? link|link copied)"
)
_ACTION = rf"(?:share|tweet|post|email|save|gift(?: this)? article|copy link|listen|print|{_SOCIAL})"

_WHOLE_LINE = [
    r"skip to (?:main )?(?:content|navigation|search|article)",
    r"jump to (?:content|navigation)",
    r"(?:advertisement|advertising|ad|sponsored(?: content)?|paid content|promoted)",
    r"(?:story|article) continues(?: below)?(?: advertisement)?",
    r"(?:continue reading|scroll to continue(?: with content)?|read more|see more|show more"
    r"|load more)",
    rf"(?:share this (?:article|story|page)|share this|share (?:on|via) {_SOCIAL})",
    rf"{_ACTION}(?:\s*[|/·•]?\s*{_ACTION})*",
    r"(?:subscribe|subscribe now|subscribe today|sign up|sign in|log in|login|register"
    r"|already a subscriber\?.*|create (?:a free )?account)",
    r"(?:subscribe|sign up) (?:to|for) (?:our|the) .{0,60}newsletters?.{0,60}",
    r"(?:get|receive) (?:the|our) .{0,60}(?:newsletter|in your inbox|delivered to your inbox).{0,80}",
    r".{0,40}newsletters?(?: sign-?up)?[.!:]?",
    r"(?:enable|allow|turn on|get) (?:push |browser |desktop )?(?:notifications|alerts)\??.{0,60}",
    r".{0,60}(?:push notifications|breaking news alerts).{0,60}",
    r"(?:no,? thanks|not now|maybe later|allow|block|dismiss|close|accept|accept all(?: cookies)?"
    r"|reject all|i agree|got it|ok)",
    r"(?:manage|cookie) (?:preferences|settings|choices|consent)",
    r"(?:listen to (?:this )?(?:article|story)|listen)(?:\s*[·•|-]?\s*(?:\d+ min(?:utes?)?|\d+:\d\d))?",
    r"\(?end\)?|keywords|tags|topics|sponsor message|support us|become a (?:member|subscriber)",
    r".{0,120}(?:please consider supporting us|support (?:our|independent) journalism).{0,60}",
    r"(?:#[\w-]+\s*)+(?:#[\w -]+)?",  # a row of hashtags
    r"image source,.{0,80}",
    r"our standards: the thomson reuters trust principles",
    r"(?:time to read )?.{0,20}\d+ min\.?(?: read)?\.?\s*(?:lire en français|read in english)?",
    r"\d+\s*min(?:ute)?s?\s*read",
    r"(?:related|related (?:articles|stories|coverage|content|topics)|more (?:on this story"
    r"|from .{1,40})|most (?:read|popular|viewed)|trending(?: now)?|top stories"
    r"|recommended(?: for you)?|editor'?s picks|you may also like|what to read next|latest news)",
    r"(?:comments?|\d+ comments?|show comments|view comments|leave a comment|join the conversation)",
    r"(?:image|photo|video|play video|watch|gallery|expand|enlarge|open image in gallery"
    r"|toggle caption|hide caption|caption)",
    r"(?:menu|search|home|back to top|top of page|opens in (?:a )?new (?:window|tab)|sections|navigation)",
    r"(?:follow|follow us|follow us on .{1,40})",
    r"(?:report an (?:error|issue)|feedback|was this (?:article )?helpful\??.*|notifications)",
    r"(?:click|tap) (?:here )?to .{1,60}",
    r"[0-9a-f]{32,}",  # a bare hash
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",  # a UUID
    r"[|/·•\-–—_*=]+",  # rules and separators
]
_CHROME = re.compile(r"^(?:" + "|".join(_WHOLE_LINE) + r")[\s!.?:…]*$", re.IGNORECASE)

# Lines that are chrome when short, whatever else they say.
_COOKIE = re.compile(r"\bcookies?\b", re.IGNORECASE)
_COOKIE_CONTEXT = re.compile(
    r"\b(?:accept|consent|we use|this site uses|this website uses|our use of|privacy policy"
    r"|preferences|settings)\b",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(
    r"^(?:©|\(c\)|copyright)\s*(?:\d{4}|©)?.{0,120}(?:all rights reserved|reserved)?\.?$",
    re.IGNORECASE,
)
_RIGHTS = re.compile(
    r"\b(?:all rights reserved|may not be published, broadcast, rewritten or redistributed)\b",
    re.IGNORECASE,
)


def normalise_line(line: str) -> str:
    """One line with its spaces tidied: NBSP and zero-width characters gone, runs collapsed,
    and control characters dropped (no page shows them, and XML feeds cannot carry them)."""
    line = unicodedata.normalize("NFC", line)
    line = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0b-\x1f\x7f-\x9f]", "", line)
    return re.sub(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+", " ", line).strip()


def is_chrome(line: str) -> bool:
    text = line.strip()
    if not text:
        return True
    if _CHROME.match(text):
        return True
    if len(text) < 400 and _COOKIE.search(text) and _COOKIE_CONTEXT.search(text):
        return True
    return len(text) < 200 and bool(_COPYRIGHT.match(text) or _RIGHTS.search(text))


def comparison_key(text: str) -> str:
    """What two copies of the same paragraph share: case, spacing and quote styles aside."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[‘’‛′`´]", "'", text)
    text = re.sub(r"[“”„‟″]", '"', text)
    text = re.sub(r"[‐‑‒–—―]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def clean_lines(lines: list[str]) -> list[str]:
    """The article's paragraphs, one a line: chrome removed, and each paragraph kept once
    (a lead paragraph repeated below a photo is the same paragraph)."""
    kept: list[str] = []
    seen: set[str] = set()
    for raw in lines:
        line = normalise_line(raw)
        if is_chrome(line):
            continue
        key = comparison_key(line)
        if len(key) >= 20 and key in seen:
            continue
        seen.add(key)
        kept.append(line)
    return kept


def split_lines(text: str) -> list[str]:
    """A clipping's lines: every line a paragraph, as browsers copy them."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").split("\n")
