"""A session's page in a real browser, on real Spark: statements and their output appear as
the session runs them, without a reload."""

from collections.abc import Callable, Iterator

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.harness.lighter import LighterFactory, LighterProcesses, wait_for
from tests.ui.test_browser import browser, screenshots, text_of, wait_until

__all__ = ["browser", "screenshots"]  # the browser and screenshot fixtures

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def lighter(lighter_factory: LighterFactory) -> Iterator[LighterProcesses]:
    processes = lighter_factory.start("standalone")
    yield processes
    processes.stop_all()


def test_a_sessions_statements_and_their_output_appear_live(
    browser: WebDriver, lighter: LighterProcesses, screenshots: Callable[[WebDriver, str], None]
) -> None:
    with httpx.Client(base_url=lighter.url + "/lighter/api", timeout=30) as api:
        session = api.post("/sessions", json={"name": "exploration", "kind": "pyspark"}).json()
        path = f"/sessions/{session['id']}"
        browser.get(f"{lighter.url}/lighter/ui{path}")
        browser.execute_script("window.stillTheSamePage = true")
        wait_until(browser, lambda d: text_of("state")(d) == "idle", timeout=240)
        wait_for(api, path, lambda s: s["state"] == "idle")

        api.post(
            f"{path}/statements", json={"code": "spark.range(100).selectExpr('sum(id)').first()[0]"}
        )
        api.post(f"{path}/statements", json={"code": "1 / 0"})
        wait_until(browser, lambda d: "4950" in text_of("statements")(d), timeout=120)
        wait_until(browser, lambda d: "ZeroDivisionError" in text_of("statements")(d), timeout=120)
        assert browser.execute_script("return window.stillTheSamePage") is True
        screenshots(browser, "session")

        browser.find_element(By.ID, "kill").click()
        browser.switch_to.alert.accept()
        wait_until(browser, lambda d: text_of("state")(d) in ("killed", "dead"), timeout=120)
