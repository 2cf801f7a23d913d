"""sitegen/links.py: reading the links of a built site's files, and where each link leads."""

from __future__ import annotations

import posixpath
from html import escape
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sitegen.links import (
    Address,
    External,
    Internal,
    Resolver,
    css_links,
    has_anchor,
    html_links,
    read_file,
    resolve,
    robots_links,
    served_file,
    srcset_urls,
)

SITE = Address.of("https://example.org/")
SUBFOLDER = Address.of("https://example.org/briefings/")


# --- where a link leads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "page", "address", "expected"),
    [
        ("/tags/trade/", "articles/a/index.html", SITE, Internal("/tags/trade/", "", "")),
        (
            "../../tags/trade/index.html",
            "articles/a/index.html",
            SITE,
            Internal("/tags/trade/index.html", "", ""),
        ),
        ("#main", "articles/a/index.html", SITE, Internal("/articles/a/", "", "main")),
        ("", "articles/a/index.html", SITE, Internal("/articles/a/", "", "")),
        ("?page=2", "index.html", SITE, Internal("/", "page=2", "")),
        ("https://EXAMPLE.org:443/x/", "index.html", SITE, Internal("/x/", "", "")),
        ("http://example.org/x/", "index.html", SITE, Internal("/x/", "", "")),  # the same host
        ("https://example.org:8443/x/", "index.html", SITE, External("https://example.org:8443/x/")),
        ("https://other.example/a#b", "index.html", SITE, External("https://other.example/a")),
        ("//cdn.example/x.js", "index.html", SITE, External("https://cdn.example/x.js")),
        ("  /tags/\ntrade/ ", "index.html", SITE, Internal("/tags/trade/", "", "")),
        # Beside a site in a subfolder: a full address is another site, a path is a mistake.
        ("https://example.org/about/", "index.html", SUBFOLDER, External("https://example.org/about/")),
        ("/css/style.css", "index.html", SUBFOLDER, Internal("/css/style.css", "", "")),
        ("../x/", "index.html", SUBFOLDER, Internal("/x/", "", "")),
        ("/tags/x/", "index.html", Address.of("/"), Internal("/tags/x/", "", "")),
        # As browsers read them, where urllib.parse.urljoin does not: an empty `;`, `//`
        # in a relative path, `%2e` as a dot, a backslash as a slash.
        (";", "index.html", SITE, Internal("/;", "", "")),
        ("../a//b/", "x/y/index.html", SITE, Internal("/x/a//b/", "", "")),
        ("%2e%2E/x/", "a/b/index.html", SITE, Internal("/a/x/", "", "")),
        ("..\\x\\", "a/b/index.html", SITE, Internal("/a/x/", "", "")),
        ("https://example.org/", "index.html", Address.of("/"), External("https://example.org/")),
    ],
)
def test_resolve(written, page, address, expected):
    assert resolve(written, address.url_of(page), address) == expected
    assert Resolver(address).resolve(written, address.url_of(page)) == expected


@pytest.mark.parametrize(
    "written", ["mailto:desk@example.org", "tel:+441234", "data:image/png;base64,AA==", "javascript:void(0)"]
)
def test_links_sitegen_does_not_follow(written):
    assert resolve(written, SITE.url_of("index.html"), SITE) is None


def test_an_address_that_is_not_a_url_is_an_error():
    with pytest.raises(ValueError):
        resolve("http://[bad/", SITE.url_of("index.html"), SITE)
    with pytest.raises(ValueError):
        resolve("https://example.org:port/", SITE.url_of("index.html"), SITE)


def test_the_file_a_path_is_served_from():
    files = frozenset({"index.html", "tags/trade/index.html", "css/style.css", "tags/são/index.html"})
    assert served_file("/", SITE, files) == "index.html"
    assert served_file("/tags/trade/", SITE, files) == "tags/trade/index.html"
    assert served_file("/tags/trade", SITE, files) == "tags/trade/index.html"  # hosts redirect
    assert served_file("/tags/trade/index.html", SITE, files) == "tags/trade/index.html"
    assert served_file("/tags/s%C3%A3o/", SITE, files) == "tags/são/index.html"
    assert served_file("/css/style.css/", SITE, files) is None
    assert served_file("/tags/", SITE, files) is None
    under = Address.of("https://example.org/caf%C3%A9/")
    assert served_file("/caf%C3%A9/css/style.css", under, files) == "css/style.css"
    assert served_file("/café", under, files) == "index.html"
    assert served_file("/css/style.css", under, files) is None


