"""`sitegen deploy`: check, build and publish the site to the target under `deploy:` in site.yaml."""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

from ..build import build
from ..config import CONFIG_FILE, load_config
from ..engine import OUTPUT_DIR
from ..errors import UsageError
from ..terminal import ProgressLine, interactive

OK, FAILED = 0, 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Build the site, check it, and publish it to the target that site.yaml's deploy: names "
        "(git, rsync, folder or s3), sending only what changed."
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be sent and deleted, and change nothing"
    )
    parser.add_argument(
        "--no-build", action="store_true", help="deploy the output folder as it is, without building first"
    )
    parser.add_argument("--force", action="store_true", help="deploy even when sitegen check finds problems")


def check_failures(site: Path) -> list[str]:
    """What `sitegen check` finds wrong with the site, one line each: empty when it may be deployed."""
    from ..check import check_site  # imported when a deploy is checked: it builds the whole site

    report = check_site(site)
    if not report.failed:
        return []
    return [str(problem) for problem in report.problems] + [str(broken) for broken in report.broken]


def run(args: argparse.Namespace) -> int:
    from ..deploy import DeployError, deploy_output  # only this command needs the publishers

    site = Path(args.site)
    if not site.is_dir():
        raise UsageError(f"{site}: no such folder (give the site with --site DIR)")
    config, problems = load_config(site)
    if any(problem.is_error for problem in problems):  # the build would repeat the warnings
        for problem in problems:
            print(problem, file=sys.stderr)
        return FAILED
    if config.deploy is None:
        print(
            f"{CONFIG_FILE}: deploy: is not set: say where to publish, e.g. deploy: {{type: git, "
            "remote: git@github.com:you/site.git}} (types: git, rsync, folder, s3; see README, Publishing)",
            file=sys.stderr,
        )
        return FAILED
    if not args.force:
        failures = check_failures(site)
        if failures:
            for line in failures:
                print(line, file=sys.stderr)
            print("sitegen check failed: nothing was deployed (--force deploys anyway)", file=sys.stderr)
            return FAILED
    with contextlib.ExitStack() as cleanup:
        output = site / OUTPUT_DIR
        if args.no_build:
            if not output.is_dir():
                print(
                    f"{output}: no such folder: build the site first, or deploy without --no-build",
                    file=sys.stderr,
                )
                return FAILED
        else:
            if args.dry_run:  # a dry run changes nothing, not even output/: it builds elsewhere
                scratch = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="sitegen-deploy-"))
                output = Path(scratch, OUTPUT_DIR)
            _build(site, output)
        try:
            result = deploy_output(
                output,
                config.deploy,
                site_dir=site,
                dry_run=args.dry_run,
                on_step=lambda step: print(step, flush=True),
            )
        except DeployError as exc:
            print(f"sitegen deploy: {exc}", file=sys.stderr)
            return FAILED
    plan = result.plan
    sent, deleted = len(plan.uploads), len(plan.deletions)
    if args.dry_run:
        for step in plan.steps:
            print(f"would {step}")
        print(
            f"Dry run: {sent} to upload, {deleted} to delete, {plan.unchanged} unchanged; "
            f"nothing was sent to {plan.target}"
        )
    elif plan.changes_nothing:
        print(f"Nothing to deploy: {plan.target} already has the site ({plan.unchanged} files)")
    else:
        print(
            f"Deployed to {plan.target}: {sent} uploaded, {deleted} deleted, {plan.unchanged} unchanged "
            f"in {result.seconds:.2f} s"
        )
    return OK


def _build(site: Path, output: Path) -> None:
    """Build as `sitegen build` does; a failed build raises SiteError, which the CLI reports."""
    progress = ProgressLine() if interactive() else None
    try:
        result = build(
            site,
            output,
            progress=progress,
            notify=lambda message: print(message, file=sys.stderr, flush=True),
        )
    finally:
        if progress:
            progress.clear()
    for warning in result.warnings:
        print(warning, file=sys.stderr)
