"""`sitegen import FILE|URL...` and `sitegen import --feed URL_OR_FILE`: clippings, saved
pages, pages read off the web and feed entries -> articles in content/YYYY/MM/."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError, error
from ..terminal import ProgressLine, interactive

if TYPE_CHECKING:  # the importer (lxml, trafilatura) is slow to load: only `run` loads it
    from ..importer.fetch import FetchOptions
    from ..importer.model import ImportOutcome

# The defaults of sitegen.importer.fetch.FetchOptions, for the help text (a test checks them).
CONNECT_TIMEOUT_HELP = 10
TOTAL_TIMEOUT_HELP = 30


def _count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number (0 or more)")
    return int(value)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 < seconds < 3600:
        raise argparse.ArgumentTypeError(f"{value!r}: give a number of seconds above 0, below 3600")
    return seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Turn plain-text clippings (.txt), saved pages (.html), web pages (http:// or https:// "
        "addresses) and the entries of a feed (--feed) into articles, one file each in "
        "content/YYYY/MM/. Values given here replace what was found in the clipping."
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE|URL",
        help="a clipping, a saved page or a web page's address; '-' reads standard input",
    )
    parser.add_argument(
        "--feed", metavar="URL_OR_FILE", help="import the entries of an RSS, Atom or JSON feed"
    )
    parser.add_argument("--since", metavar="DATE", help="with --feed: only entries from DATE on")
    parser.add_argument("--limit", metavar="N", type=_count, help="with --feed: at most the N newest entries")
    parser.add_argument(
        "--excerpt",
        metavar="N",
        type=_count,
        help="keep the first N paragraphs and link to the original (0: the whole text; "
        "default: site.yaml's excerpt, else 0)",
    )
    parser.add_argument(
        "--download-images",
        action="store_true",
        help="store each web page's picture under static/images/YYYY/MM/ instead of linking it",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_seconds,
        help=f"the longest a web page may take, in all (default {TOTAL_TIMEOUT_HELP})",
    )
    parser.add_argument(
        "--connect-timeout",
        metavar="SECONDS",
        type=_seconds,
        help=f"the longest to wait for a server to connect or answer (default {CONNECT_TIMEOUT_HELP})",
    )
    add_override_arguments(parser)
    parser.add_argument("--title", help="the headline")
    parser.add_argument("--author", help="the author's name")
    parser.add_argument("--url", dest="source_url", metavar="URL", help="the original's address (source_url)")
    parser.add_argument("--dry-run", action="store_true", help="print the article instead of writing it")
    parser.add_argument(
        "--no-suggest",
        dest="suggest",
        action="store_false",
        help="suggest no region or tags from the text (by default the site's own tags and regions "
        "that the text names are written where --region or --tags give none)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="import an article that is already there (or nearly the same as one) again, under a new "
        "name (the first is kept)",
    )


def add_override_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", metavar="NAME", help="the outlet, e.g. 'Reuters' or AP")
    parser.add_argument(
        "--region", metavar="R", action="append", default=[], help="region (repeat or use commas for several)"
    )
    parser.add_argument("--tags", metavar="a,b", action="append", default=[], help="comma-separated tags")
    parser.add_argument("--date", metavar="D", help="publication date: YYYY-MM-DD, or ISO 8601 with a time")


def split_list(values: list[str]) -> tuple[str, ...]:
    items: list[str] = []
    for value in values or []:
        items.extend(v.strip() for v in value.split(",") if v.strip())
    return tuple(dict.fromkeys(items))


def overrides_from(args: argparse.Namespace, title: str | None):
    """The values given on the command line, which replace what a clipping says."""
    from ..importer import Overrides

    return Overrides(
        title=title,
        date=args.date,
        source=args.source,
        source_url=args.source_url,
        author=args.author,
        region=split_list(args.region),
        tags=split_list(args.tags),
    )


def checked_site(args: argparse.Namespace) -> Path:
    """The site folder of `--site`, once it and `--date` are known to be usable."""
    from ..importer.dates import out_of_range, parse_user_date
    from ..validate import is_web_url

    site = Path(getattr(args, "site", None) or ".")
    if not site.is_dir():
        raise UsageError(f"{site}: no such folder (give the site with --site DIR)")
    if args.date:
        moment = parse_user_date(args.date)
        if moment is None:
            raise UsageError(f"--date {args.date!r} is not a date: use YYYY-MM-DD")
        if out_of_range(moment):
            raise UsageError(f"--date {out_of_range(moment)}")
    if args.source_url and not is_web_url(args.source_url):
        raise UsageError(f"--url {args.source_url!r} is not a web address: use http:// or https://")
    return site


def run(args: argparse.Namespace) -> int:
    # Imported here: the importer (lxml, trafilatura) is slow to load and only this command needs it.
    from ..importer import ClippingInput, import_clippings
    from ..importer.model import decode

    site = checked_site(args)
    if args.feed and args.files:
        raise UsageError("give either --feed or files and addresses, not both")
    if not args.feed and not args.files:
        raise UsageError("give a clipping, a saved page or a web address, or --feed URL_OR_FILE")
    if (args.since or args.limit is not None) and not args.feed:
        raise UsageError("--since and --limit go with --feed")
    if args.feed or any("://" in name for name in args.files):
        return _run_web(args, site)
    inputs: list = []
    failed = False
    stdin_used = False
    for name in args.files:
        if name == "-":
            if stdin_used:
                print("-: standard input can be read only once", file=sys.stderr)
                return 2
            stdin_used = True
            inputs.append(ClippingInput("-", decode(sys.stdin.buffer.read())))
            continue
        path = Path(name)
        try:
            inputs.append(ClippingInput.from_path(path))
        except OSError as exc:
            print(f"{name}: cannot read: {exc.strerror or exc}", file=sys.stderr)
            failed = True
    overrides = replace(overrides_from(args, title=args.title), suggest=args.suggest)
    outcomes = import_clippings(
        site,
        inputs,
        overrides,
        dry_run=args.dry_run,
        force=args.force,
        excerpt=args.excerpt,
        download_images=_fetch_options(args) if args.download_images else None,
    )
    return 1 if _report(outcomes, args.dry_run) or failed else 0


def _fetch_options(args: argparse.Namespace) -> FetchOptions:
    from ..importer.fetch import FetchOptions

    given = {"connect_timeout": args.connect_timeout, "total_timeout": args.timeout}
    return FetchOptions(**{key: value for key, value in given.items() if value is not None})


def _run_web(args: argparse.Namespace, site: Path) -> int:
    """Web pages (and files beside them) or a feed: each failure is one line naming the
    address and why, then a summary line; every page that worked is imported."""
    from ..importer import ClippingInput, import_clippings
    from ..importer.dates import parse_user_date
    from ..importer.web import ImportSettings, import_feed, import_urls

    since = None
    if args.since:
        moment = parse_user_date(args.since)
        if moment is None:
            raise UsageError(f"--since {args.since!r} is not a date: use YYYY-MM-DD")
        since = moment.day
    settings = ImportSettings(
        fetch=_fetch_options(args),
        dry_run=args.dry_run,
        force=args.force,
        excerpt=args.excerpt,
        download_images=args.download_images,
    )
    line = ProgressLine() if interactive() else None

    def progress(done: int, total: int) -> None:
        if line:
            line.show(f"read {done}/{total}", final=done >= total)

    overrides = replace(overrides_from(args, title=args.title), suggest=args.suggest)
    if args.feed:
        result = import_feed(
            site, args.feed, overrides, settings, since=since, limit=args.limit, progress=progress
        )
    else:
        urls = [name for name in args.files if "://" in name]
        result = import_urls(site, urls, overrides, settings, progress=progress)
        clips = []
        for name in (name for name in args.files if "://" not in name):
            try:
                clips.append(ClippingInput.from_path(Path(name)))
            except OSError as exc:
                result.problems.append(error(name, None, f"cannot read: {exc.strerror or exc}"))
        if clips:  # in one run, so that the site is read once for all of them
            result.outcomes += import_clippings(
                site,
                clips,
                overrides,
                dry_run=args.dry_run,
                force=args.force,
                excerpt=args.excerpt,
                download_images=settings.fetch if args.download_images else None,
            )
    if line:
        line.clear()
    for problem in result.problems:
        print(str(problem), file=sys.stderr)
    _report(result.outcomes, args.dry_run)
    print(result.summary(), file=sys.stderr)
    return 1 if result.failed else 0


def _report(outcomes: list[ImportOutcome], dry_run: bool) -> bool:
    """Print each outcome: the path written, or its problems. True when any failed."""
    failed = False
    for outcome in outcomes:
        for problem in outcome.problems:
            print(str(problem), file=sys.stderr)
        if not outcome.ok:
            failed = True
            continue
        if outcome.suggestion:
            print(f"{outcome.input_name}: {outcome.suggestion.describe()}", file=sys.stderr)
        if dry_run:
            print(f"would write {outcome.path}", file=sys.stderr)
            sys.stdout.write(outcome.markdown or "")
        else:
            print(outcome.path)
    return failed
