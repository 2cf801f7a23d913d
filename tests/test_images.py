"""Images: the copies a local image is published as (widths, formats, metadata stripped,
orientation applied), their markup, their cache, errors and warnings, and social cards."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from siteutil import DEFAULT_SITE_YAML, REPO, article, write_site

from sitegen.engine import Engine
from sitegen.errors import SiteError
from sitegen.images import body_images, local_label
from sitegen.imaging import (
    CARD_SIZE,
    DEFAULT_COLOURS,
    WIDTHS,
    CardStyle,
    CardText,
    draw_card,
    theme_colours,
    variant_widths,
)

CARDS = DEFAULT_SITE_YAML.replace("social_cards: false", "social_cards: true")
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo(
    width: int, height: int, form: str = "JPEG", orientation: int | None = None, gps: bool = False
) -> bytes:
    """An image whose left half is red and right half blue (so that a turn shows), with
    EXIF (a camera make, and the orientation and a GPS position if asked), and, for
    JPEG, an ICC profile."""
    image = Image.new("RGB", (width, height), (220, 30, 30))
    image.paste((30, 30, 220), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[0x010F] = "Example Camera Co."
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (50.0, 27.0, 0.0), 3: "E", 4: (30.0, 31.0, 0.0)})
    out = io.BytesIO()
    options: dict[str, object] = {"exif": exif}
    if form == "JPEG":
        from PIL import ImageCms

        options["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image.save(out, form, **options)
    return out.getvalue()


def build(site: Path, output: Path | None = None, **options: object):
    engine = Engine(site, jobs=1, **options)  # type: ignore[arg-type]
    return engine, engine.build(output or site.parent / f"{site.name}-out")


class _Images(HTMLParser):
    """Every <img> and <source> of a page, as attribute dicts."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.sources: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))
        elif tag == "source":
            self.sources.append(dict(attrs))


def images_of(page: Path) -> _Images:
    parser = _Images()
    parser.feed(page.read_text("utf-8"))
    return parser


def published(output: Path, srcset: str) -> dict[int, Path]:
    """The files of a srcset by their width."""
    found = {}
    for candidate in srcset.split(","):
        url, width = candidate.split()
        found[int(width.rstrip("w"))] = output / url.lstrip("/")
    return found


def site_with(tmp_path: Path, files: dict[str, str | bytes], yaml: str = DEFAULT_SITE_YAML) -> Path:
    return write_site(tmp_path / "site", {"site.yaml": yaml, **files})


# Widths, formats, metadata, orientation ------------------------------------------------------


@given(st.integers(min_value=1, max_value=5000))
def test_no_copy_is_wider_than_the_original_and_the_widest_is_as_wide_as_it_can_be(width: int):
    widths = variant_widths(width)
    assert list(widths) == sorted(set(widths))
    assert max(widths) == min(width, WIDTHS[-1])
    assert all(w in WIDTHS for w in widths[:-1])
    assert [w for w in WIDTHS if w < width] == [w for w in widths if w in WIDTHS and w < width]


def test_a_lead_image_is_published_in_each_width_as_webp_and_jpeg_without_metadata(tmp_path: Path):
    site = site_with(
        tmp_path,
        {
            "content/2024/strike.md": article(image="photo.jpg", image_alt='"Dockers at the gate"'),
            "content/2024/photo.jpg": photo(2000, 1000, gps=True),
        },
    )
    output = tmp_path / "out"
    engine, result = build(site, output)
    page = output / "articles" / "strike" / "index.html"
    found = images_of(page)
    [lead] = found.images
    [webp] = found.sources
    assert webp["type"] == "image/webp"
    assert lead["width"] == "1600" and lead["height"] == "800"
    assert lead["alt"] == "Dockers at the gate"
    assert "loading" not in lead and lead["decoding"] == "async" and lead["fetchpriority"] == "high"
    assert lead["sizes"] and webp["sizes"] == lead["sizes"]
    for srcset, form in ((lead["srcset"], "JPEG"), (webp["srcset"], "WEBP")):
        files = published(output, srcset or "")
        assert sorted(files) == [480, 960, 1600]
        for width, path in files.items():
            with Image.open(path) as image:
                assert image.format == form
                assert image.size == (width, width // 2)
                assert not image.getexif()  # no EXIF, so no GPS position either
                assert "icc_profile" not in image.info and "exif" not in image.info
    assert re.fullmatch(r"/images/[0-9a-f]{16}/photo-960\.jpg", lead["src"] or "")
    assert result.images_encoded == 6
    assert engine.images.store.made == 6


def test_exif_orientation_is_applied(tmp_path: Path):
    # Stored 600 x 400, tagged "turn a quarter to the right" (6): shown 400 x 600, the
    # red half (the stored left) on top.
    site = site_with(
        tmp_path,
        {
            "content/a.md": article(image="turned.jpg", image_alt="x"),
            "content/turned.jpg": photo(600, 400, orientation=6),
        },
    )
    output = tmp_path / "out"
    build(site, output)
    [lead] = images_of(output / "articles" / "a" / "index.html").images
    assert (lead["width"], lead["height"]) == ("400", "600")
    for path in published(output, lead["srcset"] or "").values():
        with Image.open(path) as image:
            assert image.size == (400, 600)
            assert ORIENTATION not in image.getexif()
            top = image.convert("RGB").getpixel((200, 100))
            bottom = image.convert("RGB").getpixel((200, 500))
            assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]  # red above blue


