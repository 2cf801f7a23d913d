"""The site's configuration: `site.yaml`, read once, typed and validated in one place."""

from __future__ import annotations

import os
import re
import stat
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING as dataclasses_missing
from dataclasses import dataclass, field, fields, replace
from email.utils import parseaddr
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from .characters import FORBIDDEN
from .errors import Problem, error, shown, warning
from .slugs import slugify
from .yamlfile import nested_lines, parse_mapping, read_text, special_kind

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
class AliasSpec:
    """One spelling that `aliases:` merges into a canonical term of a taxonomy (both matched
    like tags, by their slug)."""

    taxonomy: str
    alias: str  # as site.yaml writes it
    canonical: str  # as site.yaml writes it: the term's name where articles use the alias


@dataclass(frozen=True)
class RedirectSpec:
    """`redirects:` one old path of the site and where it moved."""

    source: str  # a site path without its leading slash: 'old/path/' (a folder) or 'old.html'
    target: str  # a site path without its leading slash, or an http(s) address elsewhere
    line: int | None = field(default=None, repr=False)  # its line in site.yaml

    @property
    def external(self) -> bool:
        return "://" in self.target


@dataclass(frozen=True)
class EmailConfig:
    """`email:`: where `sitegen email --send` sends an edition. The password is never here:
    it comes from the environment (SITEGEN_SMTP_PASSWORD)."""

    sender: str  # `from:`, as the From header shows it
    to: tuple[str, ...]
    host: str = "localhost"
    port: int = 587
    starttls: bool = True
    user: str | None = None
    unsubscribe: str | None = None  # a mailto: or https: address, for List-Unsubscribe


EMAIL_KEYS = ("host", "port", "starttls", "user", "from", "to", "unsubscribe")


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
    aliases: tuple[AliasSpec, ...] = ()
    redirects: tuple[RedirectSpec, ...] = ()
    # `regions_map:`: a country or UN geoscheme group -> a region of the site, for the
    # importer's region suggestions (sitegen/importer/suggest.py).
    regions_map: tuple[tuple[str, str], ...] = ()

    def canonical_names(
        self, taxonomy: str, names: Iterable[str], slug_of: Callable[[str], str] = slugify
    ) -> tuple[str, ...]:
        """`names` (an article's, under `taxonomy`) with each alias replaced by its canonical
        term as site.yaml spells it, each term once (at its first place): the one rule by
        which pages, counts and feeds list an aliased name under its canonical term.
        `slug_of` is slugify, or a table of the slugs already made."""
        table = self._canonical_by_alias
        resolved: dict[str, str] = {}
        for name in names:
            canonical = table.get((taxonomy, slug_of(name)))
            name = name if canonical is None else canonical
            resolved.setdefault(slug_of(name), name)
        return tuple(resolved.values())

    @cached_property
    def _canonical_by_alias(self) -> dict[tuple[str, str], str]:
        return {(spec.taxonomy, slugify(spec.alias)): spec.canonical for spec in self.aliases}

    # Where `sitegen deploy` publishes. It changes nothing that is built, so it is left out
    # of the comparisons and the repr that decide whether pages must be rendered again.
    deploy: DeployTarget | None = field(default=None, compare=False, repr=False)
    relative_urls: bool = False  # links relative to each page, naming files (sitegen/render/links.py)
    search: bool = True  # a search page and its index (sitegen/search.py)
    # `sitegen import` keeps this many paragraphs and links to the original (0: all of it).
    # Like deploy, it changes nothing that is built.
    excerpt: int = field(default=0, compare=False, repr=False)
    description: str = ""  # the site in a sentence: listings' meta description, link previews
    logo: str = ""  # the publisher's logo in structured data: a path of the site or an address
    social_cards: bool = (
        True  # a generated link preview image for each article without one (sitegen/images.py)
    )
    # How editions are emailed (sitegen/email.py). Left out of the repr that decides which
    # pages are rendered again: only the email pages show any of it (their unsubscribe link).
    email: EmailConfig | None = field(default=None, repr=False)

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
    raw: dict[str, Any] = {}
    lines: dict[str, int] = {}
    text = ""
    kind = _file_kind(path)
    if kind:
        # Never opened: reading a FIFO would wait for a writer for ever.
        problems.append(warning(CONFIG_FILE, None, f"skipped: it is {kind}, not a file; the defaults apply"))
    elif path.exists():
        raw, lines, problems, text = _read_yaml_mapping(path)
        for key, value in raw.items():
            line = lines.get(key)
            if key == "deploy":
                inner = {path[0]: number for path, number in nested_lines(text, key, depth=1).items()}
                target, found = read_deploy(value, inner, line, site_dir)
                problems += found
                values[key] = target
                continue
            if key == "taxonomies":
                specs, found = read_taxonomies(value, line)
                problems += found
                if specs is not None:
                    values[key] = specs
                continue
            if key == "redirects":
                redirects, found = read_redirects(value, line, nested_lines(text, key))
                problems += found
                values[key] = redirects
                continue
            if key == "email":
                inner = {path[0]: number for path, number in nested_lines(text, key, depth=1).items()}
                email, found = read_email(value, inner, line)
                problems += found
                values[key] = email
                continue
            if key == "regions_map":
                mapping, found = read_regions_map(value, line, nested_lines(text, key, depth=1))
                problems += found
                values[key] = mapping
                continue
            if key == "aliases":
                continue  # read below: it names taxonomies, which `taxonomies:` may set later on
            if key not in _EXPECTED:
                known = ", ".join(
                    [*_EXPECTED, "taxonomies", "aliases", "redirects", "regions_map", "deploy", "email"]
                )
                problems.append(error(CONFIG_FILE, line, f"unknown key {shown(key)} (known keys: {known})"))
                continue
            expected, wanted = _EXPECTED[key]
            # bool is a kind of int in Python: a number must not be true, nor a flag 1.
            if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
                problems.append(error(CONFIG_FILE, line, f"{key}: expected {wanted}, got {shown(value)}"))
                continue
            message = _check_value(key, value)
            if message:
                problems.append(error(CONFIG_FILE, line, message))
                continue
            values[key] = value
    if "aliases" in raw:
        # An alias of a taxonomy that `taxonomies:` meant to add, when that key is wrong, would
        # be a second, misleading error: the taxonomies are known only when it is right.
        taxonomies_known = "taxonomies" in values or "taxonomies" not in raw
        names = [spec.name for spec in values.get("taxonomies", BUILTIN_TAXONOMIES)]
        aliases, found = read_aliases(
            raw["aliases"],
            lines.get("aliases"),
            names if taxonomies_known else None,
            nested_lines(text, "aliases"),
        )
        problems += found
        values["aliases"] = aliases
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


