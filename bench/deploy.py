"""Deploy timings: each target's first deploy, one with nothing changed, and one after an edit.

    python bench/deploy.py --articles 2000

Writes a corpus with ../shared/bench/make_corpus.py (as bench/run.py does), builds it, then
for each target (a folder, rsync to a local folder, a local bare git repository, S3 as
moto's server serves it on loopback) deploys it with --no-build three times: into an empty
target, again with nothing changed, and after one article's body was edited and the site
rebuilt. Prints the wall-clock seconds of each `sitegen deploy` and its summary line.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"
SITE_YAML = 'title: "Benchmark"\nbase_url: "https://example.org/"\n'


def main() -> None:
    import boto3
    from moto.server import ThreadedMotoServer

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--corpus", type=Path, default=MAKE_CORPUS, help="make_corpus.py")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sitegen-deploy-bench-"))
    site = work / "site"
    subprocess.run(
        [sys.executable, str(args.corpus), str(site), "--articles", str(args.articles)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SITEGEN_CACHE_DIR": str(work / "cache"),
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    ).create_bucket(Bucket="bench")
    subprocess.run(["git", "init", "--quiet", "--bare", str(work / "remote.git")], check=True)
    targets = {
        "folder": f"type: folder\n  path: {work / 'folder'}",
        "rsync": f"type: rsync\n  target: {work / 'rsync'}",
        "git": f"type: git\n  remote: {work / 'remote.git'}",
        "s3": f"type: s3\n  bucket: bench\n  prefix: site\n  endpoint_url: {endpoint}",
    }
    article = sorted((site / "content").rglob("*.md"))[args.articles // 2]

    def sitegen(*arguments: str) -> tuple[float, str]:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "sitegen", *arguments, "--site", str(site)],
            capture_output=True,
            text=True,
            env=environment,
        )
        if done.returncode:
            raise SystemExit(done.stderr)
        return time.monotonic() - started, done.stdout.strip().splitlines()[-1]

    (site / "site.yaml").write_text(SITE_YAML)
    print(
        f"build: {sitegen('build')[0]:.1f} s, {sum(p.is_file() for p in (site / 'output').rglob('*'))} files"
    )
    try:
        for name, target in targets.items():
            (site / "site.yaml").write_text(f"{SITE_YAML}deploy:\n  {target}\n")
            first, _ = sitegen("deploy", "--no-build", "--force")
            unchanged, _ = sitegen("deploy", "--no-build", "--force")
            article.write_text(article.read_text() + f"\nOne more sentence for {name}.\n")
            sitegen("build")
            edited, summary = sitegen("deploy", "--no-build", "--force")
            print(
                f"{name}: first {first:.1f} s, unchanged {unchanged:.1f} s, "
                f"one edit {edited:.1f} s ({summary})"
            )
    finally:
        server.stop()
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
