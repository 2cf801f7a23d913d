"""The preview server's HTTP side: safe paths, content types, 404, injection."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from liveutil import fetch, raw_get

from sitegen.serve.http import SCRIPT_PATH, is_own_host, resolve_request_path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "articles" / "a").mkdir(parents=True)
    (root / "articles" / "a" / "index.html").write_text("<p>a</p>")
    (root / "empty").mkdir()
    (root / "style.css").write_text("body{}")
    (tmp_path / "secret.txt").write_text("secret")
    return root


@pytest.mark.parametrize(
    "url_path",
    [
        "../secret.txt",
        "articles/../../secret.txt",
        "%2e%2e/secret.txt",
        "%2E%2E/secret.txt",
        "articles/%2e%2e/%2e%2e/secret.txt",
        "..%2fsecret.txt",
        "..%5csecret.txt",
        "style.css%00.html",
        "empty/",
        "missing.html",
    ],
)
def test_paths_outside_the_root_or_missing_are_refused(root: Path, url_path: str):
    assert resolve_request_path(root, url_path) is None


def test_absolute_paths_stay_inside_the_root(root: Path):
    assert resolve_request_path(root, "//etc/passwd") is None
    assert resolve_request_path(root, "/style.css") == (root / "style.css").resolve()


def test_symlinks_out_of_the_root_are_refused(root: Path, tmp_path: Path):
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    os.symlink(tmp_path, root / "linkdir")
    assert resolve_request_path(root, "link.txt") is None
    assert resolve_request_path(root, "linkdir/secret.txt") is None


def test_folders_give_their_index(root: Path):
    assert resolve_request_path(root, "articles/a/") == (root / "articles/a/index.html").resolve()
    assert resolve_request_path(root, "articles/") is None  # no listing


def test_served_pages_content_types_and_404(preview):
    base = preview.url
    status, headers, body = fetch(base)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert SCRIPT_PATH.encode() in body
    assert body.rstrip().endswith(b"</html>")
    for path, kind in [
        ("css/style.css", "text/css; charset=utf-8"),
        ("feed.xml", "application/xml; charset=utf-8"),
        ("robots.txt", "text/plain; charset=utf-8"),
        ("sitemap.xml", "application/xml; charset=utf-8"),
    ]:
        status, headers, body = fetch(base + path)
        assert (status, headers["Content-Type"]) == (200, kind), path
        assert SCRIPT_PATH.encode() not in body
    status, headers, body = fetch(base + "no/such/page/")
    assert status == 404
    assert b"Page not found" in body
    status, headers, _ = fetch(base + "articles/port-strike")
    assert status == 301 and headers["Location"] == "/articles/port-strike/"
    status, _, _ = fetch(base + "articles/")
    assert status == 404  # a folder without index.html: no listing


def test_images_and_fonts_have_their_types(preview, site: Path):
    (site / "static").mkdir()
    (site / "static" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (site / "static" / "font.woff2").write_bytes(b"wOF2")
    (site / "static" / "icon.svg").write_text("<svg/>")
    preview.rebuild({site / "static" / "logo.png"})
    for name, kind in [
        ("logo.png", "image/png"),
        ("font.woff2", "font/woff2"),
        ("icon.svg", "image/svg+xml"),
    ]:
        status, headers, _ = fetch(preview.url + name)
        assert (status, headers["Content-Type"]) == (200, kind)


def test_traversal_over_the_wire_gives_404(preview, site: Path):
    (site.parent / "outside.txt").write_text("must not be served")
    port = int(preview.url.split(":")[2].split("/")[0])
    for target in [
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/%2e%2e%2foutside.txt",
        "/..%2f..%2foutside.txt",
    ]:
        status, body = raw_get(port, target)
        assert status == 404, target
        assert b"must not be served" not in body


def test_build_output_never_gets_the_reload_script(preview, site: Path, tmp_path: Path):
    from sitegen import build

    build(site, tmp_path / "out")
    for page in (tmp_path / "out").rglob("*.html"):
        assert SCRIPT_PATH not in page.read_text(encoding="utf-8")


def test_base_url_path_is_served_under_that_path(site: Path):
    from sitegen.serve import Preview

    (site / "site.yaml").write_text('base_url: "https://example.org/briefings/"\n')
    server = Preview(site, port=0)
    server.start()
    try:
        assert server.url.endswith("/briefings/")
        root = server.url[: -len("briefings/")]
        status, headers, _ = fetch(root)
        assert status == 301 and headers["Location"] == "/briefings/"
        status, _, body = fetch(server.url + "articles/port-strike/")
        assert status == 200
        assert b'href="/briefings/css/style.css"' in body
        status, _, _ = fetch(root + "articles/port-strike/")
        assert status == 404
    finally:
        server.stop()


def test_port_in_use_is_a_usage_error(preview, site: Path):
    from sitegen.errors import UsageError
    from sitegen.serve import Preview

    port = int(preview.url.split(":")[2].split("/")[0])
    with pytest.raises(UsageError, match=f"port {port} is already in use.*--port"):
        Preview(site, port=port).start()


@pytest.mark.parametrize(
    ("header", "listen", "allowed"),
    [
        ("127.0.0.1:8000", "127.0.0.1", True),
        ("localhost:8000", "127.0.0.1", True),
        ("LOCALHOST:8000", "127.0.0.1", True),
        ("[::1]:8000", "127.0.0.1", True),
        ("evil.example:8000", "127.0.0.1", False),  # DNS rebinding: the attacker's name
        ("evil.example", "127.0.0.1", False),
        ("localhost:8001", "127.0.0.1", False),  # another port
        ("localhost", "127.0.0.1", False),  # no port: 80
        ("127.0.0.1.evil.example:8000", "127.0.0.1", False),
        ("user@127.0.0.1:8000", "127.0.0.1", False),
        ("localhost:8000/x", "127.0.0.1", False),
        ("", "127.0.0.1", False),
        (None, "127.0.0.1", False),
        ("192.168.1.20:8000", "127.0.0.1", False),
        ("192.168.1.20:8000", "192.168.1.20", True),  # the --host given
        ("preview.lan:8000", "preview.lan", True),
        ("other.lan:8000", "preview.lan", False),
        ("192.168.1.20:8000", "0.0.0.0", True),  # every address: reached by any of its IPs
        ("[fe80::1]:8000", "::", True),
        ("evil.example:8000", "0.0.0.0", False),  # but never by a name it was not given
    ],
)
def test_only_requests_for_the_previews_own_address_are_answered(header, listen, allowed):
    assert is_own_host(header, listen, 8000) is allowed


def test_a_foreign_host_header_gets_403_over_the_wire(preview):
    port = int(preview.url.split(":")[2].split("/")[0])
    assert raw_get(port, "/")[0] == 200
    assert raw_get(port, "/", host=f"localhost:{port}")[0] == 200
    for host in (f"evil.example:{port}", "evil.example", None):
        status, body = raw_get(port, "/", host=host)
        assert status == 403, host
        assert b"Port strike" not in body
    for path in ("/__sitegen/events", "/__sitegen/livereload.js", "/articles/port-strike/"):
        assert raw_get(port, path, host=f"evil.example:{port}")[0] == 403, path


def test_a_request_path_over_255_bytes_is_a_404(preview, root: Path):
    port = int(preview.url.split(":")[2].split("/")[0])
    for target in ("/" + "a" * 300, "/" + "\u4e2d" * 90 + "/", "/articles/" + "%E4%B8%AD" * 90):
        status, _ = raw_get(port, target)
        assert status == 404, target
    assert resolve_request_path(root, "a" * 300) is None


def test_a_burst_of_connections_waits_in_the_listen_queue(site: Path):
    """With socketserver's backlog of 5, connections beyond it wait a second or more."""
    import socket

    from sitegen.serve.http import LiveState, PreviewHTTPServer

    server = PreviewHTTPServer(("127.0.0.1", 0), "/", LiveState("x"), lambda: None)
    server.server_activate()  # listening, but nothing accepts: only the queue holds them
    clients = []
    try:
        for _ in range(100):
            client = socket.socket()
            client.settimeout(5)
            client.connect(("127.0.0.1", server.server_port))  # blocks while the queue is full
            clients.append(client)
        assert len(clients) == 100
    finally:
        for client in clients:
            client.close()
        server.server_close()
