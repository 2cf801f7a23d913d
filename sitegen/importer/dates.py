# ruff: noqa: RUF001 - typographic quotes and dashes are what these rules read
"""Dates as news pages write them: in prose ("Dec. 3, 2024"), in metadata (ISO 8601, RFC 822,
'20200414T00:38:07Z'), and weekday mentions ("said Tuesday") that pin down a nearby date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}
WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_TIME = (
    r"(?:(?:\s*(?:at|,|-|–|—|\|))?\s*(?P<hour>[012]?\d)[:.](?P<minute>[0-5]\d)(?::[0-5]\d)?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?(?:\s*(?P<zone>[A-Z]{2,4}(?:[+-]\d{1,2})?|GMT[+-]\d{1,2}))?)?"
)
# "Dec. 3, 2024", "December 3 2024", "3 December 2024", "2024-12-03", each with an optional time.
_DAY_FIRST = (
    _DAY.replace("day>", "day2>")
    + r"\s+"
    + _MONTH.replace("month>", "month2>")
    + r",?\s+"
    + _YEAR.replace("year>", "year2>")
)
TEXT_DATE = re.compile(
    rf"(?<![\w-])(?:{_MONTH}\s+{_DAY},?\s+{_YEAR}|{_DAY_FIRST}"
    r"|(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d))(?![\w-])" + _TIME,
    re.IGNORECASE,
)
# A month and day with no year, as in a Reuters dateline: "LONDON, Dec 3 (Reuters) -".
MONTH_DAY = re.compile(rf"(?<!\w){_MONTH}\s+{_DAY}(?!\w)", re.IGNORECASE)

# US and European abbreviations that pages print after a time.
ZONE_OFFSETS = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "BST": 1,
    "CET": 1,
    "CEST": 2,
    "EET": 2,
    "EEST": 3,
    "MSK": 3,
    "IST": 5.5,
    "JST": 9,
    "KST": 9,
    "HKT": 8,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "ET": None,  # ambiguous (EST or EDT): the day is still right
    "PT": None,
    "CT": None,
}


@dataclass(frozen=True)
class Moment:
    """A publication date, with a time and an offset when the source gave them."""

    day: dt.date
    when: dt.datetime | None = None  # aware, when a time and offset were known

    def value(self) -> dt.date | dt.datetime:
        return self.when or self.day

    def in_zone(self, zone: str | None) -> Moment:
        """The same instant seen where the outlet (or the editor) is, so the day is theirs."""
        if not self.when or not zone:
            return self
        try:
            local = self.when.astimezone(ZoneInfo(zone))
        except (KeyError, ValueError):
            return self
        return Moment(local.date(), local)


@dataclass(frozen=True)
class TextDate:
    day: dt.date
    start: int
    end: int


def find_dates(text: str) -> list[TextDate]:
    """Every full date written in `text`, in order."""
    found = []
    for match in TEXT_DATE.finditer(text):
        day = _match_day(match)
        if day:
            found.append(TextDate(day, match.start(), match.end()))
    return found


def _match_day(match: re.Match[str]) -> dt.date | None:
    groups = match.groupdict()
    try:
        if groups["iso"]:
            return dt.date.fromisoformat(groups["iso"])
        if groups["month"]:
            month, day, year = groups["month"], groups["day"], groups["year"]
        else:
            month, day, year = groups["month2"], groups["day2"], groups["year2"]
        return dt.date(int(year), MONTHS[month.lower().rstrip(".")], int(day))
    except (ValueError, KeyError):
        return None


def parse_text_moment(text: str) -> Moment | None:
    """The first date in `text`, with its time and offset when they are written next to it:
    'Published 10:32 AM EST, Tue December 3, 2024' or 'December 3, 2024 at 4:15 p.m. EST'."""
    match = TEXT_DATE.search(text)
    if not match:
        return None
    day = _match_day(match)
    if not day:
        return None
    hour, minute, ampm, zone = (match.group(k) for k in ("hour", "minute", "ampm", "zone"))
    if hour is None:
        before = re.search(
            r"(?P<hour>[012]?\d)[:.](?P<minute>[0-5]\d)\s*(?P<ampm>[ap]\.?m\.?)?\s*"
            r"(?P<zone>[A-Z]{2,4}|GMT[+-]\d{1,2})?[\s,]*(?:\w+,?\s*)?$",
            text[: match.start()],
            re.IGNORECASE,
        )
        if before:
            hour, minute, ampm, zone = (before.group(k) for k in ("hour", "minute", "ampm", "zone"))
    when = _with_time(day, hour, minute, ampm, zone)
    return Moment(when.date() if when else day, when)


def _with_time(day, hour, minute, ampm, zone) -> dt.datetime | None:
    if hour is None or zone is None:
        return None
    offset = _zone_offset(zone)
    if offset is None:
        return None
    h = int(hour)
    if ampm:
        h = h % 12 + (12 if ampm.lower().startswith("p") else 0)
    if h > 23:
        return None
    tz = dt.timezone(dt.timedelta(hours=offset))
    return dt.datetime(day.year, day.month, day.day, h, int(minute), tzinfo=tz)


def _zone_offset(zone: str) -> float | None:
    zone = zone.upper()
    gmt = re.fullmatch(r"(?:GMT|UTC)([+-]\d{1,2})", zone)
    if gmt:
        return int(gmt.group(1))
    return ZONE_OFFSETS.get(zone)


_ISO_BASIC = re.compile(r"^(\d{4})(\d\d)(\d\d)T(\d\d):?(\d\d):?(\d\d)?(Z|[+-]\d\d:?\d\d)?$")
_RFC = re.compile(
    r"^(?:[a-z]{3},?\s+)?(?:(?P<d1>\d{1,2})\s+(?P<m1>[a-z]{3})|(?P<m2>[a-z]{3})\s+(?P<d2>\d{1,2}))"
    r",?\s+(?P<y>\d{4})\s+(?P<H>\d\d):(?P<M>\d\d)(?::(?P<S>\d\d))?\s*"
    r"(?P<z>[+-]\d{4}|[A-Z]{1,4})?(?:\s*\(.*\))?$",
    re.IGNORECASE,
)


def parse_meta_moment(value: str) -> Moment | None:
    """A date from page metadata: ISO 8601 (extended or basic), RFC 822 and its variants
    ('Tue, Sep 15 2020 10:01:41 EDT'), or a plain date."""
    value = value.strip()
    if not value:
        return None
    iso = value.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", value) else value
    iso = re.sub(r"\s+([+-]\d\d:?\d\d)$", r"\1", iso)
    iso = re.sub(r"(\.\d{1,6})\d*", r"\1", iso)
    try:
        when = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
        return _moment(when, has_time="T" in iso)
    except ValueError:
        pass
    basic = _ISO_BASIC.match(value)
    if basic:
        y, mo, d, h, mi, s, z = basic.groups()
        zone = "+00:00" if z in (None, "Z") and z else (z or "")
        text = f"{y}-{mo}-{d}T{h}:{mi}:{s or '00'}{zone}"
        try:
            return _moment(dt.datetime.fromisoformat(text), has_time=True)
        except ValueError:
            return None
    rfc = _RFC.match(value)
    if rfc:
        month = MONTHS.get((rfc["m1"] or rfc["m2"]).lower())
        zone = rfc["z"]
        offset = None
        if zone and zone[0] in "+-":
            offset = int(zone[:3]) + (int(zone[0] + zone[3:]) / 60)
        elif zone:
            offset = _zone_offset(zone)
        try:
            when = dt.datetime(
                int(rfc["y"]),
                month or 0,
                int(rfc["d1"] or rfc["d2"]),
                int(rfc["H"]),
                int(rfc["M"]),
                int(rfc["S"] or 0),
                tzinfo=dt.timezone(dt.timedelta(hours=offset)) if offset is not None else None,
            )
        except (ValueError, TypeError):
            return None
        return _moment(when, has_time=True)
    return parse_text_moment(value)


def _moment(when: dt.datetime, has_time: bool) -> Moment:
    if has_time and when.tzinfo is not None:
        return Moment(when.date(), when)
    return Moment(when.date())


# "said Tuesday", "on Friday", "late Thursday", "Friday's vote"; not "last Friday".
WEEKDAY_MENTION = re.compile(
    r"(?<!last )(?<!next )(?<!this )(?<!every )(?<!on a )\b(?P<weekday>monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)\b(?!,? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.? \d)",
    re.IGNORECASE,
)


def weekday_mentioned(text: str) -> int | None:
    """The weekday the story's news happened on, from the first bare mention in `text`."""
    match = WEEKDAY_MENTION.search(text)
    return WEEKDAYS[match.group("weekday").lower()] if match else None


