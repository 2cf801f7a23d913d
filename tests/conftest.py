"""Fixtures: throwaway sites in tmp_path, and the command line run in-process or as a subprocess."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from siteutil import Run, run_subprocess, write_site

from sitegen.cli import main


@pytest.fixture(autouse=True, scope="session")
def _build_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory):
    """Keep the tests' build caches out of the user's own cache folder."""
    previous = os.environ.get("SITEGEN_CACHE_DIR")
    os.environ["SITEGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("sitegen-cache"))
    yield
    if previous is None:
        os.environ.pop("SITEGEN_CACHE_DIR", None)
    else:
        os.environ["SITEGEN_CACHE_DIR"] = previous


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a slow test (runs by default; deselect with -m 'not slow')")


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """make_site({path: text}, name='site') -> the site folder, written inside tmp_path."""

    def make(files: dict[str, str | bytes], name: str = "site") -> Path:
        return write_site(tmp_path / name, files)

    return make


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run `sitegen ARGS` in this process: cli('build', '--site', d) -> Run(code, out, err)."""

    def run(*args: str | Path) -> Run:
        capsys.readouterr()  # drop anything printed before
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def cli_subprocess() -> Callable[..., Run]:
    """Run `python -m sitegen ARGS` as a separate process: cli_subprocess('build', cwd=d)."""
    return run_subprocess
