import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from siteutil import article

from sitegen.config import SiteConfig
from sitegen.engine import Engine
from sitegen.load import load_file
from sitegen.validate import first_paragraph, validate_file

UTC = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")


def source_of(tmp_path, text: str, name: str = "a.md"):
    path = tmp_path / "content" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    source, problems = load_file(path, f"content/{name}")
    assert source is not None, problems
    return source


def validate(tmp_path, text: str, tz=UTC, name: str = "a.md"):
    article, _, problems = validate_file(source_of(tmp_path, text, name), tz)
    return article, problems


def read_articles(site_dir):
    files, problems = Engine(site_dir, use_cache=False).read_articles(SiteConfig())
    return [f.article for f in files.values() if f.article], problems


def ok(tmp_path, text: str, tz=UTC):
    result, problems = validate(tmp_path, text, tz)
    assert [p for p in problems if p.is_error] == []
    return result


def bad(tmp_path, text: str, tz=UTC):
    """The one error of a file: (line, message)."""
    result, problems = validate(tmp_path, text, tz)
    errors = [p for p in problems if p.is_error]
    assert result is None
    assert len(errors) == 1, errors
    assert errors[0].path == "content/a.md"
    return errors[0].line, errors[0].message


def test_a_valid_article(tmp_path):
    a = ok(tmp_path, article(source_url="https://meridianwire.example/x", region="Europe", tags="[a, b]"))
    assert a.title == "Port strike ends"
    assert a.source == "Meridian Wire"
    assert a.source_url == "https://meridianwire.example/x"
    assert a.regions == ("Europe",)
    assert a.tags == ("a", "b")
    assert a.slug == "a"
    assert a.draft is False
    assert a.path == "content/a.md"
    assert a.url_path == "articles/a/"


# --- required fields -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["title", "date", "source"])
def test_required_field_missing(tmp_path, key):
    text = "".join(line + "\n" for line in article().splitlines() if not line.startswith(f"{key}:"))
    line, message = bad(tmp_path, text)
    assert line is None
    assert message.startswith(f"{key}: missing")


@pytest.mark.parametrize(("key", "line"), [("title", 2), ("source", 4)])
@pytest.mark.parametrize("value", ['""', "'  '", "~", "''"])
def test_required_field_empty(tmp_path, key, line, value):
    text = article(**{key: "PLACEHOLDER"}).replace(f'{key}: "PLACEHOLDER"', f"{key}: {value}")
    got_line, message = bad(tmp_path, text)
    assert got_line == line
    assert message.startswith(f"{key}:")


@pytest.mark.parametrize(
    ("key", "value", "line"),
    [
        ("title", "[a, b]", 2),
        ("title", "{a: 1}", 2),
        ("title", "true", 2),
        ("source", "[x]", 4),
        ("source_url", "[x]", 5),
        ("image", "{a: 1}", 5),
    ],
)
def test_wrong_type_names_the_key_and_line(tmp_path, key, value, line):
    text = article(**{key: "PLACEHOLDER"}).replace(f'{key}: "PLACEHOLDER"', f"{key}: {value}")
    if key not in ("title", "source"):
        text = article(**{key: value})
    got_line, message = bad(tmp_path, text)
    assert message.startswith(f"{key}: expected")
    assert got_line == line


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "has_time"),
    [
        ("2024-12-03", dt.datetime(2024, 12, 3, tzinfo=UTC), False),
        ("'2024-12-03'", dt.datetime(2024, 12, 3, tzinfo=UTC), False),
        ("2024-12-03T14:05", dt.datetime(2024, 12, 3, 14, 5, tzinfo=UTC), True),
        ("2024-12-03 14:05", dt.datetime(2024, 12, 3, 14, 5, tzinfo=UTC), True),
        ("2024-12-03 14:05:00+02:00", dt.datetime(2024, 12, 3, 12, 5, tzinfo=UTC), True),
        ("2024-12-03T14:05:00Z", dt.datetime(2024, 12, 3, 14, 5, tzinfo=UTC), True),
        ("'2024-12-03T14:05:00+02:00'", dt.datetime(2024, 12, 3, 12, 5, tzinfo=UTC), True),
    ],
)
def test_date_forms(tmp_path, value, expected, has_time):
    a = ok(tmp_path, article(date=value))
    assert a.date == expected
    assert a.date.utcoffset() == dt.timedelta(0)
    assert a.has_time is has_time


