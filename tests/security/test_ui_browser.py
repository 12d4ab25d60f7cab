"""Issue 15, item 4, in a real browser (Debian's chromium and chromedriver, via Selenium).

The pages work under their Content-Security-Policy without a single violation, and the policy
is a second line behind the URL check: a `javascript:` link that got into a page anyway runs
nothing when an admin clicks it, nor does an inline script, and no other site can frame a page.
"""

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.harness.lighter import LighterProcesses
from tests.ui.test_browser import api, browser, lighter, log_in, wait_until

__all__ = ["api", "browser", "lighter"]


def _violations(driver: WebDriver) -> list[str]:
    found: Any = driver.execute_script("return window.cspViolations || []")
    return [str(v) for v in found]


def _watch_violations(driver: WebDriver) -> None:
    driver.execute_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )


@pytest.fixture(scope="module")
def batch_id(api: httpx.Client) -> Iterator[str]:
    created = api.post("/batches", json={"file": "s3a://jobs/pi.py", "name": "csp"})
    assert created.status_code == 201, created.text
    yield created.json()["id"]


def _class_of(element_css: str) -> Callable[[WebDriver], str]:
    return lambda d: d.find_element(By.CSS_SELECTOR, element_css).get_attribute("class") or ""


def test_the_pages_run_under_their_policy_without_violations(
    browser: WebDriver, lighter: LighterProcesses, batch_id: str
) -> None:
    log_in(browser, lighter)
    live_pages = ("/lighter/ui/batches", f"/lighter/ui/batches/{batch_id}")
    for path in (*live_pages, "/lighter/ui/submit"):
        browser.get(lighter.url + path)
        _watch_violations(browser)
        # The page's own script ran: it marks the current tab and follows the event stream.
        wait_until(browser, lambda d: "here" in _class_of("nav a.here")(d))
        if path in live_pages:
            wait_until(browser, lambda d: "on" in _class_of("#live")(d).split())
        assert _violations(browser) == [], path


def test_a_script_link_or_inline_script_in_a_page_runs_nothing(
    browser: WebDriver, lighter: LighterProcesses, batch_id: str
) -> None:
    log_in(browser, lighter)
    browser.get(f"{lighter.url}/lighter/ui/batches/{batch_id}")
    _watch_violations(browser)
    browser.execute_script(
        "const link = document.createElement('a');"
        "link.id = 'planted'; link.textContent = 'Spark UI';"
        "link.href = 'javascript:window.pwned = \"link\"';"
        "document.body.appendChild(link);"
        "const script = document.createElement('script');"
        "script.textContent = 'window.pwned = \"inline\"';"
        "document.body.appendChild(script);"
    )
    browser.find_element(By.ID, "planted").click()
    wait_until(browser, lambda d: len(_violations(d)) >= 2, timeout=10)
    assert browser.execute_script("return window.pwned") is None
    assert browser.current_url.endswith(f"/lighter/ui/batches/{batch_id}")


@pytest.fixture(scope="module")
def other_site(lighter: LighterProcesses) -> Iterator[str]:
    """A page on another origin (another port) that frames Lighter's login page."""
    framing = f"<iframe id='framed' src='{lighter.url}/lighter/ui/login'></iframe>".encode()

    class Framing(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(framing)))
            self.end_headers()
            self.wfile.write(framing)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Framing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _framed_document(driver: WebDriver) -> str | None:
    driver.switch_to.default_content()
    driver.switch_to.frame(driver.find_element(By.ID, "framed"))
    loaded: Any = driver.execute_script(
        "return document.readyState === 'complete' && document.URL !== 'about:blank'"
        " ? document.URL : null"
    )
    return str(loaded) if loaded else None


def test_no_other_site_can_frame_a_page(
    browser: WebDriver, lighter: LighterProcesses, other_site: str
) -> None:
    browser.delete_all_cookies()
    browser.get(other_site)
    try:
        shown = wait_until(browser, _framed_document, timeout=20)
        assert not shown.startswith(lighter.url)
        assert browser.find_elements(By.ID, "login-name") == []
    finally:
        browser.switch_to.default_content()