def read_aliases(
    value: object, line: int | None, taxonomies: list[str] | None, lines: Mapping[tuple[str, ...], int] = {}
) -> tuple[tuple[AliasSpec, ...], list[Problem]]:
    """`aliases: {tags: {ukraine-war: [war-in-ukraine, russia-ukraine-war]}}`: for each
    taxonomy, each canonical term with its aliases (a list, or one name). `taxonomies`: the
    site's, or None when `taxonomies:` is wrong (an unknown one is then not reported).
    Names are matched like tags, by their slug. Left empty (`aliases:`), there are none."""
    value = {} if value is None else value
    if not isinstance(value, dict):
        return (), [
            error(
                CONFIG_FILE,
                line,
                "aliases: expected a mapping of taxonomies to terms and their aliases, "
                f"such as {{tags: {{ukraine-war: [war-in-ukraine]}}}}, got {shown(value)}",
            )
        ]
    problems: list[Problem] = []
    specs: list[AliasSpec] = []

    def fail(message: str, *where: object) -> None:
        """An error at the line of the name `where` leads to (or of the nearest name above it
        whose line is known)."""
        path = tuple(str(name) for name in where)
        known = (lines[path[:i]] for i in range(len(path), 0, -1) if path[:i] in lines)
        problems.append(error(CONFIG_FILE, next(known, line), message))

    for taxonomy, terms in value.items():
        where = f"aliases: {taxonomy}"
        if taxonomies is not None and taxonomy not in taxonomies:
            fail(
                f"aliases: unknown taxonomy {shown(taxonomy)} (the site's: {', '.join(taxonomies)})", taxonomy
            )
            continue
        if not isinstance(terms, dict):
            fail(
                f"{where}: expected a mapping from each canonical term to its aliases, got {shown(terms)}",
                taxonomy,
            )
            continue
        canonical_of: dict[str, str] = {}  # alias slug -> its canonical term
        canonicals: dict[str, str] = {}  # canonical slug -> the canonical term
        for canonical, aliases in terms.items():
            if not _is_name(canonical):
                fail(
                    f"{where}: {shown(canonical)} must be a term's name, with letters or digits (quote it)",
                    taxonomy,
                )
                continue
            slug = slugify(canonical)
            if slug in canonicals:
                fail(
                    f"{where}: {canonical!r} and {canonicals[slug]!r} are one term, listed twice",
                    taxonomy,
                    canonical,
                )
                continue
            canonicals[slug] = canonical
            names = [aliases] if isinstance(aliases, str) else aliases
            if not isinstance(names, list) or not all(_is_name(name) for name in names):
                fail(
                    f"{where}: {canonical}: expected a list of names, got {shown(aliases)}",
                    taxonomy,
                    canonical,
                )
                continue
            for alias in names:
                alias_slug = slugify(alias)
                if alias_slug == slug:
                    fail(
                        f"{where}: {canonical}: {alias!r} is the term {canonical!r} itself, not an alias",
                        taxonomy,
                        canonical,
                        alias,
                    )
                elif canonical_of.get(alias_slug, canonical) != canonical:
                    fail(
                        f"{where}: {alias!r} is listed under two terms, "
                        f"{canonical_of[alias_slug]!r} and {canonical!r}: keep one",
                        taxonomy,
                        canonical,
                        alias,
                    )
                elif alias_slug not in canonical_of:
                    canonical_of[alias_slug] = canonical
                    specs.append(AliasSpec(str(taxonomy), alias, canonical))
        for alias_slug, canonical in canonical_of.items():
            if alias_slug in canonicals:
                fail(
                    f"{where}: {canonicals[alias_slug]!r} is an alias of {canonical!r} and a term with "
                    f"aliases of its own: aliases do not chain, so list its aliases under {canonical!r}",
                    taxonomy,
                    canonicals[alias_slug],
                )
    return (tuple(specs), problems) if not problems else ((), problems)


