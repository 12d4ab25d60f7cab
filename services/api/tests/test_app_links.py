"""Configured link templates reach each application's appInfo, in both dialects and the UI."""

from pathlib import Path

import httpx
from lighter_api.app import create_app
from lighter_common.bus.memory import MemoryBus
from lighter_common.settings import LinkSettings, ServerSettings, Settings
from lighter_common.store.sqlite import SqliteStore

SPARK_ID = "spark-5f1c"


async def test_links_from_the_templates_are_in_the_api_and_on_the_page(
    store: SqliteStore, bus: MemoryBus, tmp_path: Path
) -> None:
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path),
        links=LinkSettings(
            spark_ui_url_template="https://spark.example/ui/{appId}",
            external_logs_url_template="https://logs.example/?app={{id}}",
            spark_history_server_url="https://history.example",
        ),
    )
    app = create_app(store=store, bus=bus, settings=settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lighter") as client:
        created = (await client.post("/lighter/api/batches", json={"file": "/pi.py"})).json()
        before_spark_reports = created["appInfo"]
        await store.update_application(created["id"], {"app_id": SPARK_ID})
        lighter = (await client.get(f"/lighter/api/batches/{created['id']}")).json()
        listed = (await client.get("/lighter/api/batches")).json()["applications"][0]
        livy = (await client.get("/livy/batches")).json()["sessions"][0]
        page = (await client.get(f"/lighter/ui/batches/{created['id']}")).text

    logs = f"https://logs.example/?app={created['id']}"
    assert before_spark_reports == {
        "driverLogUrl": logs,
        "sparkUiUrl": None,
        "sparkHistoryUrl": None,
    }
    assert (
        lighter["appInfo"]
        == listed["appInfo"]
        == {
            "driverLogUrl": logs,
            "sparkUiUrl": f"https://spark.example/ui/{SPARK_ID}",
            "sparkHistoryUrl": f"https://history.example/history/{SPARK_ID}/jobs/",
        }
    )
    assert livy["appInfo"] == {
        "driverLogUrl": logs,
        "sparkUiUrl": f"https://spark.example/ui/{SPARK_ID}",
        "executorLogUrls": None,
    }
    assert f'href="https://spark.example/ui/{SPARK_ID}" id="spark-ui"' in page
    assert f'href="https://history.example/history/{SPARK_ID}/jobs/" id="history"' in page
    assert f'href="{logs}" id="driver-log"' in page