def test_a_small_png_keeps_its_width_and_its_transparency(tmp_path: Path):
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (0, 0, 150, 200))
    data = io.BytesIO()
    image.save(data, "PNG")
    site = site_with(
        tmp_path,
        {
            "content/a.md": article(image="/images/logo.png", image_alt="x"),
            "static/images/logo.png": data.getvalue(),
        },
    )
    output = tmp_path / "out"
    build(site, output)
    [lead] = images_of(output / "articles" / "a" / "index.html").images
    files = published(output, lead["srcset"] or "")
    assert list(files) == [300]  # no 480: never enlarged
    with Image.open(files[300]) as png:
        assert png.format == "PNG" and png.mode == "RGBA" and png.getpixel((250, 100))[3] == 0


def test_body_images_get_srcset_sizes_dimensions_and_lazy_loading_and_keep_their_attributes(tmp_path: Path):
    body = (
        'Before.\n\n![A chart of rates](chart.png "Rates"){: .wide }\n\n'
        "![A photo][ref]\n\n[ref]: /images/photo.jpg\n\n"
        "```\n![code, not an image](missing.png)\n```\n\n"
        "![remote](https://cdn.example/x.png)\n"
    )
    site = site_with(
        tmp_path,
        {
            "content/2024/a.md": article(body=body),
            "content/2024/chart.png": photo(1000, 500, "PNG"),
            "static/images/photo.jpg": photo(800, 600),
        },
    )
    output = tmp_path / "out"
    build(site, output)
    found = images_of(output / "articles" / "a" / "index.html")
    chart, photo_img, remote = found.images
    assert chart["alt"] == "A chart of rates" and chart["title"] == "Rates" and chart["class"] == "wide"
    assert chart["loading"] == "lazy" and chart["decoding"] == "async"
    assert (chart["width"], chart["height"]) == ("1000", "500")
    assert sorted(published(output, chart["srcset"] or "")) == [480, 960, 1000]
    assert (photo_img["width"], photo_img["height"]) == ("800", "600")
    assert remote["src"] == "https://cdn.example/x.png" and "srcset" not in remote
    assert all("data-sitegen-src" not in tag for tag in found.images)
    feed = (output / "feed.xml").read_text("utf-8")
    assert "https://example.org/images/" in feed and "&lt;picture" not in feed


def test_relative_urls_and_a_base_path_reach_the_copies(tmp_path: Path):
    yaml = 'title: "T"\nbase_url: "https://example.org/brief/"\nsearch: false\nrelative_urls: true\n'
    site = site_with(
        tmp_path,
        {
            "content/a.md": article(body="![x](pic.jpg)", image="pic.jpg", image_alt="y"),
            "content/pic.jpg": photo(500, 500),
        },
        yaml,
    )
    output = tmp_path / "out"
    build(site, output)
    page = output / "articles" / "a" / "index.html"
    for tag in images_of(page).images:
        assert (tag["src"] or "").startswith("../../images/")
        for candidate in (tag["srcset"] or "").split(","):
            assert (page.parent / candidate.split()[0]).is_file()


# The cache ---------------------------------------------------------------------------------------


def test_a_second_build_encodes_nothing_and_a_changed_image_only_itself(tmp_path: Path):
    files: dict[str, str | bytes] = {
        "content/a.md": article(image="a.jpg", image_alt="a"),
        "content/a.jpg": photo(1000, 600),
        "content/b.md": article(title="B", body="![b](b.png)"),
        "content/b.png": photo(700, 700, "PNG"),
        "content/c.md": article(title="C"),
    }
    site = site_with(tmp_path, files, CARDS)
    output = tmp_path / "out"
    _, first = build(site, output)
    assert first.images_encoded == 3 * 2 + 2 * 2 + 2  # a: 480, 960, 1000; b: 480, 700; b's and c's cards
    _, again = build(site, output)
    assert again.images_encoded == 0
    (site / "content" / "b.png").write_bytes(photo(700, 650, "PNG"))
    _, changed = build(site, output)
    assert changed.images_encoded == 4
    assert "articles/b/index.html" in changed.rendered_paths
    [tag] = images_of(output / "articles" / "b" / "index.html").images
    assert tag["height"] == "650"
    # Without the cache, everything is encoded, and the output is the same.
    clean = tmp_path / "clean"
    _, cold = build(site, clean, use_cache=False)
    assert cold.images_encoded == first.images_encoded
    assert tree(clean) == tree(output)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".sitegen")
    }


