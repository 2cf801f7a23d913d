"""`sitegen check --external`: outside addresses requested from a local HTTP server only."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from siteutil import article

from sitegen.check import check_site
from sitegen.external import HttpSettings, check_urls, probe

FAST = HttpSettings(timeout=0.5, connect_timeout=0.5)
SAFETY_SECONDS = 30  # how long a handler waits for the test at most, should the test break


@dataclass
class Server:
    url: str
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, User-Agent
    release: threading.Event = field(default_factory=threading.Event)  # ends the slow answers
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(init=False)
    held: int = 0  # /held/ requests in flight
    most_held: int = 0
    held_expected: int = 0  # /held/ requests the test will make

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    def paths(self, method: str | None = None) -> list[str]:
        return [path for m, path, _ in self.requests if method in (None, m)]

    def paths_under(self, prefix: str) -> list[str]:
        return [path for path in self.paths() if path.startswith(prefix)]


class Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer
    state: Server

    def do_HEAD(self) -> None:
        self.answer()

    def do_GET(self) -> None:
        self.answer()

    def answer(self) -> None:
        state = self.state
        with state.lock:
            state.requests.append((self.command, self.path, self.headers.get("User-Agent", "")))
        path = self.path
        if path == "/ok":
            self.reply(200)
        elif path == "/missing":
            self.reply(404)
        elif path == "/moved":
            self.reply(302, location="/ok")
        elif path == "/moved-to-missing":
            self.reply(301, location=f"{state.url}/missing")
        elif path == "/loop":
            self.reply(302, location="/loop")
        elif path == "/no-head":
            self.reply(405 if self.command == "HEAD" else 200)
        elif path == "/head-hangs-up":
            if self.command == "HEAD":
                self.close_connection = True  # no answer at all
                return
            self.reply(200)
        elif path == "/slow":
            state.release.wait(SAFETY_SECONDS)
            self.reply(200)
        elif path == "/trickle":  # a header line at a time, each well within a socket time-out
            self.send_response_only(200)
            try:
                self.flush_headers()
                while not state.release.wait(0.05):
                    self.wfile.write(b"X-Wait: 1\r\n")
                    self.wfile.flush()
            except OSError:
                return  # the client gave up
        elif path.startswith("/held/"):
            with state.changed:
                state.held += 1
                state.most_held = max(state.most_held, state.held)
                state.changed.notify_all()
                # Wait for company (a second request at once), unless none can come any more.
                state.changed.wait_for(
                    lambda: state.held >= 2 or len(state.paths_under("/held/")) >= state.held_expected,
                    SAFETY_SECONDS,
                )
                state.held -= 1
            self.reply(200)
        else:
            self.reply(404)

    def reply(self, status: int, location: str | None = None) -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state = Server(f"http://127.0.0.1:{httpd.server_address[1]}")
    Handler.state = state
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_what_answers_and_what_does_not(server):
    answers = check_urls(
        [f"{server.url}{path}" for path in ("/ok", "/missing", "/moved", "/moved-to-missing", "/loop")], FAST
    )
    assert answers == {
        f"{server.url}/ok": None,
        f"{server.url}/missing": "HTTP 404",
        f"{server.url}/moved": None,
        f"{server.url}/moved-to-missing": "HTTP 404",
        f"{server.url}/loop": "too many redirects",
    }
    assert {agent for _, _, agent in server.requests} == {
        agent for _, _, agent in server.requests if agent.startswith("sitegen/")
    }
    assert server.paths("HEAD").count("/ok") == 2  # itself, and where /moved leads


def test_a_server_that_refuses_head_is_asked_with_get(server):
    assert probe(f"{server.url}/no-head", FAST) is None
    assert probe(f"{server.url}/head-hangs-up", FAST) is None
    assert server.requests[0][:2] == ("HEAD", "/no-head")
    assert server.requests[1][:2] == ("GET", "/no-head")
    assert [method for method, path, _ in server.requests if path == "/head-hangs-up"] == ["HEAD", "GET"]
    # A missing page is missing for GET too.
    assert probe(f"{server.url}/missing", FAST) == "HTTP 404"
    assert server.paths()[-2:] == ["/missing", "/missing"]


@pytest.mark.parametrize("path", ["/slow", "/trickle"])
def test_a_slow_server_times_out(server, path):
    started = time.monotonic()
    assert probe(f"{server.url}{path}", FAST) == "timed out"
    # Within the total time-out (the GET is not tried after a time-out), with room for a busy machine.
    assert time.monotonic() - started < FAST.timeout + 2


def test_a_closed_port_and_a_bad_address(server):
    closed = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = closed.server_address[1]
    closed.server_close()
    assert probe(f"http://127.0.0.1:{port}/", FAST) == "connection refused"
    assert probe("http://127.0.0.1:99999/", FAST) == "not a valid address"


def test_each_address_is_requested_once(server):
    answers = check_urls([f"{server.url}/ok"] * 5 + [f"{server.url}/missing"] * 3, FAST)
    assert len(answers) == 2
    assert sorted(server.paths()) == ["/missing", "/missing", "/ok"]  # /missing: HEAD, then GET


def test_at_most_two_requests_at_once_to_one_host(server):
    urls = [f"{server.url}/held/{n}" for n in range(8)]
    server.held_expected = len(urls)
    answers = check_urls(urls, HttpSettings(timeout=SAFETY_SECONDS, workers=8, per_host=2))
    assert set(answers.values()) == {None}
    assert server.most_held == 2


def test_check_external_reports_outside_links_and_source_urls(make_site, server, cli):
    url = server.url
    body = f"[ok]({url}/ok) [slow]({url}/slow) [moved]({url}/moved) [again]({url}/ok)"
    site = make_site(
        {
            "content/2024/10/a.md": article(title="A", source_url=f'"{server.url}/missing"', body=body),
            "content/2024/10/b.md": article(
                title="B", date="2024-10-10", source_url=f'"{server.url}/no-head"'
            ),
        }
    )
    result = cli("check", "--site", site)  # off by default
    assert result.code == 0 and server.requests == []
    result = cli("check", "--site", site, "--external", "--timeout", "0.5")
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if " -> " in line]
    assert lines == [
        f"/articles/a/ -> {server.url}/missing (HTTP 404)",
        f"/articles/a/ -> {server.url}/slow (timed out)",
        f"/feed.xml -> {server.url}/missing (HTTP 404)",  # the feed's link to the original
        f"/feed.xml -> {server.url}/slow (timed out)",
    ]
    assert result.out.splitlines()[-1].endswith(", 5 outside addresses: 4 broken links")
    assert server.paths("HEAD").count("/ok") == 2  # /ok itself, and where /moved leads


def test_a_source_url_no_page_shows_is_checked(make_site, server):
    theme = '{% extends "default/article.html" %}{% block content %}{{ body }}{% endblock %}'
    site = make_site(
        {
            "content/2024/10/a.md": article(title="A", source_url=f'"{server.url}/missing"'),
            "themes/default/templates/article.html": theme,
        }
    )
    report = check_site(site, external=True, timeout=0.5)
    assert [str(link) for link in report.broken] == [
        f"/articles/a/ -> {server.url}/missing (HTTP 404)",
        f"/feed.xml -> {server.url}/missing (HTTP 404)",
    ]