def align_to_weekday(anchor: dt.date, weekday: int) -> dt.date:
    """The first day on or after `anchor` that falls on `weekday`: a caption dated Thursday
    Oct. 10 and a lead saying 'on Friday' give Friday Oct. 11."""
    return anchor + dt.timedelta(days=(weekday - anchor.weekday()) % 7)


def settle_utc_day(moment: Moment, text: str) -> Moment | None:
    """The publisher's day for a UTC-only timestamp from an outlet whose timezone is unknown,
    when the story's weekday says it: 00:38Z on Tuesday with 'turned himself in Monday' is a
    Monday evening in the Americas; 14:00Z on Monday with 'said Tuesday' is Tuesday in Asia."""
    if not moment.when or moment.when.utcoffset():
        return None
    weekday = weekday_mentioned(text)
    if weekday is None:
        return None
    utc = moment.when
    day = utc.date()
    if utc.hour < 8 and weekday == (day - dt.timedelta(days=1)).weekday():
        return Moment(day - dt.timedelta(days=1))
    if utc.hour >= 12 and weekday == (day + dt.timedelta(days=1)).weekday():
        return Moment(day + dt.timedelta(days=1))
    return None


# A date is moved between timezones (up to 14 hours each way) by the build and the feeds, and
# Python's dates end at years 1 and 9999: a date in the first or last year would overflow there.
FIRST_YEAR, LAST_YEAR = 2, 9998


def out_of_range(moment: Moment) -> str | None:
    """Why the build could not take this date, or None when it can."""
    if FIRST_YEAR <= moment.day.year <= LAST_YEAR:
        return None
    return (
        f"{moment.value().isoformat()} is out of range: "
        f"dates must fall in the years {FIRST_YEAR} to {LAST_YEAR}"
    )


def parse_user_date(value: str) -> Moment | None:
    """A date given on the command line: '2024-10-11', '2024-10-11T09:30+02:00', 'Oct. 11, 2024'."""
    return parse_meta_moment(value)
