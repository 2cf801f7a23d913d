from __future__ import annotations

from pathlib import Path

import pytest
from liveutil import write_article

from sitegen.serve import Preview


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "site.yaml").write_text('title: "Preview Test"\nbase_url: "https://example.org/"\n')
    write_article(site, "port-strike", "Port strike ends", "Dockworkers voted to accept the deal.\n")
    write_article(site, "cable-damage", "Cable damaged", "Investigators boarded a ship.\n", day=2)
    return site


@pytest.fixture
def start_preview(site: Path):
    """start_preview() -> a started Preview of `site`, its build reports in .reports; stopped
    after the test. Files written before the call are in its first build, not in a rebuild."""
    started = []

    def start() -> Preview:
        reports: list = []
        server = Preview(site, port=0, report=reports.append)
        server.reports = reports  # type: ignore[attr-defined]
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def preview(start_preview):
    return start_preview()
