"""`pip install .` (not editable) into a fresh venv: the default theme must ship inside the wheel."""

from __future__ import annotations

import shutil
import site as python_site
import subprocess
import sys
import sysconfig
import venv  # noqa: F401 - fail early, with a clear ImportError, where venv is missing
from pathlib import Path

import pytest
from siteutil import REPO, article, run_subprocess, write_site


@pytest.mark.slow
def test_installed_package_builds_a_site_with_the_default_theme(tmp_path, monkeypatch):
    # Only the installed copy may be found: no PYTHONPATH leading to a checkout.
    monkeypatch.delenv("PYTHONPATH", raising=False)
    # Install from a copy, so that the build leaves nothing (build/, *.egg-info) in the repository.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".sitegen-*")
    shutil.copytree(REPO / "sitegen", source / "sitegen", ignore=ignore)
    shutil.copytree(REPO / "themes", source / "themes", ignore=ignore)

    # The wheel is built by this environment's own setuptools (the test extras bring one that
    # builds wheels by itself), never by the base interpreter's, which on a fresh machine may be
    # too old: no downloads, no build isolation.
    dist = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(dist), "."],
        cwd=source,
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = dist.glob("sitegen-*.whl")

    # A new venv of its own (no pip, no system packages) that sees this environment's installed
    # dependencies through a .pth file, and gets the wheel from this environment's pip. Paths
    # named in a .pth file are not scanned for .pth files, so the editable install stays out.
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    python = bin_dir / "python"
    inner_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    paths = sysconfig.get_paths()
    outer = {paths["purelib"], paths["platlib"], *python_site.getsitepackages()}
    Path(inner_site, "outer-environment.pth").write_text("\n".join(sorted(outer)) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
         "-q", str(wheel)],
        capture_output=True,
        text=True,
    )  # fmt: skip
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
    [css] = (public / "css").glob("style.*.css")  # under its fingerprinted name
    assert css.read_bytes() == (REPO / "themes" / "default" / "static" / "css" / "style.css").read_bytes()
    # The theme's words ship in the wheel, every language's file (sitegen/i18n.py).
    listed = subprocess.run(
        [str(python), "-c", "from sitegen.render.theme import builtin_themes_dir as b;"
         "print(' '.join(sorted(p.name for p in (b() / 'default' / 'i18n').glob('*.yaml'))))"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert listed == sorted(p.name for p in (REPO / "themes" / "default" / "i18n").glob("*.yaml"))
    assert {"en.yaml", "fr.yaml", "de.yaml", "es.yaml", "uk.yaml"} <= set(listed)
