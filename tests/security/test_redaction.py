"""Secret-looking conf values never come back: Spark's own redaction pattern and more."""

import pytest

from .conftest import AppFactory, basic, client_of

SECRETS = [
    "spark.executorEnv.API_KEY",
    "spark.executorEnv.DB_PASS",
    "spark.kubernetes.driverEnv.PGPASS",
    "spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net",
    "spark.hadoop.fs.s3a.access.key",
    "spark.hadoop.google.cloud.auth.service.account.json.credential",
    "spark.some.password",
    "spark.auth.TOKEN",
]


@pytest.mark.parametrize("key", SECRETS)
async def test_secret_conf_values_are_redacted_in_both_dialects(
    secure_app: AppFactory, key: str
) -> None:
    body = {"file": "s3a://j/a.py", "conf": {key: "hunter2-value", "spark.executor.cores": "2"}}
    async with client_of(secure_app()) as client:
        created = await client.post("/lighter/api/batches", json=body, auth=basic("alice"))
        app_id = created.json()["id"]
        lighter = await client.get(f"/lighter/api/batches/{app_id}", auth=basic("alice"))
        livy_id = (await client.get("/livy/batches", auth=basic("alice"))).json()["sessions"][0][
            "id"
        ]
        livy = await client.get(f"/livy/batches/{livy_id}", auth=basic("alice"))
        page = await client.get(
            f"/lighter/ui/fragments/batches/{app_id}/panel", auth=basic("alice")
        )

    for shown in (created.text, lighter.text, livy.text, page.text):
        assert "hunter2-value" not in shown
    assert lighter.json()["submitParams"]["conf"][key] == "[redacted]"
    assert lighter.json()["submitParams"]["conf"]["spark.executor.cores"] == "2"
