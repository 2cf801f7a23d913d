"""The preview and the site's own strings: saving i18n/<language>.yaml renders the pages again."""

from __future__ import annotations

from pathlib import Path

from liveutil import EventStream, fetch

from sitegen.serve.http import EVENTS_PATH
from sitegen.serve.watch import is_relevant


def _events_url(preview) -> str:
    scheme, _, host = preview.url.split("/", 3)[:3]
    return f"{scheme}//{host}{EVENTS_PATH}"


def test_the_site_s_strings_are_watched(tmp_path: Path):
    assert is_relevant(tmp_path, tmp_path / "i18n" / "en.yaml")


def test_saving_the_site_s_strings_renders_the_pages_again(preview, site: Path):
    events = EventStream(_events_url(preview))
    try:
        kind, hello = events.next_event()
        assert kind == "hello" and hello["errors"] == []
        _, _, before = fetch(preview.url + "articles/port-strike/")
        assert b"Published</dt>" in before
        (site / "i18n").mkdir()
        (site / "i18n" / "en.yaml").write_text("article.published: First published\n", encoding="utf-8")
        kind, _ = events.next_event()
        assert kind == "reload"
        _, _, after = fetch(preview.url + "articles/port-strike/")
        assert b"First published</dt>" in after
        # An edit of the file, as an editor saves it, is seen too.
        (site / "i18n" / "en.yaml").write_text("article.published: Out on\n", encoding="utf-8")
        kind, _ = events.next_event()
        assert kind == "reload"
        _, _, again = fetch(preview.url + "articles/port-strike/")
        assert b"Out on</dt>" in again and b"First published" not in again
    finally:
        events.close()
