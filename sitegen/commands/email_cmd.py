"""`sitegen email EDITION`: an edition as an email message, written to a file or stdout, or
sent through the SMTP server of site.yaml's `email:` (once, unless --again)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..mailing import PASSWORD_VARIABLE, SendError, edition_message, send, write_message

OK, CONTENT_ERROR = 0, 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Make the email of an edition (multipart/alternative: its email.txt and email.html) and "
        "write it to a file, print it, or send it through the SMTP server under email: in site.yaml "
        f"(the password from {PASSWORD_VARIABLE}). An edition is sent once: sending it again needs --again."
    )
    parser.add_argument("edition", metavar="EDITION", help="the edition's slug: its file name without .md")
    parser.add_argument("--out", metavar="FILE.eml", type=Path, help="write the message to this new file")
    parser.add_argument("--send", action="store_true", help="send it through the SMTP server of email:")
    parser.add_argument(
        "--again", action="store_true", help="with --send: send an edition that was sent before"
    )
    parser.add_argument("--drafts", action="store_true", help="build with drafts, as `build --drafts` does")


def run(args: argparse.Namespace) -> int:
    if args.again and not args.send:
        print("sitegen email: --again goes with --send", file=sys.stderr)
        return 2
    site_dir = Path(args.site)
    built = edition_message(site_dir, args.edition, drafts=args.drafts)
    for problem in built.warnings:
        print(problem, file=sys.stderr)
    if args.out:
        write_message(built.message, args.out)
        print(f"Wrote {args.out}", file=sys.stderr)
    elif not args.send:
        sys.stdout.buffer.write(built.message.as_bytes())
        sys.stdout.flush()
    if args.send:
        try:
            record = send(site_dir, built, again=args.again)
        except SendError as exc:
            print(f"sitegen email: {exc}", file=sys.stderr)
            return CONTENT_ERROR
        count = len(record.recipients)
        print(f"Sent {args.edition} to {count} recipient{'' if count == 1 else 's'}", file=sys.stderr)
    return OK