# Errors and warnings -----------------------------------------------------------------------------


def problems_of(site: Path) -> list[str]:
    try:
        _, result = build(site)
    except SiteError as exc:
        return [str(p) for p in exc.problems]
    return [str(p) for p in result.warnings]


def test_missing_and_unreadable_images_are_errors_at_their_lines(tmp_path: Path):
    body = "First paragraph.\n\n![a map](map.png)\n\n![junk](junk.jpg)\n"
    site = site_with(
        tmp_path,
        {
            "content/a.md": article(image="/images/gone.jpg", image_alt="x", body=body),
            "content/junk.jpg": b"not an image at all",
        },
    )
    found = problems_of(site)
    # The front matter: title, date, source, image (line 5), image_alt; the body starts at line 9.
    assert any(
        p.startswith("content/a.md:5: ") and "static/images/gone.jpg does not exist" in p for p in found
    )
    assert any(p.startswith("content/a.md:11: ") and "content/map.png does not exist" in p for p in found)
    assert any(
        p.startswith("content/a.md:13: ") and "content/junk.jpg cannot be read as an image" in p
        for p in found
    )


def test_an_image_that_is_a_folder_a_looping_link_or_below_a_file_is_an_error(tmp_path: Path):
    body = "Text.\n\n![loop](loop.jpg)\n\n![below](note.txt/x.jpg)\n"
    site = site_with(
        tmp_path,
        {
            "content/a.md": article(image="folder.jpg", image_alt="x", body=body),
            "content/folder.jpg/inside.txt": "a folder named like an image",
            "content/note.txt": "a file",
        },
    )
    (site / "content" / "loop.jpg").symlink_to("loop.jpg")
    found = problems_of(site)
    assert any(p.startswith("content/a.md:5: ") and "content/folder.jpg is not a file" in p for p in found)
    assert any(p.startswith("content/a.md:11: ") and "content/loop.jpg does not exist" in p for p in found)
    assert any(
        p.startswith("content/a.md:13: ") and "content/note.txt/x.jpg does not exist" in p for p in found
    )


def test_a_truncated_image_is_an_error(tmp_path: Path):
    site = site_with(
        tmp_path,
        {"content/a.md": article(image="cut.jpg", image_alt="x"), "content/cut.jpg": photo(800, 600)[:-300]},
    )
    assert any(
        p.startswith("content/a.md:5: ") and "content/cut.jpg cannot be read as an image: it is damaged" in p
        for p in problems_of(site)
    )


def test_an_image_outside_the_site_folders_is_an_error(tmp_path: Path):
    site = site_with(tmp_path, {"content/a.md": article(image="../../etc/passwd.png", image_alt="x")})
    assert any("outside the site's content/ and static/ folders" in p for p in problems_of(site))


def test_an_image_removed_after_a_build_is_an_error_and_the_output_stays(tmp_path: Path):
    site = site_with(
        tmp_path, {"content/a.md": article(body="![x](x.jpg)"), "content/x.jpg": photo(500, 300)}
    )
    output = tmp_path / "out"
    engine = Engine(site, jobs=1)
    engine.build(output)
    before = tree(output)
    (site / "content" / "x.jpg").unlink()
    with pytest.raises(SiteError) as failed:
        engine.build(output)
    assert any("content/x.jpg does not exist" in str(p) for p in failed.value.problems)
    assert tree(output) == before


def test_a_static_file_where_a_copy_goes_is_an_error(tmp_path: Path):
    site = site_with(
        tmp_path, {"content/a.md": article(image="p.jpg", image_alt="x"), "content/p.jpg": photo(300, 200)}
    )
    lead = Engine(site, jobs=1).load().images.articles["a"].lead
    assert lead is not None
    mine = site / "static" / lead.src
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"mine")
    assert any(p.startswith(f"static/{lead.src}: ") and "clashes" in p for p in problems_of(site))


def test_images_without_alt_text_are_warnings(tmp_path: Path):
    site = site_with(
        tmp_path,
        {
            "content/a.md": article(image="pic.jpg", body="Text.\n\n![](pic.jpg)\n"),
            "content/b.md": article(title="B", image="pic.jpg", image_caption='"A caption"'),
            "content/pic.jpg": photo(500, 300),
        },
    )
    found = problems_of(site)
    assert any(p.startswith("content/a.md:5: ") and "no alt text" in p for p in found)
    assert any(p.startswith("content/a.md:10: ") and "no alt text" in p for p in found)
    assert not any(p.startswith("content/b.md") for p in found)  # the caption stands in


