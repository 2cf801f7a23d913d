"""The theme's words in the site's language: its strings, dates and numbers.

A theme keeps its strings as YAML files named by language (themes/default/i18n/fr.yaml),
one key per string; en.yaml lists every key. A string that depends on a count holds one
text per CLDR plural category of the language (`one`, `few`, `many`, `other`), and Babel's
plural rules pick the category. A site's own i18n/<language>.yaml overrides any key.
Dates and numbers are formatted by Babel for the language's locale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter

import babel
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from .errors import Problem, error, shown, warning
from .yamlfile import parse_mapping, read_text

I18N_DIR = "i18n"  # the folder, in a theme and in a site, that holds the strings
REFERENCE_LANGUAGE = "en"  # its file lists every key; the fallback for a language without one
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")  # CLDR's
Text = str | Mapping[str, str]  # one text, or one text per plural category


@dataclass(frozen=True)
class Strings:
    """The theme's strings for one language, with what formats its dates and numbers."""

    language: str  # as site.yaml names it
    locale: babel.Locale
    texts: Mapping[str, Text]
    _numbers: dict[int | float, str] = field(default_factory=dict, init=False, compare=False, repr=False)
    _categories: dict[int, str] = field(default_factory=dict, init=False, compare=False, repr=False)
    _dates: dict[tuple[dt.date, str], str] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    @property
    def right_to_left(self) -> bool:
        return self.locale.character_order == "right-to-left"

    @property
    def direction(self) -> str:
        """The value of <html dir>: "rtl" or "ltr"."""
        return "rtl" if self.right_to_left else "ltr"

    def text(self, key: str, n: int | None = None) -> str:
        """The string `key`, in the plural form for the count `n` if it has plural forms.
        Raises KeyError for a key the theme does not have (a template's mistake, which the
        render reports with the template's line)."""
        found = self.texts.get(key)
        if found is None:
            raise KeyError(f"no theme string {key!r} (see {I18N_DIR}/{REFERENCE_LANGUAGE}.yaml)")
        if isinstance(found, str):
            return found
        if n is None:
            raise KeyError(f"theme string {key!r} has plural forms: give it a count, t({key!r}, n=...)")
        category = self._categories.get(n)
        if category is None:  # Babel's rule, once a count (it takes some 20 µs)
            category = self._categories[n] = self.locale.plural_form(abs(n))
        return found.get(category) or found["other"]

    def translate(self, key: str, n: int | None = None, **values: object) -> Markup:
        """t("key", n=3, name=...): the string with `{n}` (the count, formatted for the locale)
        and the named values put in. The string is escaped (a site's override cannot add
        markup); a value is escaped unless it is markup already (a link made in the template)."""
        if n is not None:
            values["n"] = self.number(n)
        text = escape(self.text(key, n))
        # str.format of the escaped text with escaped values: what Markup.format gives for
        # {name} fields, in a fifth of the time (pages call this thousands of times).
        return Markup(str(text).format(**{name: escape(value) for name, value in values.items()}))

    def number(self, value: int | float) -> str:
        """12345 -> '12,345' ('12.345' in German); each number formatted once (Babel takes
        about 50 µs a number, and pages show the same few counts thousands of times)."""
        shown = self._numbers.get(value)
        if shown is None:
            shown = self._numbers[value] = format_decimal(value, locale=self.locale)
        return shown

    def date(self, moment: dt.date, style: str = "long") -> str:
        """'3 December 2024' (long), '3 Dec 2024' (short), '14:05' (time), '2024-12-03T14:05:00+01:00'
        (iso, for machines), in the words and order of the language."""
        if style == "iso":
            return moment.isoformat()
        if style == "time":
            return f"{moment:%H:%M}"
        # Babel formats a datetime's date alone (format_date), so each day is formatted once
        # (a year's page shows thousands of dates, at some 15 µs each).
        day = moment.date() if isinstance(moment, dt.datetime) else moment
        shown = self._dates.get((day, style))
        if shown is None:
            pattern = self.text(f"date.{style}")
            shown = self._dates[(day, style)] = babel_format_date(day, pattern, locale=self.locale)
        return shown

    def month_year(self, year: int, month: int) -> str:
        """'December 2024', as a heading: the month's name as it stands alone, capitalised."""
        return _capitalised(
            babel_format_date(dt.date(year, month, 1), self.text("date.month_year"), self.locale)
        )

    def month_name(self, month: int) -> str:
        """'December', as a heading."""
        names = self.locale.months["stand-alone"]["wide"]
        return _capitalised(names[month])


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def load_strings(
    site_dir: Path, theme_folders: tuple[Path, ...], language: str
) -> tuple[Strings, list[Problem]]:
    """The strings for `language`: the theme's (the first of `theme_folders`, highest
    priority first, that has the key), then the site's i18n/<language>.yaml over them."""
    problems: list[Problem] = []
    locale = _locale(language, problems)
    texts: dict[str, Text] = {}
    shipped = False
    for folder in reversed(theme_folders):  # lowest priority first: later ones replace
        reference = folder / I18N_DIR / f"{REFERENCE_LANGUAGE}.yaml"
        texts.update(_read(reference, _label(site_dir, reference), problems)[0])
        translated = _translation_file(folder, language)
        if translated is not None:
            shipped = True
            texts.update(_read(translated, _label(site_dir, translated), problems)[0])
    if not shipped and language.split("-")[0].lower() != REFERENCE_LANGUAGE:
        problems.append(
            warning(
                "site.yaml",
                None,
                f"language {language!r}: the theme has no strings in this language, so its words "
                f"are English (dates and numbers follow {language!r}); translate them in "
                f"{I18N_DIR}/{language}.yaml (the keys are in the theme's {I18N_DIR}/en.yaml)",
            )
        )
        texts.update(_locale_date_patterns(locale))
    site_file = site_dir / I18N_DIR / f"{language}.yaml"
    if site_file.is_file():
        label = f"{I18N_DIR}/{language}.yaml"
        own, lines = _read(site_file, label, problems)
        for key, text in own.items():
            if key not in texts:
                problems.append(
                    warning(
                        label,
                        lines.get(key),
                        f"{key!r} is not one of the theme's strings (a misspelt key?); it is kept "
                        "for the site's own templates",
                    )
                )
            elif (wrong := _unlike(key, text, texts[key])) is not None:
                problems.append(error(label, lines.get(key), f"{key!r}: {wrong}"))
                continue
            texts[key] = text
    return Strings(language, locale, texts), problems


