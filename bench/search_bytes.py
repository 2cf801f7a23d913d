"""What search costs a reader: the bytes a browser fetches, measured in Chromium.

    python bench/search_bytes.py OUTPUT_DIR [--query WORD ...]

OUTPUT_DIR is a site built by `sitegen build` (with search on). It is served as static
files by Python's http.server on a loopback port, which counts every byte of every file it
sends (so requests that a web worker would make count too). Two figures: the files as
they are (a server that compresses nothing), and with text files (HTML, CSS, JavaScript,
JSON) gzip-compressed, as GitHub Pages, Netlify, Cloudflare and most CDNs send them.
Pagefind's index files and its WebAssembly are gzip-compressed already.

For each page kind it loads (home page, an article, a tag page) it reports the scripts the
page loads (none but the search page may load any). For the search page it reports the
bytes fetched by loading the page and running the first query, file by file, then by each
further query. Each query runs in a fresh browser profile (nothing cached).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import shutil
import threading
import time
from collections import Counter
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote, unquote, urlsplit

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

TEXT = (".html", ".css", ".js", ".json", "/")


def compressed(sent: dict[str, int], root: Path) -> int:
    """The bytes `sent` would take with text files gzip-compressed (level 6)."""
    total = 0
    for path, size in sent.items():
        if path.endswith(TEXT):
            file = root / path.lstrip("/")
            file = file / "index.html" if path.endswith("/") else file
            total += len(gzip.compress(file.read_bytes(), 6))
        else:
            total += size
    return total


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    sent: ClassVar[Counter[str]] = Counter()  # bytes of each file sent, by URL path
    lock = threading.Lock()

    def log_message(self, format, *args):
        pass

    def send_head(self):
        stream = super().send_head()
        if stream is not None and hasattr(stream, "fileno"):
            with self.lock:
                self.sent[unquote(urlsplit(self.path).path)] += os.fstat(stream.fileno()).st_size
        return stream


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=options)


def wait(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the page did not finish")
        time.sleep(0.05)


def finished(driver: webdriver.Chrome) -> bool:
    status = driver.find_element(By.CSS_SELECTOR, ".search-status").text
    return "found" in status or "No article" in status or "not available" in status


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("output", type=Path)
    parser.add_argument("--query", action="append", default=None)
    args = parser.parse_args()
    queries = args.query or ["port", "contract", "government", "pipeline", "tariff", "zebra"]
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(CountingHandler, directory=str(args.output))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    article = next((args.output / "articles").iterdir()).name
    tag = next(p.name for p in (args.output / "tags").iterdir() if p.is_dir())
    driver = browser()
    try:
        for page in ("", f"articles/{article}/", f"tags/{tag}/"):
            CountingHandler.sent.clear()
            driver.get(base + page)
            scripts = driver.execute_script("return document.scripts.length")
            fetched = dict(CountingHandler.sent)
            js = sum(size for path, size in fetched.items() if path.endswith(".js"))
            total = sum(fetched.values())
            print(f"/{page}: {scripts} scripts, {js} bytes of JavaScript, {total} bytes in all")
    finally:
        driver.quit()
    for query in queries:
        driver = browser()  # a fresh profile: nothing cached
        try:
            CountingHandler.sent.clear()
            driver.get(base + "search/?q=" + quote(query))
            wait(functools.partial(finished, driver))
            status = driver.find_element(By.CSS_SELECTOR, ".search-status").text
            fetched = dict(CountingHandler.sent)
            print(
                f"\n/search/?q={query} ({status}), first query included: {sum(fetched.values())} bytes "
                f"({compressed(fetched, args.output)} with text gzip-compressed)"
            )
            for path, size in sorted(fetched.items(), key=lambda item: -item[1]):
                print(f"  {size:>8}  {path}")
            CountingHandler.sent.clear()
            box = driver.find_element(By.ID, "search-q")
            box.clear()
            box.send_keys(query + "s")
            time.sleep(0.5)  # the page waits 150 ms after typing before it searches
            wait(functools.partial(finished, driver))
            print(f"  then '{query}s': {sum(CountingHandler.sent.values())} bytes more")
        finally:
            driver.quit()
    server.shutdown()


if __name__ == "__main__":
    main()