def test_remote_images_are_linked_as_written(tmp_path: Path):
    site = site_with(
        tmp_path, {"content/a.md": article(image="https://cdn.example/p.jpg?w=1", image_alt="x")}
    )
    output = tmp_path / "out"
    build(site, output)
    [lead] = images_of(output / "articles" / "a" / "index.html").images
    assert lead["src"] == "https://cdn.example/p.jpg?w=1" and "srcset" not in lead


# Social cards ------------------------------------------------------------------------------------


def test_an_article_without_an_image_gets_a_card_in_the_theme_colours(tmp_path: Path):
    site = site_with(
        tmp_path,
        {
            "content/a.md": article(),
            "content/b.md": article(title="B", image="https://x.example/b.jpg", image_alt="b"),
        },
        CARDS,
    )
    engine, _ = build(site, tmp_path / "out")
    loaded = engine.load()
    share = loaded.images.articles["a"].share
    assert share is not None and share.generated and (share.width, share.height) == CARD_SIZE
    assert share.url.startswith("https://example.org/images/") and share.url.endswith("/card.png")
    card = tmp_path / "out" / share.url.removeprefix("https://example.org/")
    with Image.open(card) as image:
        assert image.format == "PNG" and image.size == CARD_SIZE
        assert image.convert("RGB").getpixel((600, 400)) == (0xFB, 0xFA, 0xF8)  # the theme's --bg
        assert image.convert("RGB").getpixel((600, 5)) == (0x9B, 0x1C, 0x1C)  # its --accent
    other = loaded.images.articles["b"].share
    assert other is not None and other.url == "https://x.example/b.jpg" and not other.generated
    page = next(p for p in loaded.site.pages if p.url_path == "articles/a/")
    assert page.data.share_image == share  # type: ignore[attr-defined]


def test_social_cards_false_makes_none(tmp_path: Path):
    site = site_with(
        tmp_path, {"content/a.md": article()}, CARDS.replace("social_cards: true", "social_cards: false")
    )
    engine, result = build(site)
    assert result.images_encoded == 0
    assert engine.load().images.articles["a"].share is None


def test_social_cards_must_be_true_or_false(tmp_path: Path):
    yaml = DEFAULT_SITE_YAML.replace("social_cards: false", "social_cards: maybe")
    line = DEFAULT_SITE_YAML.split("\n").index("social_cards: false") + 1
    site = site_with(tmp_path, {"content/a.md": article()}, yaml)
    assert any(f"site.yaml:{line}: social_cards: expected true or false" in p for p in problems_of(site))


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=400), st.text(max_size=80))
def test_any_title_fits_on_a_card(title: str, source: str):
    fonts = REPO / "themes" / "default" / "fonts"
    style = CardStyle(DEFAULT_COLOURS, str(fonts / "social-card.ttf"), str(fonts / "social-card-bold.ttf"))
    data = draw_card(CardText("The Weekly Brief", title, source), style)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == CARD_SIZE


def test_cards_take_their_colours_from_the_stylesheet():
    css = ":root {\n  --bg: #000000;\n  --text: #ffffff;\n  --accent: not-a-colour;\n}"
    colours = theme_colours(css)
    assert (colours.background, colours.text, colours.accent) == (
        "#000000",
        "#ffffff",
        DEFAULT_COLOURS.accent,
    )


# Scanning bodies -----------------------------------------------------------------------------------


def test_body_images_are_found_with_their_lines():
    body = (
        "Intro\n\n![one](a.png)\n\n~~~\n![not](b.png)\n~~~\n\n"
        "![two][r] and ![three]\n\n[r]: <c d.png>\n[three]: e.png\n"
    )
    found = [(image.src, image.alt, image.line) for image in body_images(body, 10)]
    assert found == [("a.png", "one", 12), ("c d.png", "two", 18), ("e.png", "three", 18)]


@pytest.mark.parametrize(
    ("written", "label"),
    [
        ("map.png", "content/2024/map.png"),
        ("../pics/map.png", "content/pics/map.png"),
        ("/images/map%20big.png?v=2#x", "static/images/map big.png"),
        ("/../../map.png", "static/map.png"),
        ("https://cdn.example/map.png", None),
        ("//cdn.example/map.png", None),
        ("#top", None),
    ],
)
def test_local_images_are_found_beside_the_article_or_in_static(written: str, label: str | None):
    assert local_label(written, "content/2024/a.md") == label