def read_regions_map(
    value: object, line: int | None, lines: Mapping[tuple[str, ...], int] = {}
) -> tuple[tuple[tuple[str, str], ...], list[Problem]]:
    """`regions_map: {Ukraine: Europe, Western Asia: Middle East}`: each key a country (any
    of its names) or a UN geoscheme group, each value the site's region for it."""
    from . import places  # the gazetteer loads data files: only a site that maps regions needs it

    value = {} if value is None else value
    if not isinstance(value, dict):
        return (), [
            error(
                CONFIG_FILE,
                line,
                f"regions_map: expected a mapping of countries to regions, such as {{Ukraine: Europe}}, "
                f"got {shown(value)}",
            )
        ]
    problems: list[Problem] = []
    pairs: list[tuple[str, str]] = []
    groups = {places.fold(name) for name in places.group_names()}
    for place, region in value.items():
        at = lines.get((str(place),), line)
        if not isinstance(place, str) or not (places.fold(place) in groups or places.country_by_name(place)):
            problems.append(
                error(
                    CONFIG_FILE,
                    at,
                    f"regions_map: {shown(place)} is not a country or a UN geoscheme region "
                    "(such as Ukraine, Western Asia or Sub-Saharan Africa)",
                )
            )
            continue
        if not isinstance(region, str) or not region.strip():
            problems.append(
                error(CONFIG_FILE, at, f"regions_map: {place}: expected a region name, got {shown(region)}")
            )
            continue
        pairs.append((place, region.strip()))
    return tuple(pairs), problems