def test_date_without_offset_is_in_the_site_timezone(tmp_path):
    a = ok(tmp_path, article(date="2024-07-01T09:00"), tz=ZoneInfo("Europe/Berlin"))
    assert a.date.isoformat() == "2024-07-01T09:00:00+02:00"
    a = ok(tmp_path, article(date="2024-12-01 09:00:00"), tz=ZoneInfo("Europe/Berlin"))
    assert a.date.isoformat() == "2024-12-01T09:00:00+01:00"
    a = ok(tmp_path, article(date="2024-07-01"), tz=NEW_YORK)
    assert a.date.isoformat() == "2024-07-01T00:00:00-04:00"


def test_late_evening_with_offset_stays_on_its_own_day_in_the_site_timezone(tmp_path):
    a = ok(tmp_path, article(date="2024-11-06T23:30:00-05:00"), tz=NEW_YORK)
    assert (a.date.year, a.date.month, a.date.day, a.date.hour) == (2024, 11, 6, 23)
    assert a.date.utcoffset() == dt.timedelta(hours=-5)  # New York's offset on that day
    # the same moment, filed in UTC, is the next day
    a = ok(tmp_path, article(date="2024-11-06T23:30:00-05:00"), tz=UTC)
    assert (a.date.day, a.date.hour) == (7, 4)


def test_dates_convert_to_the_site_timezone(tmp_path):
    a = ok(tmp_path, article(date="2024-12-03T14:05:00+09:00"), tz=NEW_YORK)
    assert a.date.isoformat() == "2024-12-03T00:05:00-05:00"


@pytest.mark.parametrize(
    "value", ["2024-13-45", "'yesterday'", "2024-02-30", "'12/03/2024'", "'2024-12-03T25:00'"]
)
def test_invalid_date(tmp_path, value):
    line, message = bad(tmp_path, article(date=value))
    assert line == 3
    assert message.startswith("date: ") and "is not a valid date" in message


@pytest.mark.parametrize("value", ["2024", "[2024-12-03]", "true", "{a: 1}"])
def test_date_of_the_wrong_type(tmp_path, value):
    line, message = bad(tmp_path, article(date=value))
    assert line == 3 and message.startswith("date: expected a date")


def test_updated_is_a_date_too(tmp_path):
    a = ok(tmp_path, article(updated="2024-10-12"))
    assert a.updated == dt.datetime(2024, 10, 12, tzinfo=UTC)
    line, message = bad(tmp_path, article(updated="soon"))
    assert line == 5 and message.startswith("updated:")


# --- source_url, region, tags, summary, author ------------------------------------------------


@pytest.mark.parametrize("url", ["http://a.example/x", "https://a.example/x?y=1"])
def test_source_url_http_and_https(tmp_path, url):
    assert ok(tmp_path, article(source_url=url)).source_url == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://a.example/x",
        "//a.example/x",
        "/local",
        "a.example",
        "https://",
        "http://:80/x",
        "https://user@/x",  # no host name
    ],
)
def test_source_url_other_schemes_rejected(tmp_path, url):
    line, message = bad(tmp_path, article(source_url=f"'{url}'"))
    assert line == 5 and message.startswith("source_url:")


def test_region_string_or_list(tmp_path):
    assert ok(tmp_path, article(region="Europe")).regions == ("Europe",)
    assert ok(tmp_path, article(region="'Middle East, Gulf'")).regions == ("Middle East, Gulf",)
    assert ok(tmp_path, article(region="[Europe, East Asia]")).regions == ("Europe", "East Asia")
    line, message = bad(tmp_path, article(region="{a: 1}"))
    assert line == 5 and message.startswith("region:")
    line, message = bad(tmp_path, article(region="[Europe, [x]]"))
    assert line == 5 and message.startswith("region:")


def test_tags_list_or_comma_string(tmp_path):
    assert ok(tmp_path, article(tags="[shipping, port-strike]")).tags == ("shipping", "port-strike")
    assert ok(tmp_path, article(tags="'shipping, port-strike ,, trade'")).tags == (
        "shipping",
        "port-strike",
        "trade",
    )
    assert ok(tmp_path, article(tags="shipping")).tags == ("shipping",)
    # the same tag twice in one article counts once
    assert ok(tmp_path, article(tags="[Ukraine, ukraine]")).tags == ("Ukraine",)
    line, message = bad(tmp_path, article(tags="{a: 1}"))
    assert line == 5 and message.startswith("tags:")
    line, message = bad(tmp_path, article(tags="['!!']"))
    assert line == 5 and "letters or digits" in message


def test_summary_given(tmp_path):
    a = ok(tmp_path, article(summary="'In short.'"))
    assert (a.summary, a.summary_from_body) == ("In short.", False)


