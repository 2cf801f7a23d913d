"""`sitegen import FILE...`: clippings and saved pages -> articles in content/YYYY/MM/."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from ..errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Turn plain-text clippings (.txt) and saved pages (.html) into articles, one file each "
        "in content/YYYY/MM/. Values given here replace what was found in the clipping."
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="a clipping or saved page; '-' reads standard input"
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
    outcomes = import_clippings(site, inputs, overrides, dry_run=args.dry_run, force=args.force)
    for outcome in outcomes:
        for problem in outcome.problems:
            print(str(problem), file=sys.stderr)
        if not outcome.ok:
            failed = True
            continue
        if outcome.suggestion:
            print(f"{outcome.input_name}: {outcome.suggestion.describe()}", file=sys.stderr)
        if args.dry_run:
            print(f"would write {outcome.path}", file=sys.stderr)
            sys.stdout.write(outcome.markdown or "")
        else:
            print(outcome.path)
    return 1 if failed else 0