def read_redirects(
    value: object, line: int | None, lines: Mapping[tuple[str, ...], int] = {}
) -> tuple[tuple[RedirectSpec, ...], list[Problem]]:
    """`redirects: {/old/path/: /new/path/}`: old paths of the site and where each moved (a
    path of the site, or an http(s) address elsewhere); left empty, there are none."""
    value = {} if value is None else value
    if not isinstance(value, dict):
        return (), [
            error(
                CONFIG_FILE,
                line,
                "redirects: expected a mapping of old paths to new ones, such as {/old/: /new/}, "
                f"got {shown(value)}",
            )
        ]
    problems: list[Problem] = []
    specs: dict[str, RedirectSpec] = {}
    for source, target in value.items():
        where = f"redirects: {shown(source)}"
        at = lines.get((str(source),), line)  # its own line
        path = _site_path(source)
        if path is None:
            problems.append(
                error(
                    CONFIG_FILE,
                    at,
                    f"{where} must be a path of the site, such as /tags/old-name/ (starting with '/', "
                    "without '..', hidden folders, '?' or '#')",
                )
            )
            continue
        if path and not path.endswith("/") and PurePosixPath(path).suffix not in (".html", ".htm"):
            path += "/"  # /old/page is served from old/page/index.html, as a static host does
        moved_to = _redirect_target(target)
        if moved_to is None:
            problems.append(
                error(
                    CONFIG_FILE,
                    at,
                    f"{where}: the new path {shown(target)} must be a path of the site (starting with "
                    "'/', without '..', '?' or '#') or an http(s) address",
                )
            )
        elif path in specs:
            problems.append(error(CONFIG_FILE, at, f"{where} is the old path {specs[path].source!r} again"))
        elif moved_to == path:
            problems.append(error(CONFIG_FILE, at, f"{where} leads to itself"))
        else:
            specs[path] = RedirectSpec(path, moved_to, at)
    for spec in specs.values():
        if spec.target in specs:
            problems.append(
                error(
                    CONFIG_FILE,
                    spec.line,
                    f"redirects: /{spec.source} leads to /{spec.target}, which is itself redirected to "
                    f"{_shown_target(specs[spec.target].target)}: redirects do not chain, so point it there",
                )
            )
    return (tuple(specs.values()), problems) if not problems else ((), problems)


def _is_name(value: object) -> bool:
    return isinstance(value, str) and bool(slugify(value))


def _site_path(value: object) -> str | None:
    """A site path as written in `redirects:` ('/old/path/', percent-encoded or not) without
    its leading slash, or None when it is not one that can be written inside the output."""
    if not isinstance(value, str) or not value.startswith("/") or FORBIDDEN.search(value):
        return None
    path = unquote(value)[1:]
    parts = path.split("/")
    if any(c in path for c in "?#\\\0") or any(not p or p.startswith(".") for p in parts[:-1]):
        return None
    if parts[-1].startswith("."):
        return None
    return path


def _redirect_target(value: object) -> str | None:
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        parts = split_url(value)
        return value if parts is not None and parts.netloc and not FORBIDDEN.search(value) else None
    return _site_path(value)


def _shown_target(target: str) -> str:
    return target if "://" in target else "/" + target


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
    elif key == "excerpt" and isinstance(value, int) and value < 0:
        return f"excerpt: must be 0 (import the whole text) or a number of paragraphs, got {value}"
    elif key in ("title", "language", "theme") and not str(value).strip():
        return f"{key}: must not be empty"
    elif key == "logo" and value and not _is_image_address(str(value)):
        return f"logo: {shown(value)} must be a path of the site such as /images/logo.png or an http(s) URL"
    elif key == "theme" and ("/" in str(value) or str(value).startswith(".")):
        return f"theme: {shown(value)} must be a theme folder name, not a path"
    return None


def _is_image_address(value: str) -> bool:
    parts = split_url(value)
    if parts is None:
        return False
    if parts.scheme:
        return parts.scheme in ("http", "https") and bool(parts.netloc)
    return value.startswith("/") and not value.startswith("//")


def _read_yaml_mapping(path: Path) -> tuple[dict, dict[str, int], list[Problem], str]:
    text, problem = read_text(path, CONFIG_FILE)
    if problem:
        return {}, {}, [problem], ""
    return (*parse_mapping(text, CONFIG_FILE, first_line=1), text)


# `deploy:` ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GitTarget:
    """Commit the output as the whole tree of `branch` on `remote` and push it (GitHub Pages)."""

    remote: str  # a URL, `host:path`, or a path (relative to the site folder)
    branch: str = "gh-pages"  # as mkdocs gh-deploy and ghp-import


@dataclass(frozen=True)
class RsyncTarget:
    """Mirror the output with `rsync -a --delete` to a local path or `host:path`."""

    target: str


@dataclass(frozen=True)
class FolderTarget:
    """Mirror the output into a local folder, in Python."""

    path: str  # relative to the site folder, or absolute


