"""Rebuilds, the reload channel and the error overlay's data, without a browser."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from liveutil import PATIENCE, EventStream, fetch, write_article

from sitegen.serve.http import EVENTS_PATH
from sitegen.serve.watch import Debouncer, is_relevant


def test_debouncer_turns_a_burst_into_one_call():
    calls: list[set[Path]] = []
    called = threading.Condition()

    def action(paths):
        with called:
            calls.append(paths)
            called.notify_all()

    debouncer = Debouncer(action, quiet=0.5)
    try:
        for i in range(500):
            debouncer.add(Path(f"/site/content/{i}.md"))
        with called:
            assert called.wait_for(lambda: calls, 30)
        # A later change is a call of its own: had the burst been split, a part would come first.
        debouncer.add(Path("/site/content/later.md"))
        with called:
            assert called.wait_for(lambda: len(calls) == 2, 30)
        assert len(calls[0]) == 500
        assert calls[1] == {Path("/site/content/later.md")}
    finally:
        debouncer.close()


def test_debouncer_waits_for_quiet_then_calls_again_for_later_changes():
    calls: list[tuple[float, set[Path]]] = []
    called = threading.Condition()

    def action(paths):
        with called:
            calls.append((time.monotonic(), paths))
            called.notify_all()

    debouncer = Debouncer(action, quiet=0.3)
    try:
        added = time.monotonic()
        debouncer.add(Path("/a"))
        with called:
            assert called.wait_for(lambda: calls, 30)
        assert calls[0][0] - added >= 0.3  # not before the quiet period was over
        debouncer.add(Path("/b"))
        with called:
            assert called.wait_for(lambda: len(calls) == 2, 30)
        assert [paths for _, paths in calls] == [{Path("/a")}, {Path("/b")}]
    finally:
        debouncer.close()


def test_only_site_inputs_are_relevant(tmp_path: Path):
    site = tmp_path
    assert is_relevant(site, site / "content" / "2024" / "a.md")
    assert is_relevant(site, site / "themes" / "default" / "static" / "css" / "x.css")
    assert is_relevant(site, site / "static" / "favicon.ico")
    assert is_relevant(site, site / "site.yaml")
    assert not is_relevant(site, site / "output" / "index.html")
    assert not is_relevant(site, site / "content" / ".a.md.swp")
    assert not is_relevant(site, site / "content" / "a.md~")
    assert not is_relevant(site, site / "content" / "4913")
    assert not is_relevant(site, site / ".git" / "index")


def wait_for(predicate, timeout=PATIENCE):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_save_rebuilds_and_sends_reload(preview, site: Path):
    events = EventStream(_events_url(preview))
    try:
        kind, hello = events.next_event()
        assert kind == "hello" and hello["errors"] == []
        write_article(site, "port-strike", "Port strike ends", "A brand new paragraph.\n")
        kind, data = events.next_event()
        assert kind == "reload"
        assert data["generation"] == hello["generation"] + 1
        _, _, body = fetch(preview.url + "articles/port-strike/")
        assert b"A brand new paragraph." in body
    finally:
        events.close()


def _events_url(preview) -> str:
    scheme, _, host = preview.url.split("/", 3)[:3]
    return f"{scheme}//{host}{EVENTS_PATH}"


def test_broken_front_matter_sends_errors_and_keeps_the_last_good_site(preview, site: Path):
    events = EventStream(_events_url(preview))
    try:
        events.next_event()
        broken = site / "content" / "2024" / "12" / "port-strike.md"
        broken.write_text("---\ntitle: [unclosed\ndate: 2024-12-03\n---\nBody\n", encoding="utf-8")
        kind, data = events.next_event()
        assert kind == "errors"
        assert data["errors"], data
        first = data["errors"][0]
        assert first["path"] == "content/2024/12/port-strike.md"
        assert isinstance(first["line"], int)
        assert "invalid YAML" in first["message"]
        status, _, body = fetch(preview.url + "articles/port-strike/")
        assert status == 200 and b"Port strike ends" in body  # the last good build
        # A page opened now learns about the errors from its first event.
        late = EventStream(_events_url(preview))
        kind, hello = late.next_event()
        assert kind == "hello" and hello["errors"][0]["path"] == "content/2024/12/port-strike.md"
        late.close()
        write_article(site, "port-strike", "Port strike ends", "Fixed.\n")
        kind, data = events.next_event()
        assert kind == "reload" and data["errors"] == []
    finally:
        events.close()


def test_css_change_sends_css_event(preview, site: Path):
    css = site / "themes" / "default" / "static" / "css" / "style.css"
    css.parent.mkdir(parents=True)
    events = EventStream(_events_url(preview))
    try:
        events.next_event()
        css.write_text("body { color: red; }\n")
        kind, _ = events.next_event()
        assert kind in ("reload", "css")  # creating the theme folder may count as more than CSS
        css.write_text("body { color: blue; }\n")
        kind, _ = events.next_event()
        assert kind == "css"
        _, _, body = fetch(preview.url + "css/style.css")
        assert b"color: blue" in body
    finally:
        events.close()


def test_deleted_article_disappears_from_every_listing(preview, site: Path):
    (site / "content" / "2024" / "12" / "cable-damage.md").unlink()
    assert wait_for(lambda: fetch(preview.url + "articles/cable-damage/")[0] == 404)
    for listing in ["", "tags/shipping/", "regions/europe/", "sources/meridian-wire/", "timeline/2024/12/"]:
        _, _, body = fetch(preview.url + listing)
        assert b"Cable damaged" not in body, listing


def test_the_preview_folder_is_kept_for_the_next_preview_and_not_shared(site: Path):
    from sitegen.cache import cache_folder
    from sitegen.serve import Preview

    first, second = Preview(site, port=0), Preview(site, port=0)
    first.start()
    second.start()
    try:
        # Two previews of one site at once: each builds into a folder of its own.
        assert first.output_dir != second.output_dir
        assert first.output_dir.is_relative_to(cache_folder(site))
        assert second.output_dir.is_relative_to(cache_folder(site))
    finally:
        second.stop()
        first.stop()
    again = Preview(site, port=0, report=(reports := []).append)
    again.start()
    try:
        assert again.output_dir == first.output_dir
        assert reports[0].ok
    finally:
        again.stop()


def test_without_a_usable_cache_folder_a_temporary_one_is_removed_on_stop(site: Path, tmp_path, monkeypatch):
    from sitegen.serve import Preview

    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("SITEGEN_CACHE_DIR", str(tmp_path / "not-a-folder"))
    server = Preview(site, port=0)
    server.start()
    workdir = server.output_dir.parent
    assert workdir.is_dir() and not workdir.is_relative_to(tmp_path / "not-a-folder")
    server.stop()
    assert not workdir.exists()


def test_a_build_process_that_dies_is_reported_and_replaced(preview, site: Path):
    import os
    import signal

    def build_processes() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == os.getpid() and b"sitegen.serve.builder" in command:
                found.append(int(entry.name))
        return found

    if not Path("/proc/self/stat").exists():
        pytest.skip("finds the build process through /proc (Linux)")
    (process,) = build_processes()
    os.kill(process, signal.SIGKILL)
    report = preview.rebuild(set())
    # Seen dead before the request went out, it is replaced at once; seen dead while
    # waiting for the answer, the build is reported failed.
    assert report.ok or "the build process stopped unexpectedly" in report.problems[0].message
    assert preview.rebuild(set()).ok
    (replacement,) = build_processes()
    assert replacement != process


def test_an_edition_is_added_edited_broken_and_removed_in_the_preview(start_preview, site: Path):
    """Edition files take part in the preview as articles do: each save rebuilds the
    edition's page, its email parts and the pages of the articles it picks."""
    edition = site / "content" / "editions" / "2024-12-05-brief.md"
    edition.parent.mkdir()
    preview = start_preview()
    events = EventStream(_events_url(preview))
    try:
        events.next_event()
        edition.write_text(
            "---\ntitle: The brief\narticles:\n  - {article: port-strike, note: First note}\n---\n"
        )
        kind, _ = events.next_event()
        assert kind == "reload"
        _, _, body = fetch(preview.url + "editions/2024-12-05-brief/")
        assert b"The brief" in body and b"First note" in body
        _, _, article = fetch(preview.url + "articles/port-strike/")
        assert b'href="/editions/2024-12-05-brief/"' in article
        edition.write_text(
            "---\ntitle: The brief\narticles:\n  - {article: cable-damage, note: Second note}\n---\n"
        )
        kind, _ = events.next_event()
        assert kind == "reload"
        _, _, text = fetch(preview.url + "editions/2024-12-05-brief/email.txt")
        assert b"Second note" in text and b"Cable damaged" in text and b"Port strike" not in text
        _, _, article = fetch(preview.url + "articles/port-strike/")
        assert b"/editions/2024-12-05-brief/" not in article
        edition.write_text("---\narticles:\n  - nowhere\n---\n")
        kind, data = events.next_event()
        assert kind == "errors"
        assert (data["errors"][0]["path"], data["errors"][0]["line"]) == (
            "content/editions/2024-12-05-brief.md",
            3,
        )
        edition.unlink()
        kind, _ = events.next_event()
        assert kind == "reload"
        assert fetch(preview.url + "editions/2024-12-05-brief/")[0] == 404
    finally:
        events.close()
