"""`sitegen terms`: every term of the site with its use and flags, as a table or as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from itertools import groupby
from pathlib import Path

from ..vocabulary import TermUse, load_vocabulary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "List every term of every taxonomy (or of one) with its number of articles, its first and "
        "latest dates, and flags: used-once, similar:<slug> (a spelling that looks like the same "
        "term), alias-target-missing (an aliases: target that no article names). Spellings that "
        "look alike come with an aliases: entry to paste into site.yaml."
    )
    parser.add_argument(
        "--taxonomy", metavar="NAME", help="list this taxonomy's terms only (tags, regions, ...)"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of {taxonomy, name, slug, count, first, latest, flags}",
    )


def run(args: argparse.Namespace) -> int:
    found = load_vocabulary(Path(args.site), args.taxonomy)
    for problem in sorted(found.warnings, key=lambda p: (p.path, p.line or 0)):
        print(problem, file=sys.stderr)
    if args.json:
        print(json.dumps([use.to_json() for use in found.terms], ensure_ascii=False, indent=2))
        return 0
    for taxonomy, uses in groupby(found.terms, key=lambda use: use.taxonomy):
        print_table(taxonomy, list(uses))
    pasted = found.suggestions_yaml()
    if pasted:
        print("Spellings that look like one term.", end=" ")
        print("To merge them, add this to site.yaml (into its aliases:, if any):")
        print()
        print(pasted)
    return 0


def print_table(taxonomy: str, uses: list[TermUse]) -> None:
    print(f"{taxonomy}: {len(uses)} term{'s' if len(uses) != 1 else ''}")
    rows = [("name", "slug", "count", "first", "latest", "flags")]
    rows += [
        (
            use.name,
            use.slug,
            str(use.count),
            use.first.date().isoformat() if use.first else "-",
            use.latest.date().isoformat() if use.latest else "-",
            " ".join(use.flags),
        )
        for use in uses
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell.rjust(width) if column == 2 else cell.ljust(width)  # the count, right-aligned
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  " + "  ".join(cells).rstrip())
    print()
