"""`sitegen new "Title"`: an article skeleton at the path the build expects."""

from __future__ import annotations

import argparse
import sys

from ..errors import SiteError
from .import_cmd import add_override_arguments, checked_site, overrides_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Write a new article with its front matter filled in, in content/YYYY/MM/<slug>.md, "
        "and print its path. An existing file is never replaced."
    )
    parser.add_argument("title", help="the article's title")
    add_override_arguments(parser)
    parser.add_argument("--author", help="the author's name")
    parser.add_argument("--url", dest="source_url", metavar="URL", help="the original's address")


def run(args: argparse.Namespace) -> int:
    from ..importer import new_article

    site = checked_site(args)
    overrides = overrides_from(args, title=None)
    try:
        path = new_article(site, args.title, overrides)
    except SiteError as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return 1
    if not args.source:
        print(
            f"{path}: warning: no --source given: written as a draft with a placeholder source",
            file=sys.stderr,
        )
    print(path)
    return 0