def test_summary_defaults_to_the_first_paragraph_as_plain_text(tmp_path):
    body = (
        "# A heading\n\n![map](/img/map.png)\n\n"
        "The **port** of [Rotterdam](https://example.org/r) reopened on\n"
        "*Monday* after `nine` days.\n\nSecond paragraph."
    )
    a = ok(tmp_path, article(body=body))
    assert a.summary == "The port of Rotterdam reopened on Monday after nine days."
    assert a.summary_from_body is True


@pytest.mark.parametrize(
    ("markdown", "summary"),
    [
        ("", ""),
        ("- a list\n- only", ""),
        ("> a quote\n\nThen <em>text</em>.", "Then text."),
        ("Line one\nline two", "Line one line two"),
    ],
)
def test_first_paragraph(markdown, summary):
    assert first_paragraph(markdown) == summary


def test_author_text_or_list(tmp_path):
    assert ok(tmp_path, article(author="'Ingrid Maas'")).author == "Ingrid Maas"
    assert ok(tmp_path, article(author="[Ingrid Maas, Jonas Berg]")).author == "Ingrid Maas, Jonas Berg"
    assert ok(tmp_path, article()).author is None


def test_image_and_caption(tmp_path):
    a = ok(tmp_path, article(image="/images/x.jpg", image_caption="'A crane.'"))
    assert (a.image, a.image_caption) == ("/images/x.jpg", "A crane.")


# --- slug, draft -------------------------------------------------------------------------------


def test_slug_defaults_to_the_file_name(tmp_path):
    result, problems = validate(tmp_path, article(), name="2024/10/Port Strike_Ends.md")
    assert problems == []
    assert result.slug == "port-strike-ends"


def test_slug_given(tmp_path):
    assert ok(tmp_path, article(slug="port-strike-2024")).slug == "port-strike-2024"


@pytest.mark.parametrize(
    "value",
    ["a/b", "'..'", "../../etc", "'../x'", "Port", "port strike", "port--strike", "-x", "3", "[a]", "''"],
)
def test_bad_slug(tmp_path, value):
    line, message = bad(tmp_path, article(slug=value))
    assert line == 5
    assert message.startswith("slug:")


def test_draft(tmp_path):
    assert ok(tmp_path, article(draft="true")).draft is True
    assert ok(tmp_path, article(draft="false")).draft is False
    for value in ["'yes'", "1", "'true'"]:
        line, message = bad(tmp_path, article(draft=value))
        assert line == 5 and message.startswith("draft:")


# --- extra keys, near misses --------------------------------------------------------------------


def test_extra_keys_reach_meta_without_a_warning(tmp_path):
    result, problems = validate(tmp_path, article(dateline="ROTTERDAM", desk="'Europe desk'", priority=2))
    assert problems == []
    assert result.meta == {"dateline": "ROTTERDAM", "desk": "Europe desk", "priority": 2}


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("tgas", "tags"),
        ("sumary", "summary"),
        ("regoin", "region"),
        ("Source_URL", "source_url"),
        ("autor", "author"),
    ],
)
def test_near_miss_warns_with_file_and_line(tmp_path, key, meant):
    result, problems = validate(tmp_path, article(**{key: "x"}))
    assert result is not None
    [problem] = problems
    assert not problem.is_error
    assert (problem.path, problem.line) == ("content/a.md", 5)
    assert f"{key!r}" in problem.message and f"{meant!r}" in problem.message
    assert str(problem).startswith("content/a.md:5: warning:")
    assert result.meta == {key: "x"}


def test_capitalised_date_warns_and_date_is_still_missing(tmp_path):
    text = article().replace("date:", "Date:")
    result, problems = validate(tmp_path, text)
    assert result is None
    messages = {(p.is_error, p.line, p.message.split(":")[0]) for p in problems}
    assert (True, None, "date") in messages
    [warning] = [p for p in problems if not p.is_error]
    assert warning.line == 3 and "'Date'" in warning.message and "'date'" in warning.message


# --- rules across files ---------------------------------------------------------------------------


def test_every_error_of_a_file_together(tmp_path):
    text = '---\ntitle: ""\ndate: 2024-13-45\nsource_url: ftp://x\nslug: a/b\ndraft: maybe\n---\nBody\n'
    result, problems = validate(tmp_path, text)
    assert result is None
    assert sorted((p.line or 0) for p in problems if p.is_error) == [0, 2, 3, 4, 5, 6]


def test_duplicate_slugs_name_both_files(tmp_path):
    source_of(tmp_path, article(), name="2024/10/port-strike.md")
    source_of(tmp_path, article(title="Again"), name="2024/11/port-strike.md")
    source_of(tmp_path, article(title="Other", slug="port-strike"), name="2024/12/other.md")
    _, problems = read_articles(tmp_path)
    errors = [p for p in problems if p.is_error]
    assert len(errors) == 2
    by_path = {p.path: p for p in errors}
    assert set(by_path) == {"content/2024/11/port-strike.md", "content/2024/12/other.md"}
    assert all("content/2024/10/port-strike.md" in p.message for p in errors)
    assert by_path["content/2024/12/other.md"].line == 5


