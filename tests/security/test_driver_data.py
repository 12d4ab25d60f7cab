"""Issue 15, item 4: what a driver reports is untrusted.

A session's code can read its kernel secret and post any `sparkUiUrl` to the kernel endpoint,
and print any "started at" line into the driver log that a backend reads. Only absolute
http(s) URLs are kept, and only those are shown as links (both dialects' `appInfo`, the UI).
"""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from lighter_common.domain.app_links import NO_TEMPLATES, LinkTemplates, app_links
from lighter_common.domain.application import AppInfo, Application, ApplicationType
from lighter_common.domain.driver import DriverPhase, DriverStatus
from lighter_common.domain.driver_urls import safe_url
from lighter_common.domain.spark_app_ids import safe_app_id
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import ServerSettings, SessionSettings, Settings
from lighter_common.store.sqlite import SqliteStore
from lighter_session_manager.dispatch import Dispatcher
from lighter_session_manager.kernel_endpoint import kernel_router
from lighter_tracker.reconcile import discovered_fields

from tests.security.conftest import AppFactory, basic, client_of

SCRIPT = "javascript:fetch('/lighter/api/batches',{method:'POST'})"
UNSAFE = [
    SCRIPT,
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/ui",
    "/lighter/api/batches",
    "http:evil.example",
    "http:\\\\evil.example",
    "http://driver\\@evil.example/",
    "http://user:pass@evil.example/",
    "http://",
    "http://driver:port/",
    "http://driver:4040/\x00",
    "http://driver:4040/ x",
    "ftp://driver/",
    "http://" + "a" * 3000,
]
SAFE = ["http://driver:4040", "https://spark.example.org/ns/pod/", "HTTP://10.0.0.7:4041/jobs/"]


@pytest.mark.parametrize("url", UNSAFE)
def test_an_unsafe_url_is_no_url(url: str) -> None:
    assert safe_url(url) is None


@pytest.mark.parametrize("url", SAFE)
def test_an_http_url_is_kept(url: str) -> None:
    assert safe_url(url) == url


@pytest.fixture
def kernel(store: SqliteStore, tmp_path: Path) -> FastAPI:
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path / "data"),
        sessions=SessionSettings(kernel_poll_timeout=0.05),
    )
    app = FastAPI()
    app.include_router(
        kernel_router(store=store, dispatcher=Dispatcher(store=store), settings=settings)
    )
    return app


@pytest.fixture
async def api(secure_app: AppFactory) -> AsyncIterator[FastAPI]:
    yield secure_app()


async def _alice_session(api: FastAPI, store: SqliteStore) -> Application:
    async with client_of(api, auth=basic("alice")) as alice:
        created = await alice.post("/lighter/api/sessions", json={"kind": "pyspark"})
    assert created.status_code == 201, created.text
    session = await store.get_application(created.json()["id"])
    assert session is not None
    return session


async def _driver_reports(kernel: FastAPI, session: Application, url: str) -> httpx.Response:
    async with client_of(kernel) as driver:
        return await driver.post(
            f"/kernel/sessions/{session.id}/poll",
            json={"generation": session.generation, "appId": "local-1", "sparkUiUrl": url},
            headers={"Authorization": f"Bearer {session.kernel_secret}"},
        )


async def _root_sees(api: FastAPI, session: Application) -> tuple[str, object, object]:
    async with client_of(api, auth=basic("root")) as root:
        page = await root.get(f"/lighter/ui/sessions/{session.id}")
        lighter = await root.get(f"/lighter/api/sessions/{session.id}")
        livy = await root.get(f"/livy/sessions/{session.livy_id}")
    assert page.status_code == lighter.status_code == livy.status_code == 200
    return page.text, lighter.json()["appInfo"], livy.json()["appInfo"]


@pytest.mark.parametrize("url", [SCRIPT, "data:text/html,x", "//evil.example/"])
async def test_a_script_url_posted_by_a_driver_is_dropped_and_never_linked(
    kernel: FastAPI, api: FastAPI, store: SqliteStore, url: str
) -> None:
    session = await _alice_session(api, store)
    reported = await _driver_reports(kernel, session, url)
    assert reported.status_code == 200, reported.text  # the driver goes on working

    stored = await store.get_application(session.id)
    assert stored is not None
    assert stored.app_id == "local-1"
    assert stored.app_info.spark_ui_url is None
    page, lighter_info, livy_info = await _root_sees(api, session)
    assert url not in page and "javascript:" not in page
    assert 'id="spark-ui"' not in page
    assert lighter_info == {"driverLogUrl": None, "sparkUiUrl": None, "sparkHistoryUrl": None}
    assert livy_info == {"driverLogUrl": None, "sparkUiUrl": None, "executorLogUrls": None}


