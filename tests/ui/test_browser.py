"""The web UI in a real browser: Debian's chromium and chromedriver, driven by Selenium.

Lighter runs standalone on the simulated backend with HTTP Basic users (the UI's subject is
the UI, not Spark). Set LIGHTER_SCREENSHOT_DIR (e.g. docs/screenshots) to keep the
screenshots of the main pages that the README shows.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.harness.lighter import LighterFactory, LighterProcesses

PASSWORD = "correct horse battery"
CHROMIUM = ("chromium", "chromium-browser")
CHROMEDRIVER = "chromedriver"


def executable(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(
        f"the browser tests need {' or '.join(names)}: apt-get install chromium chromium-driver "
        "(scripts/install-test-services.sh installs them)"
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = executable(*CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,860")
    # The browser and its driver come from the system: Selenium downloads nothing.
    os.environ.setdefault("SE_OFFLINE", "true")
    driver = webdriver.Chrome(options=options, service=Service(executable(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def lighter(
    lighter_factory: LighterFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LighterProcesses]:
    users_file = tmp_path_factory.mktemp("ui-users") / "users.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "lighter_standalone",
            "users",
            "add",
            "ada",
            "--password-stdin",
            "--file",
            str(users_file),
        ],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    processes = lighter_factory.start(
        "standalone",
        backend="simulated",
        extra={
            "LIGHTER_AUTH_MODE": "basic",
            "LIGHTER_AUTH_USERS_FILE": str(users_file),
            "LIGHTER_SPARK_HISTORY_SERVER_URL": "http://history.example:18080",
            # The simulated backend reads no file: any directory does.
            "LIGHTER_ALLOWED_LOCAL_DIRS": "/",
        },
    )
    yield processes
    processes.stop_all()


@pytest.fixture(scope="module")
def api(lighter: LighterProcesses) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=lighter.url + "/lighter/api", auth=("ada", PASSWORD), timeout=30
    ) as client:
        yield client


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Callable[[WebDriver, str], None]:
    directory = Path(os.environ.get("LIGHTER_SCREENSHOT_DIR") or tmp_path_factory.mktemp("shots"))
    directory.mkdir(parents=True, exist_ok=True)

    def take(driver: WebDriver, name: str) -> None:
        driver.save_screenshot(str(directory / f"{name}.png"))

    return take


def wait_until(driver: WebDriver, condition: Callable[[WebDriver], object], timeout: float = 60):  # type: ignore[no-untyped-def]
    return WebDriverWait(
        driver,
        timeout,
        poll_frequency=0.2,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
    ).until(condition)


def text_of(element_id: str) -> Callable[[WebDriver], str]:
    return lambda driver: driver.find_element(By.ID, element_id).text


def log_in(driver: WebDriver, lighter: LighterProcesses) -> None:
    driver.delete_all_cookies()
    driver.get(lighter.url + "/")
    wait_until(driver, lambda d: "/lighter/ui/login" in d.current_url)
    driver.find_element(By.ID, "login-name").send_keys("ada")
    driver.find_element(By.ID, "login-password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login").click()
    wait_until(driver, lambda d: d.find_element(By.ID, "user").text == "ada")


def test_a_wrong_password_is_refused_then_the_right_one_logs_in_and_out(
    browser: WebDriver, lighter: LighterProcesses, screenshots: Callable[[WebDriver, str], None]
) -> None:
    browser.delete_all_cookies()
    browser.get(lighter.url + "/lighter/ui/sessions")
    wait_until(browser, lambda d: "/lighter/ui/login" in d.current_url)
    browser.find_element(By.ID, "login-name").send_keys("ada")
    browser.find_element(By.ID, "login-password").send_keys("not it")
    screenshots(browser, "login")
    browser.find_element(By.ID, "login").click()
    assert "Wrong user name or password" in wait_until(browser, text_of("login-error"))

    browser.find_element(By.ID, "login-name").send_keys("ada")
    browser.find_element(By.ID, "login-password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login").click()
    wait_until(browser, lambda d: d.current_url.endswith("/lighter/ui/sessions"))
    assert browser.find_element(By.ID, "user").text == "ada"

    browser.find_element(By.ID, "logout").click()
    wait_until(browser, lambda d: "/lighter/ui/login" in d.current_url)
    browser.get(lighter.url + "/lighter/ui/batches")
    wait_until(browser, lambda d: "/lighter/ui/login" in d.current_url)


def test_a_batch_submitted_through_the_form_reaches_success_without_a_reload(
    browser: WebDriver, lighter: LighterProcesses, screenshots: Callable[[WebDriver, str], None]
) -> None:
    log_in(browser, lighter)
    browser.find_element(By.ID, "nav-submit").click()
    browser.find_element(By.ID, "field-name").send_keys("nightly-report")
    browser.find_element(By.ID, "field-file").send_keys("s3a://jobs/report.py")
    browser.find_element(By.ID, "field-args").send_keys("--day\n2026-11-27")
    browser.find_element(By.ID, "field-conf").send_keys(
        "lighter.simulated.runSeconds=4\nspark.hadoop.fs.s3a.secret.key=hunter2"
    )
    screenshots(browser, "submit")
    browser.find_element(By.ID, "submit").click()
    wait_until(browser, lambda d: "/lighter/ui/batches/" in d.current_url)
    page = browser.current_url
    browser.execute_script("window.stillTheSamePage = true")

    wait_until(browser, lambda d: text_of("state")(d) == "running")
    screenshots(browser, "batch-running")
    wait_until(browser, lambda d: text_of("state")(d) == "success")
    wait_until(browser, lambda d: "phase: succeeded" in text_of("log")(d))

    assert browser.current_url == page
    assert browser.execute_script("return window.stillTheSamePage") is True
    params = browser.find_element(By.ID, "params").text
    assert "[redacted]" in params and "hunter2" not in params
    assert "--day 2026-11-27" in params
    lifecycle = browser.find_element(By.ID, "lifecycle").text
    assert "Claimed" in lifecycle and "ran " in lifecycle
    history = browser.find_element(By.ID, "history").get_attribute("href")
    assert history is not None and history.startswith("http://history.example:18080/history/")
    screenshots(browser, "batch")


def test_a_running_batch_is_killed_from_its_page_and_lists_update_live(
    browser: WebDriver,
    lighter: LighterProcesses,
    api: httpx.Client,
    screenshots: Callable[[WebDriver, str], None],
) -> None:
    log_in(browser, lighter)
    browser.get(lighter.url + "/lighter/ui/batches")
    browser.execute_script("window.stillTheSamePage = true")
    body = {"file": "etl.py", "name": "long-etl", "conf": {"lighter.simulated.runSeconds": "600"}}
    batch = api.post("/batches", json=body).json()
    row = f"tr[data-id='{batch['id']}'] .state"
    wait_until(browser, lambda d: d.find_element(By.CSS_SELECTOR, row).text == "running")
    assert browser.execute_script("return window.stillTheSamePage") is True
    screenshots(browser, "batches")

    browser.find_element(By.LINK_TEXT, "long-etl").click()
    wait_until(browser, lambda d: text_of("state")(d) == "running")
    browser.find_element(By.ID, "kill").click()
    browser.switch_to.alert.accept()
    wait_until(browser, lambda d: text_of("state")(d) == "killed")
    assert browser.find_element(By.ID, "deleted").text == "deleted"
    assert api.get(f"/batches/{batch['id']}").status_code == 404


def test_the_sessions_list_shows_each_session(
    browser: WebDriver,
    lighter: LighterProcesses,
    api: httpx.Client,
    screenshots: Callable[[WebDriver, str], None],
) -> None:
    log_in(browser, lighter)
    session = api.post("/sessions", json={"name": "exploration", "kind": "pyspark"}).json()
    browser.get(lighter.url + "/lighter/ui/sessions")
    wait_until(browser, lambda d: d.find_element(By.CSS_SELECTOR, f"tr[data-id='{session['id']}']"))
    screenshots(browser, "sessions")
    api.delete(f"/sessions/{session['id']}")
