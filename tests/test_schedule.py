"""Scheduled and expired articles: the build's clock (`now`, one value per build, injected
here) holds back articles dated later, `--future` publishes them, the preview shows them with
a badge, and `expires:` takes an article out of every list but keeps its page, with a notice.
Incremental builds stay equal to clean builds as the clock passes those times."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from siteutil import article, run_subprocess, write_site

from sitegen import build
from sitegen.engine import Engine
from sitegen.errors import SiteError
from sitegen.model import plan_schedule
from sitegen.validate import Article

UTC = dt.UTC
SITE_YAML = (
    'title: "Test Briefing"\nbase_url: "https://example.org/"\nsearch: false\n'
    'timezone: "Europe/London"\nper_page: 10\n'
)


def files() -> dict[str, str]:
    return {
        "site.yaml": SITE_YAML,
        "content/old.md": article(title="Old", date="2024-12-01T08:00:00", tags="[energy]", story="Grid"),
        "content/soon.md": article(title="Soon", date="2024-12-06T09:00:00", tags="[energy]", story="Grid"),
        "content/later.md": article(title="Later", date="2024-12-09T10:30:00", tags="[energy]", story="Grid"),
        "content/brief.md": article(
            title="Brief", date="2024-12-02T08:00:00", tags="[energy]", story="Grid", expires="2024-12-04"
        ),
    }


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2024, 12, day, hour, tzinfo=UTC)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".sitegen-output" and "pagefind" not in p.parts
    }


def mentions(out: Path, word: str) -> set[str]:
    """The files of the output (search index aside) that hold `word`."""
    return {path for path, data in tree(out).items() if word.encode() in data}


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SITEGEN_CACHE_DIR", str(tmp_path / "cache"))
    return write_site(tmp_path / "site", files())


def searched(site: Path) -> None:
    (site / "site.yaml").write_text(SITE_YAML.replace("search: false", "search: true"), encoding="utf-8")


def test_an_article_dated_later_than_the_build_is_held_back(site: Path):
    searched(site)
    result = build(site, site / "out", jobs=1, now=at(3))
    out = site / "out"
    assert result.held_back == 2
    assert result.next_scheduled == dt.datetime(2024, 12, 6, 9, 0, tzinfo=dt.timezone(dt.timedelta(0)))
    assert not (out / "articles/soon").exists() and not (out / "articles/later").exists()
    # In no listing, feed, the sitemap, the story, related lists or the search index.
    assert mentions(out, "articles/soon/") == set()
    assert mentions(out, ">Soon<") == set()
    assert b"soon" not in (out / "sitemap.xml").read_bytes()
    index = b"".join(p.read_bytes() for p in (out / "pagefind").rglob("*") if p.is_file())
    assert b"/articles/soon/" not in index
    assert (out / "articles/old/index.html").exists()


def test_the_summary_line_says_what_was_held_back(tmp_path: Path):
    root = write_site(
        tmp_path,
        {
            "site.yaml": SITE_YAML,
            "content/now.md": article(title="Now", date="2024-12-01"),
            "content/a.md": article(title="A", date="2999-12-06T10:00:00+01:00"),  # 09:00 in London
            "content/b.md": article(title="B", date="2999-12-07T09:00:00+01:00"),
        },
    )
    result = run_subprocess("build", "--site", root, "--no-cache")
    assert result.code == 0, result.err
    assert "from 1 articles (2 scheduled articles held back, the next at 2999-12-06 09:00)" in result.out
    assert not (root / "output/articles/a").exists()
    future = run_subprocess("build", "--site", root, "--no-cache", "--future")
    assert future.code == 0 and "held back" not in future.out
    assert (root / "output/articles/a/index.html").exists()
    one = write_site(tmp_path / "one", {"content/a.md": article(title="A", date="2999-01-02T03:04:00")})
    assert (
        "(1 scheduled article held back, due at 2999-01-02 03:04)"
        in run_subprocess("build", "--site", one).out
    )
    check = run_subprocess("check", "--site", root, "--future")
    assert check.code == 0 and "3 articles checked" in check.out


def test_future_publishes_them_with_a_badge(site: Path):
    result = build(site, site / "out", jobs=1, now=at(3), future=True)
    assert result.held_back == 0 and result.next_scheduled is None
    page = (site / "out/articles/soon/index.html").read_text(encoding="utf-8")
    assert "Soon" in page
    assert "badge-scheduled" in page  # published ahead of its date: the page says so
    assert "articles/soon/" in (site / "out/index.html").read_text(encoding="utf-8")


SCHEDULED_BADGE = '<span class="badge badge-scheduled">Scheduled</span>'
CARD = re.compile(r'<article class="card[^"]*">.*?</article>', re.DOTALL)
CARD_TITLE = re.compile(r'class="card-title"><a href="[^"]*">([^<]*)</a>')


def badged_cards(page: Path) -> dict[str, bool]:
    """Each card of a listing page by its article's title: does it carry the scheduled badge?"""
    cards = CARD.findall(page.read_text(encoding="utf-8"))
    return {CARD_TITLE.search(card)[1]: SCHEDULED_BADGE in card for card in cards}  # type: ignore[index]