def test_same_source_url_twice_is_a_warning(tmp_path):
    source_of(tmp_path, article(source_url="https://a.example/x"), name="one.md")
    source_of(tmp_path, article(source_url="https://a.example/x/"), name="two.md")
    articles, problems = read_articles(tmp_path)
    assert len(articles) == 2
    [problem] = problems
    assert not problem.is_error and problem.path == "content/two.md" and "content/one.md" in problem.message


def test_numbers_where_text_is_expected_are_errors_with_a_hint(tmp_path):
    text = "---\ntitle: 2024\ndate: 2024-12-03\nsource: Wire\n---\nBody\n"
    line, message = bad(tmp_path, text)
    assert line == 2 and message == "title: expected text, got 2024 (put it in quotes if it is meant as text)"
    line, message = bad(tmp_path, article(tags="[2024, elections]"))
    assert line == 5 and message.startswith("tags: each item must be text, got 2024")
    line, message = bad(tmp_path, article(region="{a: 1}"))
    assert line == 5 and message == "region: expected a list of names, got a set of keys"


@pytest.mark.parametrize(
    "image", ["'javascript:alert(1)'", "'data:image/png;base64,AAAA'", "'ftp://x.example/a.png'"]
)
def test_image_must_be_a_path_or_web_url(tmp_path, image):
    line, message = bad(tmp_path, article(image=image))
    assert line == 5 and message.startswith("image: ")


@pytest.mark.parametrize("image", ["/images/map.png", "images/map.png", "https://cdn.example/map.png"])
def test_image_paths_and_web_urls_are_accepted(tmp_path, image):
    assert ok(tmp_path, article(image=image)).image == image


@pytest.mark.parametrize(
    ("date", "tz", "shown"),
    [
        ("2024-10-27T02:30:00+01:00", "Europe/Berlin", "2024-10-27T02:30:00+01:00"),
        ("2024-10-27T00:30:00Z", "Europe/Berlin", "2024-10-27T02:30:00+02:00"),
        ("2024-10-27T01:30:00Z", "Europe/Berlin", "2024-10-27T02:30:00+01:00"),
        ("2024-11-03T01:30:00-05:00", "America/New_York", "2024-11-03T01:30:00-05:00"),
    ],
)
def test_a_date_in_a_repeated_hour_keeps_the_offset_of_its_instant(tmp_path, date, tz, shown):
    a = ok(tmp_path, article(date=date), tz=ZoneInfo(tz))
    assert a.date.isoformat() == shown
    assert a.date == dt.datetime.fromisoformat(date.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("date", "tz"),
    [
        ("0001-01-01T00:00:00+00:01", UTC),
        ("9999-12-31T23:59:59-00:01", UTC),
        ("0001-01-01", ZoneInfo("Asia/Tokyo")),
        ("9999-12-31T23:00:00", ZoneInfo("America/New_York")),
        ("'9999-12-31T23:00:00Z'", ZoneInfo("Asia/Tokyo")),
    ],
)
def test_a_date_that_leaves_the_years_1_to_9999_in_utc_or_the_site_timezone(tmp_path, date, tz):
    line, message = bad(tmp_path, article(date=date), tz=tz)
    assert line == 3
    assert message.startswith("date: ") and "too close to the year 1 or 9999" in message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("source_url", "http://[x/"),
        ("source_url", "https://[::1/"),
        ("source_url", "https://exa\uff03mple.org/"),
        ("image", "//[cdn/map.png"),
        ("image", "https://[x/map.png"),
    ],
)
def test_a_url_urllib_cannot_split_is_an_error(tmp_path, key, value):
    line, message = bad(tmp_path, article(**{key: f'"{value}"'}))
    assert line == 5 and message.startswith(f"{key}: ")


@pytest.mark.parametrize("repeated", ["[", "![", "<", "[a](", "[a][", "[x]("])
def test_the_default_summary_takes_linear_time_on_hostile_bodies(repeated):
    # Each pattern used to scan to the end of the paragraph from every '[': 20,000 '[' took
    # about 5 seconds, these 200,000 would take minutes.
    body = "Text " + repeated * (200_000 // len(repeated))
    started = time.perf_counter()
    summary = first_paragraph(body)
    assert time.perf_counter() - started < 10
    assert summary.startswith("Text ")


def test_the_default_summary_of_nested_brackets_keeps_the_outer_text():
    assert first_paragraph("[x [a](u) y] and [b](v)") == "[x a y] and b"