def test_anchors_as_browsers_find_them():
    anchors = frozenset({"main", "fn:1", "café"})
    assert has_anchor(anchors, "main")
    assert has_anchor(anchors, "fn:1")
    assert has_anchor(anchors, "caf%C3%A9")
    assert has_anchor(anchors, "")  # "#" alone: the top of the page
    assert has_anchor(anchors, "top") and has_anchor(anchors, "TOP")
    assert has_anchor(anchors, ":~:text=strike")  # a text fragment
    assert has_anchor(anchors, "main:~:text=strike")
    assert not has_anchor(anchors, "Main")
    assert not has_anchor(anchors, "nope:~:text=strike")


# Names of folders and files, with what URLs must encode or may carry as they are.
segment = st.text(
    st.sampled_from([*"abz09-_.~é!$&'()*+,;=:@", "%", "#", "?", " ", "\u0443", "中", "\\", "\t"]),
    min_size=1,
    max_size=6,
).filter(lambda name: name not in (".", ".."))
site_path = st.lists(segment, min_size=0, max_size=4)
base_paths = st.sampled_from(["/", "/briefings/", "/a b/ç/", "/caf%C3%A9/"])
# What a link must encode: the characters that end a path, begin an escape, or that URL
# parsing strips or reads as a slash.
MUST_ENCODE = "%#?\\ \t"


def minimally_quoted(text: str) -> str:
    return "".join(quote(c, safe="") if c in MUST_ENCODE else c for c in text)


def fully_quoted(text: str) -> str:
    return quote(text, safe="/")


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    page_folder=site_path,
    target_folder=site_path,
    target_name=st.one_of(st.none(), segment),
    base_path=base_paths,
    with_host=st.booleans(),
    quoting=st.sampled_from([minimally_quoted, fully_quoted]),
)
def test_every_form_of_a_link_leads_to_its_file(
    page_folder, target_folder, target_name, base_path, with_host, quoting
):
    """Rooted, full, relative-to-a-folder and relative-to-index.html forms of a link to a
    file (or a folder's page), percent-encoded or not, all lead to that file; the memory of
    Resolver gives the same as resolve()."""
    base_url = ("https://example.org" if with_host else "") + base_path
    address = Address.of(base_url)
    page = "/".join([*page_folder, "index.html"])
    target = "/".join([*target_folder, target_name or "index.html"])
    files = frozenset({page, target})
    folders = {"/".join(path.split("/")[:n]) for path in files for n in range(1, path.count("/") + 1)}
    assume(not files & folders)  # a file and a folder of one name cannot both be
    folder_form = "/".join(target_folder) + "/" if target_folder else ""
    url_path = folder_form if target_name is None else target  # /tags/x/ or /tags/x/name
    decoded_base = Address.of(base_url).base_path
    rooted = quoting(decoded_base + url_path)
    relative = posixpath.relpath("/" + target, "/" + "/".join(page_folder))
    if target_name is None:
        relative = posixpath.relpath("/" + folder_form, "/" + "/".join(page_folder)) + "/"
        relative = "./" if relative == "./" else relative
    relative = quoting(relative)
    if ":" in relative.split("/", 1)[0]:
        relative = "./" + relative  # a colon before the first slash would read as a scheme
    forms = [rooted, relative]
    if with_host:
        forms.append("https://example.org" + rooted)
    base = address.url_of(page)
    resolver = Resolver(address)
    for written in forms:
        found = resolve(written, base, address)
        assert isinstance(found, Internal), written
        assert served_file(found.path, address, files) == target, (written, found)
        assert resolver.resolve(written, base) == found


link_piece = st.sampled_from(
    ["a", "b", "é", ".", "..", "", "x;y", "a:b", "%2e", "%2F", " ", "\t", "index.html", "\\", "@"]
)
link_prefix = st.sampled_from(
    ["", "/", "./", "../", "../../", "//", "https://example.org/", "http://example.org",
     "https://EXAMPLE.org:443/", "https://other.example/", "HTTP://example.org/", "http:",
     "https:", "mailto:", " /", "\t../", "#", "?", "//example.org/", "https://example.org:99/",
     "\\", "/\\example.org/", "%2e%2E/", ".%2e/"]
)  # fmt: skip
written_links = st.builds(
    lambda prefix, pieces, query, fragment: prefix + "/".join(pieces) + query + fragment,
    link_prefix,
    st.lists(link_piece, max_size=5),
    st.sampled_from(["", "?", "?q=1", "?a/../b"]),
    st.sampled_from(["", "#", "#top", "#x/../y"]),
)
page_bases = st.sampled_from(
    ["https://example.org/", "https://example.org/articles/a/", "https://example.org/a/b/index.html",
     "https://example.org/briefings/tags/x/", "http://example.org/x", "https://example.org/a//b/",
     "https://example.org/a/b/?q#f", "https://other.example/z/", "/articles/a/", "/", "/a/b/c.html",
     "https://example.org:8443/a/", "https://example.org/a;p/b;q"]
)  # fmt: skip