async def test_an_http_url_posted_by_a_driver_is_linked(
    kernel: FastAPI, api: FastAPI, store: SqliteStore
) -> None:
    session = await _alice_session(api, store)
    assert (await _driver_reports(kernel, session, "http://driver:4040")).status_code == 200
    page, lighter_info, livy_info = await _root_sees(api, session)
    assert '<a href="http://driver:4040" id="spark-ui">' in page
    assert isinstance(lighter_info, dict) and lighter_info["sparkUiUrl"] == "http://driver:4040"
    assert isinstance(livy_info, dict) and livy_info["sparkUiUrl"] == "http://driver:4040"


async def test_a_script_url_already_stored_is_not_linked(api: FastAPI, store: SqliteStore) -> None:
    session = await _alice_session(api, store)
    # Written before drivers' URLs were checked, or by a backend that does not check.
    poisoned = AppInfo(spark_ui_url=SCRIPT, driver_log_url="javascript:alert(1)")
    await store.update_application(session.id, {"app_info": poisoned})
    page, lighter_info, livy_info = await _root_sees(api, session)
    assert "javascript:" not in page
    assert 'id="spark-ui"' not in page and 'id="driver-log"' not in page
    assert isinstance(lighter_info, dict) and lighter_info["sparkUiUrl"] is None
    assert isinstance(livy_info, dict) and livy_info["driverLogUrl"] is None


def test_a_script_url_read_from_a_driver_log_is_not_recorded() -> None:
    app = Application(
        type=ApplicationType.BATCH,
        state=ApplicationState.STARTING,
        submit_params=SubmitParams(file="pi.py"),
    )
    status = DriverStatus(DriverPhase.RUNNING, spark_app_id="local-1", spark_ui_url=SCRIPT)
    assert discovered_fields(app, status) == {"app_id": "local-1"}


def test_a_spark_id_cannot_change_where_a_templated_link_leads() -> None:
    app = Application(
        type=ApplicationType.BATCH,
        state=ApplicationState.RUNNING,
        submit_params=SubmitParams(file="pi.py"),
        app_id="x/../../@evil.example#",
    )
    templates = LinkTemplates(
        spark_ui="https://spark.example.org/{appId}/",
        spark_history_server="https://history.example.org",
    )
    links = app_links(app, templates)
    assert links.spark_ui_url == "https://spark.example.org/x%2F..%2F..%2F%40evil.example%23/"
    assert links.spark_history_url is not None
    assert links.spark_history_url.startswith("https://history.example.org/history/x%2F")
    assert app_links(app, NO_TEMPLATES).spark_ui_url is None


@pytest.mark.parametrize(
    "app_id",
    ["<img src=x onerror=alert(1)>", "local-1\nINFO forged", "x" * 129, "-v", "a b", ""],
)
def test_an_app_id_that_is_not_a_spark_id_is_no_app_id(app_id: str) -> None:
    assert safe_app_id(app_id) is None


@pytest.mark.parametrize(
    "app_id", ["local-1700000000000", "spark-8f1c0a", "application_1700000000000_0001"]
)
def test_a_spark_id_is_kept(app_id: str) -> None:
    assert safe_app_id(app_id) == app_id


async def test_markup_posted_as_an_app_id_is_dropped_and_the_driver_goes_on(
    kernel: FastAPI, api: FastAPI, store: SqliteStore
) -> None:
    session = await _alice_session(api, store)
    async with client_of(kernel) as driver:
        reported = await driver.post(
            f"/kernel/sessions/{session.id}/poll",
            json={"generation": session.generation, "appId": "<script>alert(1)</script>"},
            headers={"Authorization": f"Bearer {session.kernel_secret}"},
        )
    assert reported.status_code == 200, reported.text
    stored = await store.get_application(session.id)
    assert stored is not None and stored.app_id is None
    page, lighter_info, _ = await _root_sees(api, session)
    assert "<script>alert(1)</script>" not in page
    assert isinstance(lighter_info, dict) and lighter_info["sparkUiUrl"] is None


def test_an_app_id_read_from_a_driver_log_is_recorded_only_when_it_is_one() -> None:
    app = Application(type=ApplicationType.BATCH, submit_params=SubmitParams(file="x.py"))
    forged = DriverStatus(DriverPhase.RUNNING, spark_app_id="local-1 <b>forged</b>")
    genuine = DriverStatus(DriverPhase.RUNNING, spark_app_id="local-1700000000000")
    assert "app_id" not in discovered_fields(app, forged)
    assert discovered_fields(app, genuine)["app_id"] == "local-1700000000000"