def test_future_marks_the_cards_of_scheduled_articles_in_every_listing(tmp_path: Path):
    """`sitegen build --future`: a scheduled article's card says so, as its page does, on the
    home page, its tag's page and every other listing; the other cards do not. Without
    --future the article is nowhere."""
    root = write_site(
        tmp_path,
        {
            "site.yaml": SITE_YAML,
            "content/now.md": article(title="Now", date="2024-12-01", tags="[energy]", region="[Europe]"),
            "content/then.md": article(title="Then", date="2024-11-20", tags="[energy]", region="[Europe]"),
            "content/ahead.md": article(
                title="Ahead", date="2999-12-06T10:00:00", tags="[energy]", region="[Europe]", story="Grid"
            ),
        },
    )
    result = run_subprocess("build", "--site", root, "--no-cache", "--future")
    assert result.code == 0, result.err
    out = root / "output"
    for listing in ("", "tags/energy/", "regions/europe/", "timeline/2999/12/"):
        cards = badged_cards(out / listing / "index.html")
        assert cards["Ahead"], f"no badge on the scheduled article's card in {listing}"
        assert not any(badged for title, badged in cards.items() if title != "Ahead"), listing
    assert badged_cards(out / "tags/energy/index.html").keys() == {"Ahead", "Now", "Then"}
    assert SCHEDULED_BADGE in (out / "articles/ahead/index.html").read_text(encoding="utf-8")
    assert SCHEDULED_BADGE in (out / "stories/grid/index.html").read_text(encoding="utf-8")
    assert SCHEDULED_BADGE not in (out / "articles/now/index.html").read_text(encoding="utf-8")
    # Published on time: no article is scheduled, no card has the badge.
    held = run_subprocess("build", "--site", root, "--no-cache")
    assert held.code == 0 and "1 scheduled article held back" in held.out
    assert mentions(out, "Ahead") == set() and mentions(out, SCHEDULED_BADGE) == set()
    assert badged_cards(out / "index.html") == {"Now": False, "Then": False}


def test_the_preview_publishes_scheduled_articles_with_a_badge(site: Path):
    """sitegen serve builds as its Engine does: future on (sitegen/serve/builder.py)."""
    engine = Engine(site, jobs=1, future=True, fingerprint=False)
    engine.build(site / "preview", in_place=True, now=at(3))
    soon = (site / "preview/articles/soon/index.html").read_text(encoding="utf-8")
    old = (site / "preview/articles/old/index.html").read_text(encoding="utf-8")
    assert SCHEDULED_BADGE in soon
    assert "badge-scheduled" not in old
    home, tag = site / "preview/index.html", site / "preview/tags/energy/index.html"
    for listing in (home, tag):
        assert badged_cards(listing) == {"Later": True, "Soon": True, "Brief": False, "Old": False}
    # The clock passes its date: the badge goes, from its page and its cards, with no file changed.
    engine.build(site / "preview", changed=[], in_place=True, now=at(7))
    assert "badge-scheduled" not in (site / "preview/articles/soon/index.html").read_text(encoding="utf-8")
    assert "badge-scheduled" in (site / "preview/articles/later/index.html").read_text(encoding="utf-8")
    for listing in (home, tag):
        assert badged_cards(listing) == {"Later": True, "Soon": False, "Old": False}