@dataclass(frozen=True)
class S3Target:
    """Upload the output to an S3 bucket (or an S3-compatible store), under `prefix`."""

    bucket: str
    prefix: str = ""  # without slashes at either end; '' is the whole bucket
    region: str | None = None
    endpoint_url: str | None = None


DeployTarget = GitTarget | RsyncTarget | FolderTarget | S3Target
DEPLOY_TYPES: dict[str, type[GitTarget] | type[RsyncTarget] | type[FolderTarget] | type[S3Target]] = {
    "git": GitTarget,
    "rsync": RsyncTarget,
    "folder": FolderTarget,
    "s3": S3Target,
}
# Key names that hold secrets: site.yaml sits with the site's sources (and in their
# repository), so credentials come from the environment or the tool's own configuration.
_CREDENTIAL_WORDS = ("secret", "password", "passwd", "token", "access_key", "credential", "passphrase")
_BRANCH = re.compile(r"^(?![-./])(?!.*\.\.)(?!.*//)(?!.*@\{)[A-Za-z0-9._/@+-]+(?<![./])(?<!\.lock)$")
_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$")


def read_deploy(
    value: object, key_lines: dict[str, int], line: int | None, site_dir: Path
) -> tuple[DeployTarget | None, list[Problem]]:
    """`deploy:` as a typed target, or None and the problems, each naming its key
    (`deploy.type`) at its line where the key is written out."""
    if not isinstance(value, dict):
        kinds = ", ".join(DEPLOY_TYPES)
        return None, [
            error(CONFIG_FILE, line, f"deploy: expected a mapping with a type ({kinds}), got {shown(value)}")
        ]
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(error(CONFIG_FILE, key_lines.get(key, line), f"deploy.{key} {message}"))

    for key in value:
        if _is_credential(key):
            problem(
                str(key),
                "is a credential, and credentials never go in site.yaml (it is kept and shared with "
                "the site's sources): use the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or "
                "the tool's own configuration (~/.aws/credentials, SSH keys, git's credential helper)",
            )
    kind = value.get("type")
    if not isinstance(kind, str) or kind not in DEPLOY_TYPES:
        got = "is missing" if kind is None else f"is {shown(kind)}"
        problem("type", f"must be one of {', '.join(DEPLOY_TYPES)} ({got})")
        return None, problems
    target_class = DEPLOY_TYPES[kind]
    options = {f.name: f for f in fields(target_class)}
    settings: dict[str, str] = {}
    for key, setting in value.items():
        if key == "type" or _is_credential(key):
            continue
        if key not in options:
            problem(str(key), f"is not a key of a {kind} target (its keys: type, {', '.join(options)})")
        elif not isinstance(setting, str) or not setting.strip():
            problem(str(key), f"must be a non-empty string, got {shown(setting)}")
        else:
            message = _check_deploy_value(kind, str(key), setting.strip(), site_dir)
            if message:
                problem(str(key), message)
            else:
                settings[str(key)] = setting.strip().strip("/") if key == "prefix" else setting.strip()
    required = [name for name, option in options.items() if option.default is dataclasses_missing]
    for name in required:
        if name not in value:
            problem(name, f"is missing: a {kind} target needs {', '.join(required)}")
    if problems:
        return None, problems
    return target_class(**settings), []


def read_email(
    value: object, key_lines: dict[str, int], line: int | None
) -> tuple[EmailConfig | None, list[Problem]]:
    """`email:` as typed settings, or None and the problems, each naming its key
    (`email.port`) at its line."""
    if not isinstance(value, dict):
        return None, [
            error(CONFIG_FILE, line, f"email: expected a mapping (from, to, host, ...), got {shown(value)}")
        ]
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(error(CONFIG_FILE, key_lines.get(key, line), f"email.{key} {message}"))

    settings: dict[str, Any] = {}
    for key, setting in value.items():
        key = str(key)
        if _is_credential(key):
            problem(
                key,
                "is a credential, and credentials never go in site.yaml (it is kept and shared with the "
                "site's sources): set the environment variable SITEGEN_SMTP_PASSWORD",
            )
        elif key not in EMAIL_KEYS:
            problem(key, f"is not a key of email: (its keys: {', '.join(EMAIL_KEYS)})")
        elif key == "port":
            if type(setting) is not int or not 0 < setting < 65536:
                problem(key, f"must be a port number from 1 to 65535, got {shown(setting)}")
            else:
                settings["port"] = setting
        elif key == "starttls":
            if not isinstance(setting, bool):
                problem(key, f"must be true or false, got {shown(setting)}")
            else:
                settings["starttls"] = setting
        elif key == "to":
            addresses = [setting] if isinstance(setting, str) else setting
            if not isinstance(addresses, list) or not addresses or not all(map(_is_address, addresses)):
                problem(key, f"must be a list of email addresses, got {shown(setting)}")
            else:
                settings["to"] = tuple(address.strip() for address in addresses)
        elif not isinstance(setting, str) or not setting.strip():
            problem(key, f"must be a non-empty string, got {shown(setting)}")
        elif key == "from" and not _is_address(setting):
            problem(key, f"must be an email address (Name <name@example.org>), got {shown(setting)}")
        elif key == "unsubscribe" and not setting.strip().startswith(("mailto:", "https://", "http://")):
            problem(key, f"must be a mailto: or https:// address, got {shown(setting)}")
        else:
            settings["sender" if key == "from" else key] = setting.strip()
    for key in ("from", "to"):
        if key not in value:
            problem(key, "is missing: email: needs from and to")
    if problems:
        return None, problems
    return EmailConfig(**settings), []


