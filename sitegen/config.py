"""The site's configuration: `site.yaml`, read once, typed and validated in one place."""

from __future__ import annotations

import os
import re
import stat
import zoneinfo
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from .characters import FORBIDDEN
from .errors import Problem, error, shown, warning
from .yamlfile import parse_mapping, read_text, special_kind

CONFIG_FILE = "site.yaml"


@dataclass(frozen=True)
class TaxonomySpec:
    """A taxonomy as site.yaml names it: its front matter key and URL folder, and its titles."""

    name: str  # "people": read from the front matter key of that name, pages at /people/
    title: str  # "People", in the navigation and on its index page
    singular: str  # "Person", beside one term's name
    feeds: bool  # whether each term has a feed at /<name>/<slug>/feed.xml


# The taxonomies a site has unless site.yaml says otherwise, as before `taxonomies:` existed.
# Their front matter keys are `tags`, `region` and `source`; a source has no feed of its own.
BUILTIN_TAXONOMIES = (
    TaxonomySpec("tags", "Tags", "Tag", True),
    TaxonomySpec("regions", "Regions", "Region", True),
    TaxonomySpec("sources", "Sources", "Source", False),
)
# Paths the site's own pages use, now or in the pages planned for it.
RESERVED_PATHS = ("articles", "page", "timeline", "stories", "editions", "search")
_TAXONOMY_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TAXONOMY_OPTIONS = {"title": str, "singular": str, "feeds": bool}


@dataclass(frozen=True)
class SiteConfig:
    title: str = "Briefing"
    base_url: str = "/"
    language: str = "en"
    timezone: str = "UTC"
    theme: str = "default"
    per_page: int = 20
    feed_limit: int = 50
    taxonomies: tuple[TaxonomySpec, ...] = BUILTIN_TAXONOMIES
    search: bool = True  # a search page and its index (sitegen/search.py)

    @property
    def added_taxonomies(self) -> tuple[str, ...]:
        """The taxonomies site.yaml adds to the built-in ones: each is read from the front
        matter key of its name."""
        builtin = {spec.name for spec in BUILTIN_TAXONOMIES}
        return tuple(spec.name for spec in self.taxonomies if spec.name not in builtin)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The path part of base_url, always with a leading and a trailing slash."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def absolute_base(self) -> str:
        """base_url as given, with one trailing slash; relative when base_url has no host."""
        return self.base_url if self.base_url.endswith("/") else self.base_url + "/"


_KINDS: dict[str, tuple[type, str]] = {
    "str": (str, "a string"),
    "int": (int, "a whole number"),
    "bool": (bool, "true or false"),
}
# Each key's type and how a message names it; the annotations are strings (PEP 563).
_EXPECTED = {f.name: _KINDS[str(f.type)] for f in fields(SiteConfig) if str(f.type) in _KINDS}


def split_url(value: str) -> SplitResult | None:
    """The parts of a URL, or None when it cannot be split (a '[' in its host, which
    urllib takes for the start of an IPv6 address)."""
    try:
        return urlsplit(value)
    except ValueError:
        return None


def check_base_url(value: str) -> str | None:
    """Why `value` is not a usable base_url, or None when it is."""
    if FORBIDDEN.search(value):  # site.yaml's were dropped as it was read; this is --base-url's
        return f"base_url: {shown(value)} contains a control character"
    parts = split_url(value)
    if parts is None:
        return f"base_url: {shown(value)} is not a valid URL"
    if parts.scheme and parts.scheme not in ("http", "https"):
        return f"base_url: {shown(value)} must be an http or https URL, or a path such as '/'"
    if parts.scheme and not parts.netloc:
        return f"base_url: {shown(value)} has no host"
    if not parts.scheme and not value.startswith("/"):
        return f"base_url: {shown(value)} must be an absolute URL (https://example.org/) or start with '/'"
    if parts.query or parts.fragment:
        return f"base_url: {shown(value)} must not have a query or a fragment"
    return None


def load_config(site_dir: Path, base_url: str | None = None) -> tuple[SiteConfig, list[Problem]]:
    """Read `site.yaml` (optional) from `site_dir`; `base_url` overrides the file's value.

    Returns the configuration and every problem found; on errors the defaults stand in
    for the bad values so that content can still be checked in the same run.
    """
    path = site_dir / CONFIG_FILE
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    kind = _file_kind(path)
    if kind:
        # Never opened: reading a FIFO would wait for a writer for ever.
        problems.append(warning(CONFIG_FILE, None, f"skipped: it is {kind}, not a file; the defaults apply"))
    elif path.exists():
        raw, lines, problems = _read_yaml_mapping(path)
        for key, value in raw.items():
            line = lines.get(key)
            if key == "taxonomies":
                specs, found = read_taxonomies(value, line)
                problems += found
                if specs is not None:
                    values[key] = specs
                continue
            if key not in _EXPECTED:
                known = ", ".join([*_EXPECTED, "taxonomies"])
                problems.append(error(CONFIG_FILE, line, f"unknown key {shown(key)} (known keys: {known})"))
                continue
            expected, wanted = _EXPECTED[key]
            # YAML's true is a Python int too: a number must not be a bool, nor a bool a number.
            if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
                problems.append(error(CONFIG_FILE, line, f"{key}: expected {wanted}, got {shown(value)}"))
                continue
            message = _check_value(key, value)
            if message:
                problems.append(error(CONFIG_FILE, line, message))
                continue
            values[key] = value
    if base_url is not None:
        message = check_base_url(base_url)
        if message:
            problems.append(error("--base-url", None, message))
        else:
            values["base_url"] = base_url
    config = replace(SiteConfig(), **values)
    if not urlsplit(config.base_url).scheme:
        problems.append(
            warning(
                CONFIG_FILE,
                None,
                f"base_url {config.base_url!r} has no host: feeds and the sitemap need absolute "
                "URLs, so set base_url to the address the site is published at",
            )
        )
    return config, problems


