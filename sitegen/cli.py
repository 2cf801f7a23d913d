"""The command line: parses arguments, calls the library, prints what it returns.

Exit codes: 0 success, 1 content or configuration errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import signal
import sys
import threading
import time
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from .build import build
from .check import EXTERNAL_TIMEOUT, check_site
from .commands import deploy_cmd, email_cmd, import_cmd, new_cmd, terms_cmd
from .errors import Problem, SiteError, UsageError
from .parallel import few_full_collections
from .scaffold import init_site
from .terminal import ProgressLine, interactive
from .version import __version__

OK, CONTENT_ERROR, USAGE_ERROR = 0, 1, 2
_FUTURE_HELP = "publish articles dated later than now (held back without it)"
SIGNAL_CHECK_SECONDS = 0.1  # how soon `serve` notices Ctrl-C or SIGTERM at the latest


def print_problems(problems: Sequence[Problem], summary: bool = True) -> None:
    for problem in sorted(problems, key=lambda p: (p.path, p.line or 0)):
        print(problem, file=sys.stderr)
    errors = sum(p.is_error for p in problems)
    if errors and summary:
        print(f"{errors} error{'s' if errors != 1 else ''}: nothing was written", file=sys.stderr)


def _build(args: argparse.Namespace) -> int:
    progress = ProgressLine() if not args.quiet and interactive() else None
    try:
        result = build(
            Path(args.site),
            args.output,
            drafts=args.drafts,
            future=args.future,
            base_url=args.base_url,
            force=args.force,
            jobs=args.jobs,
            use_cache=not args.no_cache,
            progress=progress,
            notify=lambda message: print(message, file=sys.stderr, flush=True),
        )
    finally:
        if progress:
            progress.clear()
    print_problems(result.warnings)
    if args.timings:
        for stage, seconds in result.timings.items():
            print(f"  {stage:<10} {seconds:7.3f} s")
    if not args.quiet:
        held = f" ({_held_back(result.held_back, result.next_scheduled)})" if result.held_back else ""
        print(
            f"Built {result.pages} pages from {result.articles} articles{held} in {result.seconds:.2f} s "
            f"({result.written} files written, {result.unchanged} unchanged, {result.removed} removed; "
            f"{result.rendered} pages rendered) -> {result.output_dir}"
        )
    return OK


def _held_back(count: int, first: dt.datetime | None) -> str:
    """'2 scheduled articles held back, the next at 2024-12-06 09:00' (in the site's timezone)."""
    due = f"{first:%Y-%m-%d %H:%M}" if first else "?"
    if count == 1:
        return f"1 scheduled article held back, due at {due}"
    return f"{count} scheduled articles held back, the next at {due}"


def _check(args: argparse.Namespace) -> int:
    progress = ProgressLine() if interactive() else None
    try:
        report = check_site(
            Path(args.site),
            external=args.external,
            base_url=args.base_url,
            progress=progress.show if progress else None,
            drafts=args.drafts,
            timeout=args.timeout,
            future=args.future,
        )
    finally:
        if progress:
            progress.clear()
    print_problems(report.problems, summary=False)  # check ends with a summary of its own
    for link in report.broken:
        print(link)
    errors = sum(p.is_error for p in report.problems)
    if errors and not report.files:
        message = f"{_count(errors, 'error')}: the site does not build, so its links were not checked"
        print(message, file=sys.stderr)  # with the errors, as `build` prints its own
    else:
        found = [_count(len(report.broken), "broken link")] if report.broken else []
        found += [_count(errors, "error")] if errors else []
        outside = f", {_count(report.external, 'outside address', 'outside addresses')}"
        print(
            f"{report.articles} articles checked, {_count(report.links, 'link')} in "
            f"{_count(report.files, 'file')}{outside if args.external else ''}: "
            f"{', '.join(found) or 'no broken links'}"
        )
    return CONTENT_ERROR if report.failed else OK


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _seconds(text: str) -> float:
    """A time-out in seconds, for argparse: anything else is a usage error (exit 2)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return seconds


def _serve(args: argparse.Namespace) -> int:
    from .serve import Preview, is_loopback  # only this command needs the server and watchdog

    preview = Preview(
        Path(args.site),
        host=args.host,
        port=args.port,
        drafts=args.drafts,
        report=_print_build_report,
        announce=lambda url: print(f"Serving {url} (Ctrl-C to stop)", flush=True),
    )
    if not is_loopback(args.host):
        print(
            f"warning: serving on {args.host}: the preview is visible to other machines on the network",
            file=sys.stderr,
        )
    # Ctrl-C and SIGTERM both arrive here, in the main thread, as KeyboardInterrupt, whatever
    # it is doing; the preview starts in another thread so that this one only ever waits.
    # It waits in short steps: a signal that the system hands to another thread reaches
    # Python's handler only when the main thread next runs.
    signal.signal(signal.SIGTERM, _interrupt)
    failure: list[BaseException] = []
    starting = threading.Thread(
        target=_start_preview, args=(preview, failure), name="sitegen-start", daemon=True
    )
    try:
        starting.start()
        while starting.is_alive():
            starting.join(SIGNAL_CHECK_SECONDS)
        if failure:
            raise failure[0]
        if args.open:
            webbrowser.open(preview.url)
        while True:  # until a signal
            time.sleep(SIGNAL_CHECK_SECONDS)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C must not cut the clean-up short; stop() takes well under 2 s.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        preview.stop()
    print("Stopped.", flush=True)
    return OK


def _start_preview(preview, failure: list[BaseException]) -> None:
    try:
        preview.start()
    except BaseException as exc:  # handed to the main thread, which reports it
        failure.append(exc)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _print_build_report(report) -> None:
    print_problems(report.problems)
    if report.ok:
        changed = f" ({len(report.changed)} changed)" if report.changed else ""
        result = report.result
        print(
            f"Built {result.pages} pages from {result.articles} articles in {result.seconds:.2f} s{changed}",
            flush=True,
        )
    else:
        print(
            "The build failed: the last good site is still served, with the errors shown in the page.",
            flush=True,
        )


def _port(text: str) -> int:
    """A TCP port number, for argparse: anything else is a usage error (exit 2)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return port


def _init(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    init_site(folder)
    print(f"Created a new site in {folder}")
    print(f"Next: cd {folder} && sitegen serve")
    return OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitegen", description="A static site generator for curated news briefings."
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    site = argparse.ArgumentParser(add_help=False)
    site.add_argument(
        "--site",
        default=".",
        metavar="DIR",
        help="the site folder, holding site.yaml and content/ (default: .)",
    )

    command = commands.add_parser("build", parents=[site], help="build the site into its output folder")
    command.add_argument(
        "--output", metavar="DIR", help="where to write the site (default: output/ in the site folder)"
    )
    command.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    command.add_argument(
        "--base-url", metavar="URL", help="publish under this URL instead of site.yaml's base_url"
    )
    command.add_argument(
        "--force", action="store_true", help="write into a non-empty folder sitegen did not create"
    )
    command.add_argument("-q", "--quiet", action="store_true", help="print only warnings and errors")
    command.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes for a large build (default: the CPUs this process may use)",
    )
    command.add_argument("--timings", action="store_true", help="print the time each stage took")
    command.add_argument("--no-cache", action="store_true", help="neither use nor update the build cache")
    command.add_argument("--future", action="store_true", help=_FUTURE_HELP)
    command.set_defaults(run=_build)

    command = commands.add_parser(
        "check", parents=[site], help="check content, templates and every link, writing nothing"
    )
    command.add_argument("--base-url", metavar="URL", help="check with this base URL")
    command.add_argument(
        "--drafts", action="store_true", help="check the site with its drafts, as `build --drafts` builds it"
    )
    command.add_argument(
        "--external",
        action="store_true",
        help="also request every address on other sites (links and source_url) to see that it answers",
    )
    command.add_argument(
        "--timeout",
        type=_seconds,
        default=EXTERNAL_TIMEOUT,
        metavar="SECONDS",
        help=f"with --external: the longest one address may take (default: {EXTERNAL_TIMEOUT:g})",
    )
    command.add_argument("--future", action="store_true", help=_FUTURE_HELP)
    command.set_defaults(run=_check)

    command = commands.add_parser(
        "serve", parents=[site], help="build, serve and rebuild on every change, with live reload"
    )
    command.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1, this machine only)"
    )
    command.add_argument(
        "--port", type=_port, default=8000, help="the port to listen on, 0 for any free one (default: 8000)"
    )
    command.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    command.add_argument("--open", action="store_true", help="open the site in the web browser")
    command.add_argument(
        "--future",
        action="store_true",
        help="publish articles dated later than now (the preview always does, with a 'scheduled' badge)",
    )
    command.set_defaults(run=_serve)

    for name, module, summary in (
        ("new", new_cmd, "start a new article at the path the build expects"),
        ("import", import_cmd, "turn news clippings (.txt) and saved pages (.html) into articles"),
        ("terms", terms_cmd, "list every term with its use, and look-alike spellings"),
        ("deploy", deploy_cmd, "build, check and publish the site where site.yaml says"),
        ("email", email_cmd, "write an edition's email, or send it through SMTP"),
    ):
        command = commands.add_parser(name, parents=[site], help=summary)
        module.add_arguments(command)
        command.set_defaults(run=module.run)

    command = commands.add_parser("init", help="create a new site in an empty folder")
    command.add_argument("folder", metavar="DIR", help="the folder to create")
    command.set_defaults(run=_init)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with few_full_collections():
            return args.run(args)
    except UsageError as exc:
        print(f"sitegen {args.command}: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except SiteError as exc:
        print_problems(exc.problems)
        return CONTENT_ERROR
    except KeyboardInterrupt:
        return 130


def program() -> None:
    """The `sitegen` program (and `python -m sitegen`): main(), then an exit that leaves
    the command's objects to the operating system. A build's model is garbage once it
    returns, held in reference cycles; collecting and freeing them one by one as the
    interpreter shuts down took about 0.4 s after a one-article build of 10,000 articles
    (docs/benchmarks.md). Frozen, the collector leaves them alone; atexit handlers still
    run, and every file sitegen writes is closed before main() returns."""
    code = main()
    gc.freeze()
    sys.exit(code)