def _is_address(value: object) -> bool:
    """An address as a From or To header takes it: 'name@host' or 'Name <name@host>'."""
    if not isinstance(value, str):
        return False
    _, address = parseaddr(value.strip())
    local, at, host = address.partition("@")
    return bool(local and at and host and "." in host.strip(".") and not FORBIDDEN.search(value))


def _is_credential(key: object) -> bool:
    return any(word in str(key).lower() for word in _CREDENTIAL_WORDS)


def is_remote_location(location: str) -> bool:
    """Whether a git remote or rsync target names another machine (`host:path`, a URL)
    rather than a local path, as git and rsync tell them apart: a colon before any slash."""
    head = location.split("/", 1)[0]
    return ":" in head or "://" in location


def _check_deploy_value(kind: str, key: str, value: str, site_dir: Path) -> str | None:
    """Why a deploy key's value is wrong, or None."""
    if key in ("remote", "endpoint_url") and (parts := split_url(value)) and parts.password:
        return (
            "holds a password: credentials never go in site.yaml; "
            "use git's credential helper or the environment"
        )
    if key == "branch" and not _BRANCH.match(value):
        return f"{shown(value)} is not a valid branch name"
    if key == "bucket" and not _BUCKET.match(value):
        if "/" in value:
            return f"{shown(value)} is a bucket name only: put the folder in deploy.prefix"
        return f"{shown(value)} is not a valid bucket name"
    if key == "prefix" and any(part in ("", ".", "..") for part in value.strip("/").split("/")):
        return f"{shown(value)} must be a folder path such as 'briefings' or 'sites/briefings', without '..'"
    if key == "endpoint_url":
        parts = split_url(value)
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            return f"{shown(value)} must be an http or https URL"
    if (key == "path" or (key == "target" and not is_remote_location(value))) and kind in ("folder", "rsync"):
        try:
            return unsafe_mirror_target(site_dir, site_dir / Path(value).expanduser())
        except (OSError, ValueError, RuntimeError):  # a NUL in it, an unknown ~user, a loop of links
            return f"{shown(value)} is not a usable path"
    return None


def unsafe_mirror_target(site_dir: Path, target: Path) -> str | None:
    """Why a folder that a mirror deletes in is not one to deploy to, or None: a mirror
    removes everything the site does not have, so it must not hold the site or its output."""
    from .engine import OUTPUT_DIR  # the engine reads the configuration: imported here, late

    site = site_dir.resolve()
    output = (site / OUTPUT_DIR).resolve()
    real = target.resolve()
    if real == Path(real.anchor) or real == Path.home().resolve():
        return f"is {real}: a mirror deletes everything the site does not have there"
    for name, folder in (("the site folder", site), ("the output folder", output)):
        if real == folder or real in folder.parents:
            return (
                f"is {'' if real == folder else 'a parent of '}{name} ({folder}): choose a folder of its own"
            )
    if output in real.parents:
        return f"is inside the output folder ({output}): choose a folder of its own"
    for own in ("content", "static", "themes"):
        source = (site / own).resolve()
        if real == source or source in real.parents:
            return f"is inside the site's {own}/ folder: choose a folder of its own"
    return None