def test_an_expired_article_keeps_its_page_with_a_notice_and_leaves_every_list(site: Path):
    searched(site)
    build(site, site / "out", jobs=1, now=at(5))
    out = site / "out"
    page = (out / "articles/brief/index.html").read_text(encoding="utf-8")
    assert "This article expired on" in page and "4 December 2024" in page
    assert "data-pagefind-body" not in page  # out of search too
    others = mentions(out, "articles/brief/") - {"articles/brief/index.html"}
    assert others == set(), f"an expired article is still listed in {sorted(others)}"
    assert b"brief" not in (out / "sitemap.xml").read_bytes()
    index = b"".join(p.read_bytes() for p in (out / "pagefind").rglob("*") if p.is_file())
    assert b"/articles/brief/" not in index
    # Before its expiry it is listed like any article.
    build(site, site / "before", jobs=1, now=at(3))
    assert "articles/brief/" in (site / "before/index.html").read_text(encoding="utf-8")
    assert "articles/brief/" in (site / "before/feed.xml").read_text(encoding="utf-8")
    assert "articles/brief/" in (site / "before/stories/grid/index.html").read_text(encoding="utf-8")
    assert "expired" not in (site / "before/articles/brief/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tomorrow", "expires: 'tomorrow' is not a valid date"),
        ("2024-11-30", "expires: 2024-11-30T00:00:00+00:00 is not after the article's date"),
        ("[2025-01-01]", "expires: expected a date such as 2024-12-03, got a list"),
    ],
)
def test_a_bad_expiry_is_an_error_at_its_line(tmp_path: Path, value: str, message: str):
    root = write_site(tmp_path, {"content/a.md": article(date="2024-12-01", expires=value)})
    with pytest.raises(SiteError) as caught:
        build(root, root / "out", jobs=1, use_cache=False, now=at(3))
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("content/a.md", 5)
    assert problem.message.startswith(message)


@pytest.mark.parametrize("cache", ["build cache", "in memory"])
def test_an_incremental_build_equals_a_clean_build_as_the_clock_passes(site: Path, cache: str):
    """No file changes between builds; the clock passes a scheduled date, an expiry, another
    date, and is turned back: every build gives a clean build's bytes at that time."""
    engine = Engine(site, jobs=1, future=cache == "in memory")  # as the preview builds
    for number, now in enumerate([at(1), at(3), at(5), at(6, 9), at(8), at(10), at(2)]):
        if cache == "in memory":
            engine.build(site / "out", changed=[] if number else None, in_place=True, now=now)
        else:
            result = build(site, site / "out", jobs=1, now=now)
            assert result.held_back == sum(now < moment for moment in (at(2, 8), at(6, 9), at(9, 10)))
        clean = site / f"clean-{number}"
        build(site, clean, jobs=1, use_cache=False, now=now, future=cache == "in memory")
        assert tree(site / "out") == tree(clean), f"stale at {now}"
        shutil.rmtree(clean)


def test_a_build_with_nothing_changed_still_notices_the_clock(site: Path):
    """The cache's shortcut (no input changed, output intact) holds only while no article's
    date or expiry has passed since the build it recorded."""
    build(site, site / "out", jobs=1, now=at(3))
    again = build(site, site / "out", jobs=1, now=at(3, 20))
    assert again.rendered == 0 and again.held_back == 2  # nothing passed: the shortcut
    later = build(site, site / "out", jobs=1, now=at(6, 10))
    assert later.rendered > 0 and later.held_back == 1
    assert (site / "out/articles/soon/index.html").exists()
    assert "This article expired" in (site / "out/articles/brief/index.html").read_text(encoding="utf-8")


# --- The span over which a schedule holds -----------------------------------------------------

MOMENTS = st.integers(0, 40).map(
    lambda hours: dt.datetime(2024, 12, 1, tzinfo=UTC) + dt.timedelta(hours=hours)
)


@st.composite
def dated_articles(draw: st.DrawFn) -> list[Article]:
    found = []
    for number in range(draw(st.integers(0, 6))):
        date = draw(MOMENTS)
        expires = draw(st.one_of(st.none(), MOMENTS.filter(lambda moment, date=date: moment > date)))
        found.append(
            Article(
                slug=f"a{number}", title="T", date=date, has_time=True, source="S", source_url=None,
                regions=(), tags=(), summary="", summary_from_body=True, author=None, image=None,
                image_caption=None, updated=None, draft=False, path=f"content/a{number}.md",
                expires=expires,
            )
        )  # fmt: skip
    return found


@settings(max_examples=500, deadline=None)
@given(articles=dated_articles(), first=MOMENTS, second=MOMENTS, future=st.booleans())
def test_a_schedule_that_holds_at_another_time_decides_the_same_then(
    articles: list[Article], first: dt.datetime, second: dt.datetime, future: bool
):
    """The engine keeps its model while Schedule.holds_at(now): that must mean the clock at
    `now` would decide exactly what it decided, and a clock at which it does not hold must
    decide something else (else models would be made again for nothing)."""
    before = plan_schedule(articles, first, future)
    after = plan_schedule(articles, second, future)
    decided = lambda s: (s.held_back, s.scheduled, s.expired)  # noqa: E731
    if before.holds_at(second):
        assert after == before
    else:
        assert decided(after) != decided(before) or not articles