def read_taxonomies(value: object, line: int | None) -> tuple[tuple[TaxonomySpec, ...] | None, list[Problem]]:
    """`taxonomies:` as a list of names (`[tags, regions, sources, people]`) or a mapping from
    name to options (`{people: {title: People, singular: Person, feeds: true}}`); None and
    the problems when it is wrong."""
    if isinstance(value, list):
        entries: list[tuple[object, object]] = [(name, None) for name in value]
    elif isinstance(value, dict):
        entries = list(value.items())
    else:
        return None, [
            error(CONFIG_FILE, line, f"taxonomies: expected a list of names or a mapping, got {shown(value)}")
        ]
    from .validate import KNOWN_FIELDS  # validate reads the configuration: imported here, late

    builtin = {spec.name: spec for spec in BUILTIN_TAXONOMIES}
    problems: list[Problem] = []
    specs: list[TaxonomySpec] = []
    for name, options in entries:
        where = f"taxonomies: {shown(name)}"
        if not isinstance(name, str) or not _TAXONOMY_NAME.match(name):
            problems.append(
                error(CONFIG_FILE, line, f"{where} must be a name of lowercase letters, digits and hyphens")
            )
            continue
        if name in RESERVED_PATHS:
            problems.append(
                error(
                    CONFIG_FILE,
                    line,
                    f"{where} clashes with the site's own /{name}/ pages; choose another name",
                )
            )
            continue
        if name in KNOWN_FIELDS and name not in builtin:
            problems.append(
                error(CONFIG_FILE, line, f"{where} is a front matter field of its own; choose another name")
            )
            continue
        if any(spec.name == name for spec in specs):
            problems.append(error(CONFIG_FILE, line, f"{where} is named twice"))
            continue
        default = builtin.get(name) or TaxonomySpec(name, name.replace("-", " ").capitalize(), "", True)
        settings = {"title": default.title, "singular": default.singular, "feeds": default.feeds}
        if options is not None and not isinstance(options, dict):
            problems.append(
                error(
                    CONFIG_FILE,
                    line,
                    f"{where}: expected a mapping of options (title, singular, feeds), got {shown(options)}",
                )
            )
            continue
        for option, setting in (options or {}).items():
            kind = _TAXONOMY_OPTIONS.get(str(option))
            if kind is None:
                problems.append(
                    error(
                        CONFIG_FILE,
                        line,
                        f"{where}: unknown option {shown(option)} (known: title, singular, feeds)",
                    )
                )
            elif not isinstance(setting, kind) or (isinstance(setting, str) and not setting.strip()):
                wanted = "true or false" if kind is bool else "a non-empty string"
                problems.append(
                    error(CONFIG_FILE, line, f"{where}: {option} must be {wanted}, got {shown(setting)}")
                )
            else:
                settings[str(option)] = setting
        title = str(settings["title"])
        specs.append(TaxonomySpec(name, title, str(settings["singular"]) or title, bool(settings["feeds"])))
    if problems:
        return None, problems
    return tuple(specs), []


def _file_kind(path: Path) -> str | None:
    """What `path` is when it is there but is not a file ('a FIFO (named pipe)', 'a folder')."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    return special_kind(mode)


def _check_value(key: str, value: object) -> str | None:
    if key == "timezone":
        try:
            zoneinfo.ZoneInfo(str(value))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            return f"timezone: unknown timezone {shown(value)} (use an IANA name such as 'Europe/Berlin')"
    elif key == "base_url":
        return check_base_url(str(value))
    elif key in ("per_page", "feed_limit") and isinstance(value, int) and value < 1:
        return f"{key}: must be at least 1, got {value}"
    elif key in ("title", "language", "theme") and not str(value).strip():
        return f"{key}: must not be empty"
    elif key == "theme" and ("/" in str(value) or str(value).startswith(".")):
        return f"theme: {shown(value)} must be a theme folder name, not a path"
    return None


def _read_yaml_mapping(path: Path) -> tuple[dict, dict[str, int], list[Problem]]:
    text, problem = read_text(path, CONFIG_FILE)
    if problem:
        return {}, {}, [problem]
    return parse_mapping(text, CONFIG_FILE, first_line=1)
