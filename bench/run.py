"""Build-time benchmark: sitegen against Hugo and Pelican on the same generated corpus.

    python bench/run.py                         # 1,000 and 10,000 articles, sitegen and Hugo
    python bench/run.py --sizes 10000 --runs 5 --pelican

For each size it writes a corpus with ../shared/bench/make_corpus.py, then times, for
each tool, a cold build (empty output folder, no cache), a rebuild with nothing changed,
a rebuild after editing one article's body, and one after editing one article's tags;
it reports medians of --runs and the peak memory of a cold build (the proportional set
size of the whole process tree, so forked workers are counted once per page they own).
The timed builds run without the memory sampler, which takes a good part of a core;
the peak memory comes from one more cold build, sampled.
All tools write to the same place: --output-root, a tmpfs folder by default, because
disk speed on these machines varies more than the tools do.

Hugo (Debian package `hugo`) is used when it is on PATH; Pelican when --pelican is given,
installed into its own virtual environment under --work (from PyPI) on first use. Their
configurations (below) produce the same kinds of pages: home pages, article pages,
tag, region and source pages with pagination, and feeds.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# No search index and no social cards: Hugo makes neither, so that both sides do the same work.
BENCH_SITE_YAML = 'title: "Benchmark"\nbase_url: "https://example.org/"\nsearch: false\nsocial_cards: false\n'
MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"
BODY_EDIT = "\nOne more sentence for the benchmark.\n"


@dataclass
class Result:
    cold: list[float] = field(default_factory=list)
    unchanged: list[float] = field(default_factory=list)
    body_edit: list[float] = field(default_factory=list)
    tag_edit: list[float] = field(default_factory=list)
    memory_mb: list[float] = field(default_factory=list)
    body_edit_files: list[int] = field(default_factory=list)
    tag_edit_files: list[int] = field(default_factory=list)


def timed(command: list[str]) -> tuple[float, str]:
    """Run `command` (it must succeed); returns its wall time and what it printed."""
    started = time.perf_counter()
    process = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stdout}")
    return seconds, process.stdout


def peak_memory_of(
    command: list[str], cwd: Path | None = None, env: dict | None = None
) -> tuple[float, float, str]:
    """Run `command`; returns (seconds, peak PSS of its process tree in MB, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_pss_kb(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    return seconds, peak / 1024, output


def _tree_pss_kb(pid: int) -> int:
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def corpus(size: int, work: Path) -> Path:
    site = work / f"corpus-{size}"
    if not (site / "content").is_dir():
        subprocess.run(
            [sys.executable, str(MAKE_CORPUS), str(site), "--articles", str(size)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    prepare_corpus(site)
    return site


IMAGE_REFERENCE = re.compile(r"\]\((/images/[^)\s]+\.jpg)\)")


def prepare_corpus(site: Path) -> None:
    """The benchmarks' site.yaml, and the images the corpus's bodies show, which
    make_corpus.py does not write (and sitegen refuses a missing image): each a 16 x 10 px
    JPEG under static/, so that sitegen publishes one copy of it in each format and Hugo
    copies it, about the same work."""
    (site / "site.yaml").write_text(BENCH_SITE_YAML)
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (16, 10), (120, 140, 160)).save(picture, "JPEG", quality=80)
    for article in (site / "content").rglob("*.md"):
        for reference in IMAGE_REFERENCE.findall(article.read_text(encoding="utf-8")):
            path = site / "static" / reference.lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(picture.getvalue())


def edited_article(site: Path) -> Path:
    files = sorted((site / "content").rglob("*.md"))
    return files[len(files) // 2]


def edit_tags(text: str, run: int) -> str:
    return re.sub(
        r"^tags:\n((?:  - .*\n)+)", f"tags:\n  - benchmark-edit-{run}\n\\1", text, count=1, flags=re.M
    )


class Tool:
    name = ""

    def prepare(self, site: Path, work: Path) -> None: ...
    def cold_reset(self, output: Path) -> None:
        shutil.rmtree(output, ignore_errors=True)

    def command(self, output: Path) -> list[str]: ...
    def written(self, stdout: str) -> int | None:
        return None


class Sitegen(Tool):
    name = "sitegen"

    def prepare(self, site: Path, work: Path) -> None:
        self.site = site
        # The build cache lives in the user's cache folder: give the benchmark its own, so
        # that a cold build really starts empty (rendered bodies included).
        self.cache = work / "sitegen-cache"
        os.environ["SITEGEN_CACHE_DIR"] = str(self.cache)

    def cold_reset(self, output: Path) -> None:
        super().cold_reset(output)
        shutil.rmtree(self.cache, ignore_errors=True)

    def command(self, output: Path) -> list[str]:
        return [sys.executable, "-m", "sitegen", "build", "--site", str(self.site), "--output", str(output)]

    def written(self, stdout: str) -> int | None:
        match = re.search(r"\((\d+) files written", stdout)
        return int(match.group(1)) if match else None


HUGO_SITE = Path(__file__).resolve().parent / "hugo"  # config.toml and layouts/


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class Hugo(Tool):
    name = "hugo"

    def prepare(self, site: Path, work: Path) -> None:
        self.project = work / f"hugo-{site.name}"
        shutil.rmtree(self.project, ignore_errors=True)
        shutil.copytree(HUGO_SITE, self.project)
        (self.project / "content").symlink_to(site / "content")
        # Hugo refuses a symlinked static/ ("symlinks not allowed in this filesystem"):
        # the same files, hard-linked (copied where the work folder is on another disk).
        shutil.copytree(site / "static", self.project / "static", copy_function=_link_or_copy)

    def command(self, output: Path) -> list[str]:
        return ["hugo", "--quiet", "--source", str(self.project), "--destination", str(output)]


PELICAN_CONFIG = Path(__file__).resolve().parent / "pelican" / "pelicanconf.py"


class Pelican(Tool):
    """Pelican reads Markdown metadata in its own format: the corpus is rewritten once, with
    the region as the category and the outlet as the author, so that it builds region and
    source pages too."""

    name = "pelican"

    def prepare(self, site: Path, work: Path) -> None:
        self.venv = work / "pelican-venv"
        if not (self.venv / "bin" / "pelican").exists():
            subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
            subprocess.run(
                [str(self.venv / "bin" / "pip"), "install", "-q", "pelican", "markdown"], check=True
            )
        self.project = work / f"pelican-{site.name}"
        shutil.rmtree(self.project, ignore_errors=True)
        (self.project / "content").mkdir(parents=True)
        for source in sorted((site / "content").rglob("*.md")):
            (self.project / "content" / source.name).write_text(_pelican_markdown(source.read_text()))
        self.source_site = site

    def cold_reset(self, output: Path) -> None:
        super().cold_reset(output)
        shutil.rmtree(self.project / "cache", ignore_errors=True)
        self._configure(use_cache=False)

    def command(self, output: Path) -> list[str]:
        return [
            str(self.venv / "bin" / "pelican"),
            str(self.project / "content"),
            "-o",
            str(output),
            "-s",
            str(self.project / "pelicanconf.py"),
            "-q",
            "--cache-path",  # its content cache, kept beside its copy of the corpus
            str(self.project / "cache"),
        ]

    def after_cold(self) -> None:
        self._configure(use_cache=True)

    def _configure(self, use_cache: bool) -> None:
        config = PELICAN_CONFIG.read_text() + f"\nLOAD_CONTENT_CACHE = {use_cache}\n"
        (self.project / "pelicanconf.py").write_text(config)

    def edited(self, article: Path) -> Path:
        return self.project / "content" / article.name

    def sync(self, article: Path) -> None:
        self.edited(article).write_text(_pelican_markdown(article.read_text()))


def _pelican_markdown(text: str) -> str:
    import yaml

    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    tags = meta.get("tags") or []
    lines = [
        f"Title: {meta['title']}",
        f"Date: {meta['date']}",
        f"Category: {meta.get('region', 'World')}",
        f"Author: {meta['source']}",
        f"Tags: {', '.join(tags)}",
        f"Summary: {meta.get('summary', '')}",
    ]
    return "\n".join(lines) + "\n\n" + body


def measure(
    tool: Tool, site: Path, work: Path, output_root: Path, runs: int, cold_only: bool = False
) -> Result:
    tool.prepare(site, work)
    output = output_root / f"{tool.name}-{site.name}"
    result = Result()
    article = edited_article(site)
    original = article.read_text()
    sync = getattr(tool, "sync", lambda path: None)
    try:
        # Cold builds are timed without the memory sampler (reading smaps_rollup of a large
        # process every 20 ms takes a good part of a core and holds the process's memory
        # map lock), and the peak memory is taken from one more cold build of its own.
        for _ in range(runs):
            tool.cold_reset(output)
            seconds, _ = timed(tool.command(output))
            result.cold.append(seconds)
            print(f"  {tool.name}: cold build {seconds:.2f} s", flush=True)
        tool.cold_reset(output)
        _, memory, _ = peak_memory_of(tool.command(output))
        result.memory_mb.append(memory)
        print(f"  {tool.name}: peak memory of a cold build {memory:.0f} MB", flush=True)
        if cold_only:
            return result
        getattr(tool, "after_cold", lambda: None)()
        subprocess.run(tool.command(output), check=True, capture_output=True)  # fills caches
        for run in range(runs):
            seconds, _ = timed(tool.command(output))
            result.unchanged.append(seconds)
            article.write_text(original + BODY_EDIT * (run + 1))
            sync(article)
            seconds, stdout = timed(tool.command(output))
            result.body_edit.append(seconds)
            result.body_edit_files.append(tool.written(stdout) or -1)
            article.write_text(edit_tags(original, run))
            sync(article)
            seconds, stdout = timed(tool.command(output))
            result.tag_edit.append(seconds)
            result.tag_edit_files.append(tool.written(stdout) or -1)
            article.write_text(original)
            sync(article)
            # sitegen trusts a file's mtime only once it is 2 s old (a file rewritten within
            # the clock's granularity can keep it): wait, so that the next "nothing changed"
            # build follows a build that could trust every file, as in real use.
            time.sleep(2.5)
            subprocess.run(tool.command(output), check=True, capture_output=True)
    finally:
        article.write_text(original)
        sync(article)
    return result


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "sitegen-bench")
    parser.add_argument(
        "--output-root", type=Path, default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    )
    parser.add_argument(
        "--pelican", action="store_true", help="also build with Pelican (installed from PyPI)"
    )
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument(
        "--others-cold-only",
        action="store_true",
        help="time only the other tools' cold builds: Hugo and Pelican build everything again "
        "on every run, so their rebuilds take as long (at 100,000 articles, Hugo's cold build "
        "took over 10 minutes here)",
    )
    args = parser.parse_args()
    output_root = args.output_root or args.work / "out"
    output_root = output_root / "sitegen-bench-out"
    output_root.mkdir(parents=True, exist_ok=True)
    tools: list[Tool] = [Sitegen()]
    if shutil.which("hugo") and not args.no_hugo:
        tools.append(Hugo())
    if args.pelican:
        tools.append(Pelican())
    print(f"{os.cpu_count()} CPUs; outputs in {output_root}; medians of {args.runs} runs\n")
    for size in (int(s) for s in args.sizes.split(",")):
        site = corpus(size, args.work)
        results = {
            tool.name: measure(
                tool,
                site,
                args.work,
                output_root,
                args.runs,
                args.others_cold_only and tool.name != "sitegen",
            )
            for tool in tools
        }
        print(f"### {size:,} articles\n")
        print("| tool | cold (s) | no change (s) | one body edit (s) | one tag edit (s) | peak memory (MB) |")
        print("| --- | --- | --- | --- | --- | --- |")
        for name, r in results.items():
            print(
                f"| {name} | {median(r.cold):.2f} | {median(r.unchanged):.2f} | {median(r.body_edit):.2f} | "
                f"{median(r.tag_edit):.2f} | {median(r.memory_mb):.0f} |"
            )
        ours = results["sitegen"]
        print(f"\nsitegen files rewritten: body edit {ours.body_edit_files}, tag edit {ours.tag_edit_files}")
        for name, other in results.items():
            if name == "sitegen":
                continue
            # Without its rebuilds timed, a tool's cold build stands for them (they redo it all).
            cold = median(other.cold)
            unchanged, body, tags = (
                median(found) if found else cold
                for found in (other.unchanged, other.body_edit, other.tag_edit)
            )
            note = "" if other.body_edit else " (against its cold build: its rebuilds were not timed)"
            print(
                f"ratios sitegen/{name}: cold {median(ours.cold) / cold:.2f}x, "
                f"no change {median(ours.unchanged) / unchanged:.3f}x, "
                f"body edit {median(ours.body_edit) / body:.3f}x, "
                f"tag edit {median(ours.tag_edit) / tags:.3f}x, "
                f"memory {median(ours.memory_mb) / median(other.memory_mb):.2f}x{note}"
            )
        print(flush=True)


if __name__ == "__main__":
    main()
