"""The sample briefing's images in headless Chromium on a 390 px phone (3 device pixels a
CSS pixel): no layout shift as they load, and no image the phone downloads is 100 KB or more."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from browserutil import skip_without_chromium, start_chromium
from selenium.webdriver.support.ui import WebDriverWait
from siteutil import REPO

from sitegen.engine import Engine

skip_without_chromium()

# The sample articles that show images: a lead image each, and a chart in the body of the last.
PAGES = (
    "articles/rotterdam-dockworkers-vote-to-strike/",
    "articles/red-sea-shipping-reroute/",
    "articles/taiwan-strait-shipping-insurance/",
    "articles/red-sea-war-risk-premiums-fall/",
)
# Before anything loads, add up the layout shifts the page makes (as Lighthouse's CLS does,
# leaving out those right after the reader's own input).
WATCH_SHIFTS = """
window.__shifts = 0;
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shifts += entry.value;
}).observe({type: 'layout-shift', buffered: true});
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory):
    output = tmp_path_factory.mktemp("sample") / "out"
    Engine(REPO, jobs=1, use_cache=False, index_search=False).build(output)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(output)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield output, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def phone():
    driver = start_chromium()
    metrics = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_SHIFTS})
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    yield driver
    driver.quit()


@pytest.mark.parametrize("path", PAGES)
def test_images_shift_nothing_and_a_phone_downloads_none_of_100_kb(sample_site, phone, path: str):
    output, address = sample_site
    phone.get(address + path)
    wait = WebDriverWait(phone, 30, poll_frequency=0.05)
    # Scroll through the page so that the lazy images load too, then wait for every image.
    phone.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    loaded_all = "return [...document.images].every(i => i.complete && i.naturalWidth > 0)"
    wait.until(lambda d: d.execute_script(loaded_all))
    images = phone.execute_script(
        "return [...document.images].map(i => [i.getAttribute('width'), i.getAttribute('height'), "
        "i.currentSrc])"
    )
    assert images, f"/{path} shows no image"
    for width, height, source in images:
        assert width and height, f"an image of /{path} has no width and height: {source}"
        assert source.endswith(".webp"), f"a phone should get WebP: {source}"
    assert phone.execute_script("return window.__shifts") == 0
    loaded = phone.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter(r => r.initiatorType === 'img').map(r => [r.name, r.encodedBodySize])"
    )
    assert loaded, f"/{path} downloaded no image"
    for url, size in loaded:
        on_disk = (output / url.removeprefix(address)).stat().st_size
        assert size == on_disk and size < 100_000, f"{url}: {size} bytes"
