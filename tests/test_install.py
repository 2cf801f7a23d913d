"""`pip install .` (not editable) into a fresh venv: the default theme must ship inside the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv  # noqa: F401 - fail early, with a clear ImportError, where venv is missing

import pytest
from siteutil import REPO, article, run_subprocess, write_site


@pytest.mark.slow
def test_installed_package_builds_a_site_with_the_default_theme(tmp_path):
    # Install from a copy, so that the build leaves nothing (build/, *.egg-info) in the repository.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".sitegen-*")
    shutil.copytree(REPO / "sitegen", source / "sitegen", ignore=ignore)
    shutil.copytree(REPO / "themes", source / "themes", ignore=ignore)

    env_dir = tmp_path / "venv"
    # --without-pip: the venv uses the pip and setuptools of this environment (no downloads, and
    # not the older setuptools that ensurepip would put in the venv).
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(env_dir)], check=True
    )
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    python = bin_dir / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "-q", "."],
        cwd=source,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    shutil.rmtree(source)  # nothing may come from the source folder from now on

    # The venv's own copy is the one that runs, not the editable checkout.
    where = subprocess.run(
        [str(python), "-c", "import sitegen; print(sitegen.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(env_dir)), where

    site = write_site(
        tmp_path / "site",
        {"content/2024/10/port-strike-ends.md": article(tags="[shipping]", region="Europe")},
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_subprocess(
        "build",
        "--site",
        site,
        "--output",
        tmp_path / "public",
        cwd=elsewhere,
        executable=[str(bin_dir / "sitegen")],
    )
    assert result.code == 0, result.err
    assert "Built" in result.out
    public = tmp_path / "public"
    for page in (
        "index.html",
        "articles/port-strike-ends/index.html",
        "tags/shipping/index.html",
        "404.html",
    ):
        assert 'class="masthead' in (public / page).read_text(encoding="utf-8"), page
    css = public / "css" / "style.css"
    assert css.read_bytes() == (REPO / "themes" / "default" / "static" / "css" / "style.css").read_bytes()
