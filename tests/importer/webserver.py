"""A web server on 127.0.0.1 for the importer's tests: pages written for the project (no copy
of a real article), redirects, a slow page, a page that trickles, a 404, a huge page, a
non-HTML file and feeds. Nothing leaves the machine."""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOREM = [
    "The harbour board of Eastport voted on Tuesday to approve a plan that widens the old quay "
    "and deepens the channel for the larger ferries that now call at the town.",
    "Work is due to start in the spring and to last two years, the board said in a statement "
    "after a meeting that ran late into the evening.",
    "Fishermen who moor at the quay said they had been heard, though some still fear the noise "
    "of the works will keep visitors away in the summer.",
    "The plan will be paid for by the port's own reserves and a loan from the regional bank, "
    "which agreed to the terms last month.",
]


def prose(mark: str) -> list[str]:
    """LOREM with `mark` in every sentence: a story of its own, which the importer does not
    take for a near-duplicate of another page made of LOREM."""
    return [f"{p[:-1]} ({mark})." for p in LOREM]


def article_page(
    title: str,
    *,
    paragraphs: list[str] | None = None,
    date: str = "2024-12-03T09:30:00+00:00",
    site: str = "Eastport Gazette",
    canonical: str | None = None,
    extra_head: str = "",
    charset_meta: str | None = "utf-8",
) -> str:
    """A news page as outlets write them: Open Graph, a date, an article element."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in (paragraphs or LOREM))
    head = f'<meta charset="{charset_meta}">' if charset_meta else ""
    if canonical:
        head += f'<link rel="canonical" href="{html.escape(canonical)}">'
    return (
        f"<!doctype html><html><head>{head}<title>{html.escape(title)} - {site}</title>"
        f'<meta property="og:title" content="{html.escape(title)}">'
        f'<meta property="og:site_name" content="{site}">'
        f'<meta property="article:published_time" content="{date}">'
        f'<meta name="author" content="Ada Quill">{extra_head}</head>'
        f"<body><header>Menu Home News</header><article><h1>{html.escape(title)}</h1>"
        f"{body}</article><footer>Copyright</footer></body></html>"
    )


def json_ld(obj: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


@dataclass
class Reply:
    status: int = 200
    body: bytes | Callable[[], Iterator[bytes]] = b""
    headers: dict[str, str] = field(default_factory=dict)


class LocalWeb:
    """The server and its routes: `web.route(path, Reply(...))`; `web.url(path)`."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply] = {}
        self.hits: dict[str, int] = {}
        self.user_agents: list[str] = []
        self.release = threading.Event()  # the slow pages answer once it is set
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                web.hits[self.path] = web.hits.get(self.path, 0) + 1
                web.user_agents.append(self.headers.get("User-Agent", ""))
                reply = web.routes.get(self.path, Reply(404, b"<h1>Not found</h1>"))
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    chunks = reply.body() if callable(reply.body) else [reply.body]
                    for chunk in chunks:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should on a huge or slow page

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def route(self, path: str, reply: Reply) -> str:
        self.routes[path] = reply
        return self.url(path)

    def page(self, path: str, text: str, content_type: str = "text/html; charset=utf-8") -> str:
        return self.route(path, Reply(200, text.encode("utf-8"), {"Content-Type": content_type}))

    def redirect(self, path: str, target: str, status: int = 301) -> str:
        return self.route(path, Reply(status, b"", {"Location": target}))

    def slow(self, path: str) -> str:
        """A page that answers only when the test is over (`release`)."""

        def wait() -> Iterator[bytes]:
            self.release.wait(30)
            yield b"<html></html>"

        self.routes[path] = Reply(200, wait, {"Content-Type": "text/html"})
        return self.url(path)

    def trickle(self, path: str) -> str:
        """A page that sends a few bytes every 50 ms, for ever (until `release`): each read
        is quick, so only the deadline for the whole page stops it."""

        def drip() -> Iterator[bytes]:
            yield b"<html><body>"
            while not self.release.wait(0.05):
                yield b"<p>more</p>"

        self.routes[path] = Reply(200, drip, {"Content-Type": "text/html"})
        return self.url(path)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)
