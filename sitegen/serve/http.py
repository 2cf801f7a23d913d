"""The preview server's HTTP side: files of the built site, the live reload channel, nothing else."""

from __future__ import annotations

import ipaddress
import json
import mimetypes
import re
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

EVENTS_PATH = "/__sitegen/events"
SCRIPT_PATH = "/__sitegen/livereload.js"
KEEPALIVE_SECONDS = 15
LISTEN_BACKLOG = 128  # socketserver's 5 makes a burst of connections (a page and its assets) wait
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# A Host header: a name or IPv4 address, or an IPv6 address in brackets, then maybe a port.
_HOST_HEADER = re.compile(
    r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[^:\[\]@/\s]+))(?::(?P<port>[0-9]{1,5}))?"
)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
}


def content_type(path: Path) -> str:
    return (
        CONTENT_TYPES.get(path.suffix.lower())
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )


def resolve_request_path(root: Path, url_path: str) -> Path | None:
    """The file a URL path names inside `root`, or None: never a file outside it.

    `..` (also percent-encoded), backslashes, NUL and symlinks that lead out of the
    root are refused; a folder gives its index.html; there are no directory listings.
    A path the file system cannot take (a name over 255 bytes) names no file.
    """
    decoded = unquote(url_path)
    if "\x00" in decoded or "\\" in decoded:
        return None
    parts = [p for p in decoded.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    candidate = root.joinpath(*parts)
    try:
        if candidate.is_dir():
            candidate = candidate / "index.html"
        resolved = candidate.resolve(strict=True)
        real_root = root.resolve(strict=True)
        if real_root not in resolved.parents or not resolved.is_file():
            return None
    except (OSError, RuntimeError, ValueError):
        return None
    return resolved


def is_own_host(header: str | None, listen_host: str, port: int) -> bool:
    """Whether a request's Host header names the preview: a loopback name or the address it
    listens on, with its port. A DNS rebinding attack sends the attacker's own name and is
    refused. Listening on every address (0.0.0.0, ::), any IP address is the preview's
    own: other machines reach it by one, and a rebinding attack needs a name.
    """
    match = _HOST_HEADER.fullmatch(header or "")
    if match is None or int(match["port"] or 80) != port:
        return False
    name = (match["ipv6"] or match["name"]).lower()
    if name in LOOPBACK_NAMES or name == listen_host.strip("[]").lower():
        return True
    return is_unspecified(listen_host) and _is_ip_address(name)


def is_unspecified(host: str) -> bool:
    """0.0.0.0 or ::, listening on every address of the machine."""
    return _is_ip_address(host) and ipaddress.ip_address(host).is_unspecified


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class LiveState:
    """What every open page needs to know: the latest build generation and its errors.

    Waiting clients block on a condition and wake on every change."""

    def __init__(self, server_id: str):
        self.server_id = server_id
        self.generation = 0
        self.errors: list[dict] = []
        self.sequence = 0  # counts events; errors alone do not change the generation
        self.last_event: tuple[str, dict] | None = None
        self.stopping = False
        self._changed = threading.Condition()

    def publish(self, kind: str, errors: list[dict] | None = None) -> None:
        """kind: 'reload' (a new build), 'css' (only stylesheets changed) or 'errors'."""
        with self._changed:
            if kind != "errors":
                self.generation += 1
            self.errors = errors or []
            self.sequence += 1
            self.last_event = (kind, self.snapshot())
            self._changed.notify_all()

    def snapshot(self) -> dict:
        return {"server": self.server_id, "generation": self.generation, "errors": self.errors}

    def wait(self, seen: int, timeout: float) -> tuple[int, tuple[str, dict] | None]:
        """Block until an event after number `seen` (or a timeout); returns its number and it."""
        with self._changed:
            self._changed.wait_for(lambda: self.sequence != seen or self.stopping, timeout)
            return self.sequence, self.last_event

    def stop(self) -> None:
        with self._changed:
            self.stopping = True
            self._changed.notify_all()


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet: the CLI reports builds
        pass

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def _serve(self, send_body: bool) -> None:
        if not is_own_host(self.headers.get("Host"), self.server.listen_host, self.server.server_port):
            message = b"403 Forbidden: this preview answers only requests for its own address\n"
            self._send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8", message, send_body)
            return
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            self._events()
            return
        if path == SCRIPT_PATH:
            self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", _live_script(), send_body)
            return
        base = self.server.base_path
        if not path.startswith(base):
            if path in ("/", base.rstrip("/")):
                self._redirect(base)
            else:
                self._not_found(send_body)
            return
        root = self.server.root()
        if root is None:  # no good build yet: a page that shows the errors
            self._send(
                HTTPStatus.SERVICE_UNAVAILABLE, CONTENT_TYPES[".html"], self._inject(_WAITING_PAGE), send_body
            )
            return
        relative = path[len(base) :]
        target = resolve_request_path(root, relative)
        if target is None:
            self._not_found(send_body)
            return
        if target.name == "index.html" and relative and not relative.endswith(("/", "index.html")):
            self._redirect(path + "/")  # /articles/x -> /articles/x/, so relative links work
            return
        self._send_file(HTTPStatus.OK, target, send_body)

    def _not_found(self, send_body: bool) -> None:
        root = self.server.root()
        page = resolve_request_path(root, "404.html") if root else None
        if page:
            self._send_file(HTTPStatus.NOT_FOUND, page, send_body)
        else:
            self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"404 Not Found\n", send_body)

    def _send_file(self, status: HTTPStatus, path: Path, send_body: bool) -> None:
        try:
            data = path.read_bytes()
        except OSError:  # replaced by a rebuild between resolving and reading
            self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"404 Not Found\n", send_body)
            return
        kind = content_type(path)
        if kind.startswith("text/html"):
            data = self._inject(data)
        self._send(status, kind, data, send_body)

    def _inject(self, html: bytes) -> bytes:
        state = self.server.state
        tag = (
            f'<script src="{SCRIPT_PATH}" data-server="{state.server_id}" '
            f'data-generation="{state.generation}"></script>'
        ).encode()
        index = html.rfind(b"</body>")
        return html[:index] + tag + html[index:] if index >= 0 else html + tag

    def _send(self, status: HTTPStatus, kind: str, data: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _events(self) -> None:
        """Server-Sent Events: a 'hello' with the current state, then every change."""
        state = self.server.state
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "keep-alive")
        self.end_headers()
        self.close_connection = True
        try:
            seen = state.sequence
            self._event("hello", state.snapshot(), retry=500)
            while not state.stopping:
                counter, event = state.wait(seen, KEEPALIVE_SECONDS)
                if state.stopping:
                    break
                if counter == seen or event is None:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                seen = counter
                self._event(*event)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass

    def _event(self, kind: str, data: dict, retry: int | None = None) -> None:
        message = f"event: {kind}\ndata: {json.dumps(data)}\n\n"
        if retry is not None:
            message = f"retry: {retry}\n" + message
        self.wfile.write(message.encode())
        self.wfile.flush()


class PreviewHTTPServer(ThreadingHTTPServer):
    """Bound to its address when made; accepting connections only after server_activate()."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self, address: tuple[str, int], base_path: str, state: LiveState, root: Callable[[], Path | None]
    ):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, PreviewHandler, bind_and_activate=False)
        try:
            self.server_bind()
        except BaseException:
            self.server_close()
            raise
        self.listen_host = address[0]
        self.base_path = base_path
        self.state = state
        self.root = root  # the folder of the last good build, or None


def _live_script() -> bytes:
    return resources.files(__package__).joinpath("livereload.js").read_bytes()


_WAITING_PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>sitegen: waiting for a good build</title></head><body>
<p>The site has not built yet. Fix the errors and save: this page reloads by itself.</p>
</body></html>"""