def _unlike(key: str, text: Text, theirs: Text) -> str | None:
    """What keeps a site's `text` from replacing the theme's string `theirs`, if anything."""
    if isinstance(text, str) != isinstance(theirs, str):
        shape = "one text" if isinstance(theirs, str) else "texts by plural category (one, other...)"
        return f"the theme's string is {shape}; so must this be"
    if key.startswith("date."):
        return None  # a Babel pattern, not a text with {names}
    filled, known = _placeholders(text), _placeholders(theirs) or set()
    if filled is None:
        return "a lone { or }; write a brace as {{ or }}"
    if unknown := filled - known:
        # The template fills in only the theme string's {names}: another would fail it.
        return (
            f"{', '.join(sorted('{' + name + '}' for name in unknown))} is not filled in by the theme "
            f"(this string has {', '.join(sorted('{' + name + '}' for name in known)) or 'none'}); "
            "write a brace as {{ or }}"
        )
    return None


def _placeholders(text: Text) -> set[str] | None:
    """The {names} a string's texts fill in ({{ and }} are braces); None for a lone brace."""
    forms = [text] if isinstance(text, str) else list(text.values())
    try:
        return {name for form in forms for _, name, _, _ in Formatter().parse(form) if name is not None}
    except ValueError:
        return None


def _locale(language: str, problems: list[Problem]) -> babel.Locale:
    try:
        return babel.Locale.parse(language.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        problems.append(
            warning(
                "site.yaml",
                None,
                f"language {language!r} is not a language Babel knows (use a code such as "
                "en, fr, de-CH): dates and numbers are formatted as in English",
            )
        )
        return babel.Locale.parse(REFERENCE_LANGUAGE)


def _translation_file(theme_folder: Path, language: str) -> Path | None:
    """The theme's file for `language`: de-CH.yaml, else de.yaml."""
    for name in dict.fromkeys([language, language.split("-")[0].lower()]):
        path = theme_folder / I18N_DIR / f"{name}.yaml"
        if path.is_file():
            return path
    return None


def _locale_date_patterns(locale: babel.Locale) -> dict[str, str]:
    """The locale's own CLDR formats for the date keys (Babel patterns), for a language the
    theme has no strings in: better than English's order for its month names."""
    month_year = locale.datetime_skeletons.get("yMMMM")
    return {
        "date.long": locale.date_formats["long"].pattern,
        "date.short": locale.date_formats["medium"].pattern,
        # LLLL: the month's name as it stands alone, as a heading shows it.
        "date.month_year": (month_year.pattern if month_year else "MMMM y").replace("MMMM", "LLLL"),
    }


def _label(site_dir: Path, path: Path) -> str:
    """How messages name a strings file: by its path in the site, or in the built-in themes."""
    try:
        return path.resolve().relative_to(site_dir.resolve()).as_posix()
    except ValueError:
        return f"(built-in theme) {path.parent.parent.name}/{I18N_DIR}/{path.name}"


def _read(path: Path, label: str, problems: list[Problem]) -> tuple[dict[str, Text], dict[str, int]]:
    """A strings file's texts and each key's line; what is wrong in it goes to `problems`.
    A theme need not have the file."""
    if not path.is_file():
        return {}, {}
    text, problem = read_text(path, label)
    if problem is not None:
        problems.append(problem)
        return {}, {}
    values, lines, found = parse_mapping(text, label, 1)
    problems.extend(found)
    texts: dict[str, Text] = {}
    for key, value in values.items():
        if isinstance(value, str):
            texts[key] = value
        elif (
            isinstance(value, dict)
            and "other" in value
            and all(k in PLURAL_CATEGORIES and isinstance(v, str) for k, v in value.items())
        ):
            texts[key] = dict(value)
        else:
            problems.append(
                error(
                    label,
                    lines.get(key),
                    f"{key!r}: expected a text, or texts by plural category ({', '.join(PLURAL_CATEGORIES)}) "
                    f"with other among them; got {shown(value)}",
                )
            )
    return texts, lines
