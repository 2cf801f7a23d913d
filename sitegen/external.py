"""Checking addresses on other sites: does each answer, within a time limit?

Each address is requested once, with HEAD, and again with GET when HEAD is refused (some
servers answer HEAD with 405, 501 or another error, or drop the connection). Redirects
are followed. Requests run in a bounded pool of threads, at most a few at a time to any
one host, each within a connect time-out and a total one (redirects and the GET included).
Only the status line and headers are read, never a body.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import zip_longest
from urllib.parse import quote, urljoin, urlsplit

from .version import __version__

USER_AGENT = f"sitegen/{__version__} link checker (sitegen check --external)"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Characters a request target may hold as they are; anything else is percent-encoded
# (a link may be written with spaces or non-ASCII letters, which HTTP does not carry).
_SAFE_IN_TARGET = "/%:@!$&'()*+,;=-._~?"


@dataclass(frozen=True)
class HttpSettings:
    timeout: float = 20.0  # seconds for one address at most, redirects and the GET included
    connect_timeout: float = 10.0  # seconds to connect (and set up TLS) at most
    workers: int = 16  # requests in flight at once
    per_host: int = 2  # requests in flight at once to one host
    max_redirects: int = 10


def check_urls(
    urls: Iterable[str],
    settings: HttpSettings = HttpSettings(),
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, str | None]:
    """Why each address is broken ("HTTP 404", "timed out" ...), or None where it answers;
    each address is requested once. Runs threads, and returns once all have finished."""
    unique = sorted(set(urls))
    limits = _HostLimits(settings.per_host)
    results: dict[str, str | None] = {}
    if not unique:
        return results
    pool = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="sitegen-link")
    try:
        futures = {pool.submit(probe, url, settings, limits): url for url in _spread_by_host(unique)}
        for done, future in enumerate(as_completed(futures), 1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, len(unique))
    finally:
        # On Ctrl-C, the addresses not yet requested are dropped; those under way end
        # within their time-out.
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def probe(url: str, settings: HttpSettings, limits: _HostLimits | None = None) -> str | None:
    """Why `url` is broken, or None when it answers with a success (after redirects)."""
    limits = limits or _HostLimits(settings.per_host)
    budget = _Budget(settings.timeout)
    answer = _follow(url, "HEAD", budget, settings, limits)
    if answer.refused_head:
        answer = _follow(url, "GET", budget, settings, limits)
    return answer.why


class _Budget:
    """The time one address may take, spent only while a request is in flight (not while
    waiting for a place among its host's requests)."""

    def __init__(self, seconds: float):
        self.left = seconds

    @contextmanager
    def spending(self) -> Iterator[float]:
        """Yields the deadline of the request made inside, and deducts the time it took."""
        started = time.monotonic()
        try:
            yield started + self.left
        finally:
            self.left -= time.monotonic() - started


@dataclass(frozen=True)
class _Answer:
    why: str | None  # None: it answered with success
    refused_head: bool = False  # the server answered, but not to HEAD: GET may work


def _follow(url: str, method: str, budget: _Budget, settings: HttpSettings, limits: _HostLimits) -> _Answer:
    """Request `url`, following redirects."""
    for _ in range(settings.max_redirects + 1):
        try:
            parts = urlsplit(url)
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
                return _Answer(f"redirects to {url}, which is not an http(s) address")
            with limits.of(parts.hostname.lower()), budget.spending() as deadline:
                status, location = _request(url, method, deadline, settings)
        except TimeoutError:
            return _Answer("timed out")
        except socket.gaierror:
            return _Answer("no such host")
        except ssl.SSLCertVerificationError as exc:
            return _Answer(f"TLS certificate not valid ({exc.verify_message})")
        except ssl.SSLError as exc:
            return _Answer(f"TLS error ({exc.reason or exc})")
        except ConnectionRefusedError:
            return _Answer("connection refused")
        except (http.client.HTTPException, ConnectionResetError, BrokenPipeError) as exc:
            # The server took the request but broke off: some do that to HEAD.
            if budget.left <= 0:
                return _Answer("timed out")
            return _Answer(f"no valid answer ({type(exc).__name__})", refused_head=method == "HEAD")
        except OSError as exc:
            return _Answer(f"cannot connect ({exc.strerror or exc})")
        except ValueError:  # a port that is not a number, a host http.client refuses
            return _Answer("not a valid address")
        if status in REDIRECTS and location:
            url = urljoin(url, location)
            method = "GET" if status == 303 else method
            continue
        if status >= 400:
            return _Answer(f"HTTP {status}", refused_head=method == "HEAD")
        return _Answer(None)
    return _Answer("too many redirects")


def _request(url: str, method: str, deadline: float, settings: HttpSettings) -> tuple[int, str | None]:
    """One request: the status and the Location header. Raises TimeoutError once the
    deadline passes, however slowly the server sends its answer."""
    parts = urlsplit(url)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    secure = parts.scheme.lower() == "https"
    connection_class = http.client.HTTPSConnection if secure else http.client.HTTPConnection
    port = parts.port or (443 if secure else 80)
    connection = connection_class(
        parts.hostname or "", port, timeout=min(settings.connect_timeout, remaining)
    )
    # A server can send its answer a byte at a time, each within a socket time-out: at the
    # deadline the socket is shut down, which ends any read under way.
    timer = threading.Timer(remaining, _shut_down, (connection,))
    timer.start()
    try:
        connection.connect()
        if connection.sock is not None:  # it is, once connected
            connection.sock.settimeout(max(0.0, deadline - time.monotonic()))
        target = quote(parts.path or "/", safe=_SAFE_IN_TARGET) + (
            "?" + quote(parts.query, safe=_SAFE_IN_TARGET) if parts.query else ""
        )
        connection.request(method, target, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = connection.getresponse()
        if time.monotonic() >= deadline:
            # Cut off by the shut-down, which reads as the end of the headers.
            raise TimeoutError
        return response.status, response.getheader("Location")
    except OSError:
        if time.monotonic() >= deadline:
            raise TimeoutError from None
        raise
    finally:
        timer.cancel()
        connection.close()


def _shut_down(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


class _HostLimits:
    """A semaphore per host: at most `per_host` requests in flight to one host."""

    def __init__(self, per_host: int):
        self._per_host = max(1, per_host)
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}

    def of(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            if host not in self._semaphores:
                self._semaphores[host] = threading.BoundedSemaphore(self._per_host)
            return self._semaphores[host]


def _spread_by_host(urls: list[str]) -> Iterator[str]:
    """The addresses in turn by host (a1, b1, a2, b2 ...), so that the pool's threads do
    not all queue for one host's few places."""
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            host = ""
        by_host[host].append(url)
    for group in zip_longest(*by_host.values()):
        yield from (url for url in group if url is not None)
