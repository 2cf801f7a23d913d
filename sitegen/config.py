"""The site's configuration: `site.yaml`, read once, typed and validated in one place."""

from __future__ import annotations

import os
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
class SiteConfig:
    title: str = "Briefing"
    base_url: str = "/"
    language: str = "en"
    timezone: str = "UTC"
    theme: str = "default"
    per_page: int = 20
    feed_limit: int = 50

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


_KINDS: dict[str, tuple[type, str]] = {"str": (str, "a string"), "int": (int, "a whole number")}
# Each key's type and how a message names it; the annotations are strings (PEP 563).
_EXPECTED = {f.name: _KINDS[str(f.type)] for f in fields(SiteConfig)}


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
            if key not in _EXPECTED:
                known = ", ".join(_EXPECTED)
                problems.append(error(CONFIG_FILE, line, f"unknown key {shown(key)} (known keys: {known})"))
                continue
            expected, wanted = _EXPECTED[key]
            if not isinstance(value, expected) or isinstance(value, bool):
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