def resolved_or_error(function, *args):
    try:
        return function(*args)
    except ValueError:
        return ValueError


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.tuples(written_links, page_bases), min_size=1, max_size=20),
    st.sampled_from(["https://example.org/", "https://example.org/briefings/", "/", "/briefings/"]),
)
def test_the_resolver_remembers_exactly_what_resolve_finds(links, base_url):
    address = Address.of(base_url)
    resolver = Resolver(address)
    for written, base in links * 2:  # twice: the second time from its memory
        assert resolved_or_error(resolver.resolve, written, base) == resolved_or_error(
            resolve, written, base, address
        ), (written, base)


# --- reading files ---------------------------------------------------------------------------------


class ReferenceHtmlLinks(HTMLParser):
    """The same rules as html_links, on the standard library's parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.anchors: set[str] = set()
        self.base: str | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name in ("href", "src", "poster", "action"):
                if tag != "base":
                    self.links.append(value)
                elif name == "href" and self.base is None:
                    self.base = value
            elif name == "id" or (name == "name" and tag == "a"):
                self.anchors.add(value)
            elif name == "srcset" and tag in ("img", "source"):
                self.links.extend(srcset_urls(value))


VOID = {"img", "link", "source", "base", "area", "input", "br"}
element = st.builds(
    lambda tag, names, values, text: (tag, list(zip(names, values, strict=False)), text),
    st.sampled_from(
        ["a", "img", "link", "script", "source", "div", "video", "form", "area", "span", "base", "p"]
    ),
    st.lists(
        st.sampled_from(["href", "src", "srcset", "poster", "action", "id", "name", "class", "alt", "HREF"]),
        unique_by=str.lower,
        max_size=4,
    ),
    st.lists(st.text(st.sampled_from([*"ab/#?.:é中 ,<>\"'=&;1xw"]), max_size=12), min_size=4, max_size=4),
    st.text(st.sampled_from([*"ab <>&é"]), max_size=6),
)


def html_of(elements) -> str:
    parts = ['<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body>']
    for tag, attributes, text in elements:
        attrs = "".join(f' {name}="{escape(value, quote=True)}"' for name, value in attributes)
        if tag in VOID:
            parts.append(f"<{tag}{attrs}>")
        elif tag == "script":
            parts.append(f"<script{attrs}>var s = '<a href=\"/in-script\">';</script>")
        else:
            parts.append(f"<{tag}{attrs}>{escape(text)}</{tag}>")
    parts.append("</body></html>")
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(st.lists(element, max_size=12))
def test_html_links_reads_what_the_standard_library_parser_reads(elements):
    """libxml2's parser (lxml) reads the same links, anchors and base as html.parser, on
    generated pages: attributes in any case, character references, srcset, script text."""
    text = html_of(elements)
    reference = ReferenceHtmlLinks()
    reference.feed(text)
    reference.close()
    links, anchors, base = html_links(text.encode("utf-8"))
    assert (links, anchors, base) == (reference.links, frozenset(reference.anchors), reference.base)


def test_html_links_examples():
    page = (
        b'<!doctype html><html><head><link rel="stylesheet" href="/css/s.css"></head><body>'
        b'<a href="/a?x=1&amp;y=2" id="top-link">a</a><a name="old-anchor"></a>'
        b'<img src="/i.png" srcset="/i-1.png 1x, /i,2.png 2x"><video poster="/p.jpg"><source src="/v.mp4">'
        b'</video><form action="/search/"></form><script src="/s.js">var x = "<a href=/no>";</script>'
        b"<!-- <a href=/comment> --><textarea><a href=/textarea></textarea>"
        b'<a href="/caf\xc3\xa9/">\xff\xfe not UTF-8</a></body></html>'
    )
    links, anchors, base = html_links(page)
    assert links == [
        "/css/s.css", "/a?x=1&y=2", "/i.png", "/i-1.png", "/i,2.png", "/p.jpg", "/v.mp4", "/search/",
        "/s.js", "/café/",
    ]  # fmt: skip
    assert anchors == {"top-link", "old-anchor"}
    assert base is None


def test_a_link_after_thousands_of_nested_elements_is_read():
    page = b"<body>" + b"<div>" * 20_000 + b'<a href="/deep/" id="deep">x</a>' + b"</div>" * 20_000
    page += b'<a href="/after/">y</a></body>'
    links, anchors, _ = html_links(page)
    assert links == ["/deep/", "/after/"]
    assert anchors == {"deep"}


def test_a_base_element_changes_what_links_resolve_against():
    page = b'<html><head><base href="/briefings/x/"></head><body><a href="y/">y</a></body></html>'
    document = read_file("index.html", page, "https://example.org/")
    assert document is not None
    assert document.references == (("y/", "https://example.org/briefings/x/"),)


@pytest.mark.parametrize(
    ("srcset", "urls"),
    [
        ("a.png", ["a.png"]),
        ("a.png 1x, b.png 2x", ["a.png", "b.png"]),
        ("a.png 100w,b.png 200w", ["a.png", "b.png"]),
        (" a,b.png 1x , c.png", ["a,b.png", "c.png"]),
        ("a.png, b.png", ["a.png", "b.png"]),
        ("a.png (max-width: 1px, 2px) 1x, b.png", ["a.png", "b.png"]),
        (",, ,", []),
    ],
)
def test_srcset_urls(srcset, urls):
    assert srcset_urls(srcset) == urls


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(st.sampled_from([*"ab/.é%:?#", ","]), min_size=1, max_size=8).filter(
                lambda url: not url.startswith(",") and not url.endswith(",")
            ),
            st.sampled_from(["", " 1x", " 2x", " 640w", "  1.5x "]),
        ),
        max_size=5,
    )
)
def test_srcset_urls_gives_back_the_urls_of_any_candidate_list(candidates):
    srcset = ", ".join(url + descriptor for url, descriptor in candidates)
    assert srcset_urls(srcset) == [url for url, _ in candidates]


def test_css_links():
    css = """
    /* url(commented.png) */
    @import "print.css";
    @import url('fonts.css') screen;
    body { background: url(bg.png) } .a { background: URL( "a b.png" ) }
    .b { mask: url(#gradient); } .c { background: url(data:image/png;base64,AA==) }
    """
    assert css_links(css) == [
        "fonts.css",
        "bg.png",
        "a b.png",
        "#gradient",
        "data:image/png;base64,AA==",
        "print.css",
    ]


def test_robots_links():
    assert robots_links("User-agent: *\nAllow: /\n\nsitemap: https://example.org/sitemap.xml\n") == [
        "https://example.org/sitemap.xml"
    ]


def test_a_feed_gives_its_links_and_the_links_and_anchors_of_its_html():
    feed = b"""<?xml version='1.0' encoding='utf-8'?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>https://example.org/feed.xml</id>
  <link rel="self" href="https://example.org/feed.xml"/>
  <entry>
    <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
    <link rel="alternate" href="https://example.org/articles/a/"/>
    <content type="html">&lt;p id="p1"&gt;&lt;a href="/tags/x/"&gt;x&lt;/a&gt;&lt;/p&gt;</content>
  </entry>
  <entry xml:base="https://example.org/sub/">
    <link rel="alternate" href="b/"/>
  </entry>
</feed>"""
    document = read_file("feed.xml", feed, "https://example.org/feed.xml")
    assert document is not None
    assert document.references == (
        ("https://example.org/feed.xml", "https://example.org/feed.xml"),
        ("https://example.org/feed.xml", "https://example.org/feed.xml"),
        ("https://example.org/articles/a/", "https://example.org/feed.xml"),
        ("/tags/x/", "https://example.org/feed.xml"),
        ("b/", "https://example.org/sub/"),
    )
    assert document.anchors == {"p1"}


def test_a_sitemap_gives_its_addresses_and_other_xml_nothing():
    sitemap = b"""<?xml version='1.0' encoding='utf-8'?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url>
    <loc>https://example.org/</loc>
  </url>
</urlset>"""
    document = read_file("sitemap.xml", sitemap, "https://example.org/sitemap.xml")
    assert document is not None and [link for link, _ in document.references] == ["https://example.org/"]
    assert read_file("data.xml", b"<data><loc>x</loc></data>", "https://example.org/data.xml") is None
    assert read_file("broken.xml", b"<feed", "https://example.org/broken.xml") is None
    assert read_file("logo.png", b"\x89PNG", "https://example.org/logo.png") is None
