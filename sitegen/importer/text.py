# ruff: noqa: RUF001 - typographic quotes and dashes are what these rules read
"""Reading a clipping's paragraphs as a person would: headline, lead, dateline, byline, closing
credit, photo captions and the date, each by a small rule over whole lines."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from . import outlets
from .dates import (
    MONTH_DAY,
    MONTHS,
    Moment,
    align_to_weekday,
    find_dates,
    parse_text_moment,
    weekday_mentioned,
)
from .model import Extracted

_DASH = r"[-—–]{1,2}"
# "ROTTERDAM (Reuters) —", "KYIV, Ukraine (AP) —", "LONDON, Dec 3 (Reuters) -", "(CNN) —",
# "SEOUL, South Korea —".
_DATELINE = re.compile(
    r"^(?P<place>[^\W\d_](?:[^\W\d_]|['’.\- ]){1,40}?(?:,\s*[^\W\d_](?:[^\W\d_]|['’.\- ]){1,30}?)?)?"
    r"(?:,\s*(?P<md>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}))?"
    r"\s*(?:\((?P<agency>[^)]{1,40})\))?\s*" + _DASH + r"\s*(?P<rest>\S.*)$",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(?:by|written by|words by|reporting by)[:\s]+(?P<names>.{3,160})$", re.I)
_ROLE = re.compile(
    r"\b(?:correspondent|reporter|writer|editor|staff|contributor|columnist|producer|"
    r"bureau|chief|analyst|journalist|desk|team)\b",
    re.IGNORECASE,
)
_NAME_WORD = r"(?:[^\W\d_][\w'’.\-]*)"
_PERSON = re.compile(rf"^{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,4}}$")
_REPORTING_BY = re.compile(
    r"^\(?\s*(?:(?:additional )?reporting by|with files from) "
    r"(?P<names>[^;()]+?)(?:\s+in\s+[^;()]+)?\s*(?:[;)]|$)",
    re.I,
)
_CONTRIBUTED = re.compile(r"contributed (?:to )?(?:this )?(?:report|reporting|story)", re.I)
_CAPTION_CREDIT = re.compile(
    r"(?:\((?=[^()]*\b(?:photo|photos|photograph|pool|file|getty|afp|epa|reuters|ap|image|"
    r"credit|courtesy)\b)[^()]{2,120}\)\s*\.?$"
    r"|\b(?:REUTERS|AFP|EPA(?:-EFE)?|AP|ANADOLU|POOL)/[A-Z]"
    r"|^(?:photograph|photo|image|picture|credit|image caption|image source)s?\s*[:,]\s"
    r"|\bvia getty images\b|\bgetty images\b|\bshutterstock\b|^file\s*(?:photo)?\s*[-—:]"
    r"|\bphoto(?:graph)?:\s|\bphoto by\b)",
    re.IGNORECASE,
)
# "This report by The Canadian Press was first published Dec. 3, 2024."
_FIRST_PUBLISHED = re.compile(
    r"^this (?:report|article|story)(?: by (?P<outlet>.{2,60}?))? was (?:first |originally )?"
    r"published(?: on| in)? (?P<date>.+?)\.?$",
    re.IGNORECASE,
)
_FILE_PHOTO = re.compile(r"^file\b|\bfile photo\b", re.IGNORECASE)
_DATE_LABEL = re.compile(
    r"^(?:first )?(?:published|posted|updated|last updated|last modified|modified|"
    r"date|created)(?: on| at)?\s*:?\s*",
    re.IGNORECASE,
)
_DATE_FILLER = {
    "on",
    "at",
    "am",
    "pm",
    "a",
    "m",
    "p",
    "gmt",
    "utc",
    "bst",
    "cet",
    "cest",
    "est",
    "edt",
    "cst",
    "cdt",
    "mst",
    "mdt",
    "pst",
    "pdt",
    "et",
    "pt",
    "ct",
    "published",
    "updated",
    "posted",
    "first",
    "last",
    "modified",
    "and",
    "min",
    "mins",
    "minute",
    "minutes",
    "read",
    "ago",
    "hour",
    "hours",
    "day",
    "days",
}
_WEEKDAY_WORDS = {
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
}


@dataclass
class _Line:
    text: str
    role: str = "body"  # body, title, kicker, byline, date, caption, credit, outlet


def extract_text(lines: list[str], *, known_title: str | None = None, today: dt.date) -> Extracted:
    """Fields and body from a clipping's cleaned paragraphs (one a line).

    With `known_title` (from a page's metadata) the first line is the headline only when it
    repeats that title; otherwise the first line that reads like a headline is the title."""
    found = Extracted()
    items = [_Line(line) for line in lines]
    if not items:
        return found
    _find_title(items, found, known_title)
    _classify(items, found)
    _keep_article_text(items)
    _find_lead(items, found)
    _find_date(items, found, today)
    found.body = [item.text for item in items if item.role in ("body", "credit-kept", "published-note")]
    return found


def _find_title(items: list[_Line], found: Extracted, known_title: str | None) -> None:
    from .clean import comparison_key

    if known_title:
        key = comparison_key(known_title)
        for item in items[:5]:
            if comparison_key(item.text) == key:
                item.role = "title"
                break
        return
    plain = [i for i, item in enumerate(items) if not _date_line(item.text) and not _byline(item.text)]
    if not plain:
        plain = [0]
    # The headline is the first line that reads like one; shorter lines above it are section
    # labels ('World', 'Europe') or the outlet's name.
    index = next(
        (i for i in plain if len(items[i].text.split()) >= 4 and not outlets.lookup(items[i].text)),
        plain[0],
    )
    for item in items[:index]:
        if _date_line(item.text) or _byline(item.text):
            continue
        if outlets.lookup(item.text):
            item.role = "outlet"
            found.source = found.source or outlets.normalise(item.text)
        else:
            item.role = "kicker"
    items[index].role = "title"
    found.title = _tidy_title(items[index].text)


# A sentence ends in . ! ? or …, perhaps inside closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_FULL_PARAGRAPH_WORDS = 12
_LABEL_WORDS = 8
_ENDING = ("credit", "credit-kept", "published-note")


def _is_sentence(text: str) -> bool:
    return len(text.split()) >= 2 and bool(_SENTENCE_END.search(text))


def _is_full_paragraph(text: str) -> bool:
    return len(text.split()) >= _FULL_PARAGRAPH_WORDS and bool(_SENTENCE_END.search(text))


def _keep_article_text(items: list[_Line]) -> None:
    """The article's text runs from its first paragraph of full sentences to its end: the
    closing credit, or else the last full paragraph and the sentences right after it ('"We will
    be back," she said.'). What comes after the end is the page's: the interface a browser
    copies along (an icon's alt text, 'Most read' and its headlines, 'Copy link'). Above the
    first full paragraph, a short line that is not a sentence is a label or a player's ('2:10')."""
    full = [i for i, item in enumerate(items) if item.role == "body" and _is_full_paragraph(item.text)]
    if not full:
        return  # a clipping too short to tell where its text is: all of it is kept
    for item in items[: full[0]]:
        # A standfirst is kept, with or without a full stop; a short label goes.
        if item.role == "body" and not _is_sentence(item.text) and len(item.text.split()) < _LABEL_WORDS:
            item.role = "chrome"
    credits = [i for i in range(full[0] + 1, len(items)) if items[i].role in _ENDING]
    if credits and credits[-1] > full[-1]:
        end = credits[-1]
    else:
        end = full[-1]
        while end + 1 < len(items) and (items[end + 1].role != "body" or _is_sentence(items[end + 1].text)):
            end += 1
    for item in items[end + 1 :]:
        if item.role in ("body", *_ENDING):
            item.role = "chrome"


def _tidy_title(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".").strip()


def _classify(items: list[_Line], found: Extracted) -> None:
    for index, item in enumerate(items):
        if item.role != "body":
            continue
        text = item.text
        byline = _byline(text)
        if byline:
            names, outlet = byline
            item.role = "byline"
            found.author = found.author or names
            if outlet:
                found.source = found.source or outlet
            continue
        if _date_line(text):
            item.role = "date"
            continue
        named = outlets.lookup(text.strip("—–- ")) if len(text) < 50 else None
        if named:
            item.role = "outlet"
            found.source = found.source or named.name
            continue
        credit = _closing_credit(text)
        if credit:
            names, outlet_name = credit
            item.role = "credit"
            found.author = found.author or names
            found.source = found.source or outlet_name
            continue
        published = _FIRST_PUBLISHED.match(text)
        if published:
            item.role = "published-note"
            if published.group("outlet") and outlets.lookup(published.group("outlet")):
                found.source = found.source or outlets.normalise(published.group("outlet"))
            continue
        reporting = _REPORTING_BY.match(text)
        if reporting and not _CONTRIBUTED.search(text):
            item.role = "credit-kept"
            found.author = found.author or _names(reporting.group("names"))
            continue
        if _is_caption(text) and not _DATELINE.match(text):
            item.role = "caption"
            if found.image_caption is None:
                found.image_caption = re.sub(r"^(?:image caption|caption)\s*[:,]\s*", "", text, flags=re.I)
            continue
        if index < 8 and not found.author and _header_byline(items, index):
            item.role = "byline"
            found.author = _names(re.sub(r"\s+in\s+[\w ,'’.-]+$", "", text))
            continue
        if index and items[index - 1].role == "byline" and len(text) < 60 and _ROLE.search(text):
            item.role = "byline"  # 'Seoul correspondent' under the name
    # A source named only in a copyright line ("© 2024 The Associated Press").
    for item in items:
        if item.role == "body" and re.match(r"^(?:©|copyright)", item.text, re.I):
            outlet = _outlet_in(item.text)
            if outlet:
                found.source = found.source or outlet
                item.role = "credit"


def _byline(text: str) -> tuple[str, str | None] | None:
    """'By Jane Doe, Reuters' -> ('Jane Doe', 'Reuters'); 'By JANE DOE Associated Press' too."""
    match = _BYLINE.match(text.strip())
    if not match or match.group(0).lower().startswith("reporting by"):
        return None
    names = match.group("names").strip()
    outlet = None
    parts = re.split(r"\s*(?:,|\||•|·|\s[-—–]\s)\s*", names)
    while len(parts) > 1:
        last = parts[-1].strip()
        if outlets.lookup(last):
            outlet = outlets.normalise(last)
            parts.pop()
        elif (
            len(last.split()) == 1  # 'By Jane Doe, Sunline': an outlet's one-word name
            or _ROLE.search(last)
            or re.match(r"^(?:in|for)\s", last, re.I)
            or re.search(r"\d", last)
            or _date_line(last)
        ):
            parts.pop()
        else:
            break
    names = ", ".join(p for p in parts if p)
    if not outlet:
        names, outlet = _split_trailing_outlet(names)
    names = re.sub(r"\s+in\s+[\w ,'’.-]+$", "", names)
    cleaned = _names(names)
    if not cleaned:
        return None
    return cleaned, outlet


def _split_trailing_outlet(names: str) -> tuple[str, str | None]:
    """'JANE DOE and JOHN ROE Associated Press' -> ('JANE DOE and JOHN ROE', '...')."""
    words = names.split()
    for cut in range(max(1, len(words) - 5), len(words)):
        tail = " ".join(words[cut:])
        if outlets.lookup(tail) and cut >= 2:
            return " ".join(words[:cut]), outlets.normalise(tail)
    return names, None


def _names(text: str) -> str | None:
    """'JANE DOE and JOHN ROE' -> 'Jane Doe and John Roe': each a person's name, or None."""
    text = re.sub(r"\s+", " ", text).strip(" ,;.:|-—–")
    people = [p.strip() for p in re.split(r"\s*(?:,|;|&|\band\b)\s*", text) if p.strip()]
    if not people or any(not _PERSON.match(p) or _ROLE.search(p) for p in people):
        return None
    people = [_name_case(p) for p in people]
    if len(people) == 1:
        return people[0]
    return ", ".join(people[:-1]) + " and " + people[-1]


def _name_case(name: str) -> str:
    if not name.isupper():
        return name
    return " ".join(re.sub(r"^Mc(\w)", lambda m: "Mc" + m.group(1).upper(), w.title()) for w in name.split())


def _closing_credit(text: str) -> tuple[str, str] | None:
    """'Jane Doe, The Associated Press' or '— Jane Doe, AFP' -> names and outlet."""
    match = re.match(r"^[—–-]?\s*(?P<names>[^,|]{3,80}?)\s*(?:,|\||[—–-])\s*(?P<outlet>[^,|]{2,50})$", text)
    if not match:
        return None
    outlet = outlets.lookup(match.group("outlet").strip(" ."))
    names = _names(match.group("names"))
    if not outlet or not names:
        return None
    return names, outlet.name


def _outlet_in(text: str) -> str | None:
    for outlet in outlets.OUTLETS:
        for alias in (outlet.name, *outlet.aliases):
            if len(alias) > 3 and re.search(rf"\b{re.escape(alias)}\b", text):
                return outlet.name
    return None


def _header_byline(items: list[_Line], index: int) -> bool:
    """A bare name line in the header, as newspapers print it: 'Jane Doe in Kyiv'."""
    text = items[index].text
    if len(text) > 60 or text.endswith((".", "?", "!", ":")):
        return False
    if any(i.role == "body" and len(i.text) >= 150 for i in items[:index]):
        return False  # past the header
    name = re.sub(r"\s+in\s+[\w ,'’.-]+$", "", text)
    return bool(_names(name)) and all(w[0].isupper() for w in re.split(r"\s+|,|\band\b", name) if w)


def _is_caption(text: str) -> bool:
    return len(text) < 600 and bool(_CAPTION_CREDIT.search(text))


def _date_line(text: str) -> Moment | None:
    """A line that is only a date, perhaps labelled: 'Published 10:32 AM EST, Tue December 3,
    2024', 'Tue 3 Dec 2024 14.02 GMT', 'Updated Oct. 11, 2024'."""
    if len(text) > 100:
        return None
    dates = find_dates(text)
    if not dates:
        return None
    rest = text
    for date in reversed(dates):
        rest = rest[: date.start] + " " + rest[date.end :]
    words = [w for w in re.findall(r"[^\W\d_]+", rest.lower())]
    extra = [w for w in words if w not in _DATE_FILLER and w not in _WEEKDAY_WORDS]
    if len(extra) > 1:
        return None
    return parse_text_moment(_DATE_LABEL.sub("", text)) or Moment(dates[0].day)


def _find_lead(items: list[_Line], found: Extracted) -> None:
    # A standfirst printed above the byline or the date is not the lead: start after them.
    first_long = next(
        (i for i, item in enumerate(items) if item.role == "body" and len(item.text) >= 150),
        len(items),
    )
    start = 0
    for i, item in enumerate(items[:first_long]):
        if item.role in ("byline", "date"):
            start = i + 1
    for item in items[start:]:
        if item.role != "body":
            continue
        text = item.text
        if len(text) < 60 and not text.endswith((".", "!", "?", '"', "”")):
            continue  # a subheading or a deck fragment
        match = _DATELINE.match(text)
        if match and _is_dateline(match):
            found.dateline = _place(match.group("place")) if match.group("place") else None
            agency = match.group("agency")
            if agency and outlets.lookup(agency):
                # The dateline's credit names the source more surely than a byline does.
                found.source = outlets.normalise(agency)
            elif agency and not found.source and not re.search(r"\d", agency):
                found.source = outlets.normalise(agency)
            found.summary = match.group("rest").strip()
            found.dateline_month_day = match.group("md")
        else:
            found.summary = text
        return


def _is_dateline(match: re.Match[str]) -> bool:
    place, agency = match.group("place"), match.group("agency")
    if agency:
        return not place or _upper_place(place)
    return bool(place) and _upper_place(place) and len(place.split(",")[0].strip()) >= 3


def _upper_place(place: str) -> bool:
    head = place.split(",")[0].strip()
    letters = [c for c in head if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _place(place: str) -> str:
    parts = [p.strip() for p in place.split(",")]
    parts[0] = parts[0].title() if parts[0].isupper() else parts[0]
    return ", ".join(p for p in parts if p)


def _find_date(items: list[_Line], found: Extracted, today: dt.date) -> None:
    # 1. A line that is only a date ("Published ..."), first the published one, then updated.
    date_lines = [(item.text, _date_line(item.text)) for item in items if item.role == "date"]
    date_lines += [
        (item.text, parse_text_moment(item.text)) for item in items if item.role == "published-note"
    ]
    for text, moment in date_lines:
        if moment and not re.match(r"^(?:last )?(?:updated|modified)", text, re.I):
            found.date = moment
            return
    if date_lines and date_lines[0][1]:
        found.date = date_lines[0][1]
        found.date_note = "date taken from an 'Updated' line; the story may be older: check it"
        return
    # 2. A dateline with a month and a day: "LONDON, Dec 3 (Reuters) -".
    month_day = found.dateline_month_day
    all_dates = [d.day for item in items for d in find_dates(item.text)]
    if month_day:
        match = MONTH_DAY.match(month_day)
        if match:
            month = MONTHS[match.group("month").lower().rstrip(".")]
            day = int(match.group("day"))
            years = sorted({d.year for d in all_dates}, reverse=True) or [today.year]
            for year in years:
                try:
                    candidate = dt.date(year, month, day)
                except ValueError:
                    continue
                if candidate > today and not all_dates:
                    candidate = dt.date(year - 1, month, day)
                found.date = Moment(candidate)
                if not all_dates:
                    found.date_note = f"the dateline gives no year; {candidate.year} was assumed"
                return
    # 3. A full date in a caption or in the text, moved to the weekday the lead names.
    captions = [
        d
        for item in items
        if item.role == "caption" and not _FILE_PHOTO.search(item.text)
        for d in find_dates(item.text)
    ]
    prose = [d for item in items if item.role in ("body", "title") for d in find_dates(item.text)]
    anchor: dt.date | None = None
    where = ""
    if captions:
        anchor, where = max(d.day for d in captions), "a photo caption"
    elif prose:
        anchor, where = prose[0].day, "the text"
    if anchor is None:
        return
    lead = found.summary or ""
    weekday = weekday_mentioned(lead)
    if weekday is None:
        body = [i.text for i in items if i.role == "body"][:3]
        weekday = weekday_mentioned(" ".join(body))
    if weekday is not None and weekday != anchor.weekday():
        aligned = align_to_weekday(anchor, weekday)
        found.date = Moment(aligned)
        found.date_note = (
            f"date {aligned.isoformat()} worked out from {anchor:%b. %-d, %Y} in {where} and the "
            f"weekday ({aligned:%A}) in the text; check it"
        )
        return
    found.date = Moment(anchor)
    if where != "a photo caption" or weekday is None:
        found.date_note = f"date {anchor.isoformat()} taken from {where}; check it"
