"""What a local driver finds in its environment (a fake Spark home: plain Python drivers)."""

import asyncio
import json
import time
from pathlib import Path

import pytest
from lighter_common.backends.base import LaunchContext
from lighter_common.backends.local.backend import LocalBackend
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import LocalSettings, ServerSettings, Settings

from tests.harness.fake_spark import fake_spark_home

PRINT_ENVIRONMENT = "import json, os\nprint('ENV ' + json.dumps(dict(os.environ)), flush=True)\n"


async def driver_environment(backend: LocalBackend, app: Application) -> dict[str, str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in (await backend.logs(app, 1_000_000) or "").splitlines():
            if line.startswith("ENV "):
                environment: dict[str, str] = json.loads(line[4:])
                return environment
        await asyncio.sleep(0.05)
    raise AssertionError(f"the driver printed no environment: {await backend.logs(app, 4000)}")


async def test_a_driver_inherits_none_of_the_services_lighter_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path / "data"),
        local=LocalSettings(spark_home=fake_spark_home(tmp_path / "spark")),
    )
    monkeypatch.setenv("LIGHTER_MONGO_URL", "mongodb://lighter:secret@db:27017/")
    monkeypatch.setenv("LIGHTER_RABBITMQ_URL", "amqp://lighter:secret@broker:5672/")
    monkeypatch.setenv("LIGHTER_SOMETHING_ELSE", "private")
    monkeypatch.setenv("UNRELATED_VARIABLE", "kept")
    script = tmp_path / "print_env.py"
    script.write_text(PRINT_ENVIRONMENT)
    app = Application(type=ApplicationType.SESSION, submit_params=SubmitParams(file=str(script)))
    context = LaunchContext(
        kernel_file=str(script),
        env={"LIGHTER_KERNEL_URL": "http://127.0.0.1:1", "LIGHTER_SESSION_ID": app.id},
    )

    await LocalBackend(settings).launch(app, context)
    environment = await driver_environment(LocalBackend(settings), app)

    lighter = {name: value for name, value in environment.items() if name.startswith("LIGHTER_")}
    assert lighter == context.env
    assert environment["UNRELATED_VARIABLE"] == "kept"
    assert "secret" not in json.dumps(environment)
