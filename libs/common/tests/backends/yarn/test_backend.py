"""The YARN backend against a fake spark-submit and canned ResourceManager answers.

(tests/yarn/ and the contract suite run it against a real MiniYARNCluster.)
"""

import asyncio
import json
import stat
from pathlib import Path

import httpx
import pytest
from lighter_common.backends.base import LaunchContext
from lighter_common.backends.spark_submit_slots import SparkSubmitSlots
from lighter_common.backends.yarn.backend import YarnBackend
from lighter_common.backends.yarn.tags import driver_tags
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.driver import DriverKey, DriverPhase
from lighter_common.domain.submit_params import SubmitParams
from lighter_common.settings import LocalSettings, ServerSettings, Settings, YarnSettings

YARN_SITE = """<configuration>
<property><name>yarn.resourcemanager.webapp.address</name><value>rm.test:8088</value></property>
</configuration>"""


def slow_spark_home(root: Path, seconds: float) -> Path:
    """A spark-submit that takes `seconds`, marks itself running meanwhile in `root/running/`,
    and writes how many it saw running to `root/seen`, then says it submitted an application."""
    running = root / "running"
    running.mkdir(parents=True)
    submit = root / "bin" / "spark-submit"
    submit.parent.mkdir()
    submit.write_text(
        "#!/bin/sh\n"
        f'touch "{running}/$$"\n'
        f'ls "{running}" | wc -l >> "{root}/seen"\n'
        f"sleep {seconds}\n"
        f'rm "{running}/$$"\n'
        'echo "INFO YarnClientImpl: Submitted application application_1700000000000_$$"\n'
    )
    submit.chmod(submit.stat().st_mode | stat.S_IXUSR)
    return root


def nothing_listed(request: httpx.Request) -> httpx.Response:
    assert request.url.path == "/ws/v1/cluster/apps", request.url
    return httpx.Response(200, json={"apps": None})


def yarn_settings(tmp_path: Path, spark_home: Path | None = None) -> Settings:
    conf_dir = tmp_path / "hadoop"
    conf_dir.mkdir()
    (conf_dir / "yarn-site.xml").write_text(YARN_SITE)
    return Settings(
        server=ServerSettings(data_dir=tmp_path / "data", backend="yarn"),
        local=LocalSettings(spark_home=spark_home),
        yarn=YarnSettings(hadoop_conf_dir=conf_dir),
    )


def backend(tmp_path: Path, spark_home: Path, slots: SparkSubmitSlots) -> YarnBackend:
    settings = yarn_settings(tmp_path, spark_home)
    client = httpx.AsyncClient(transport=httpx.MockTransport(nothing_listed))
    return YarnBackend(settings, slots=slots, http_client=client)


def batch() -> Application:
    return Application(type=ApplicationType.BATCH, submit_params=SubmitParams(file="/jobs/pi.py"))


async def test_a_burst_of_launches_waits_for_spark_submit_slots_and_every_one_succeeds(
    tmp_path: Path,
) -> None:
    spark_home = slow_spark_home(tmp_path / "spark", seconds=0.5)
    slots = SparkSubmitSlots(2)
    yarn = backend(tmp_path, spark_home, slots)

    results = await asyncio.gather(*(yarn.launch(batch(), LaunchContext()) for _ in range(7)))

    assert all(r.spark_app_id and r.spark_app_id.startswith("application_") for r in results)
    assert len({r.backend_ref for r in results}) == 7
    seen = [int(line) for line in (spark_home / "seen").read_text().split()]
    assert len(seen) == 7 and max(seen) <= 2
    assert slots.peak == 2 and slots.running == slots.waiting == 0
    await yarn.close()


async def test_a_kill_stops_a_launch_waiting_for_its_turn_and_one_whose_spark_submit_runs(
    tmp_path: Path,
) -> None:
    spark_home = slow_spark_home(tmp_path / "spark", seconds=3)
    yarn = backend(tmp_path, spark_home, SparkSubmitSlots(1))
    running_app, waiting_app = batch(), batch()
    running = asyncio.create_task(yarn.launch(running_app, LaunchContext()))
    waiting = asyncio.create_task(yarn.launch(waiting_app, LaunchContext()))
    for _ in range(200):  # until the first spark-submit runs
        if any((spark_home / "running").iterdir()):
            break
        await asyncio.sleep(0.05)

    await yarn.kill(DriverKey.of(waiting_app))
    await yarn.kill(DriverKey.of(running_app))

    with pytest.raises(RuntimeError, match="killed while spark-submit ran"):
        await running
    with pytest.raises(RuntimeError, match="killed before spark-submit ran"):
        await waiting
    assert not (spark_home / "seen").read_text().split()[1:]  # the second never ran
    await yarn.close()


async def test_without_hadoop_conf_dir_the_start_up_check_names_the_variable(
    tmp_path: Path,
) -> None:
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path, backend="yarn"),
        yarn=YarnSettings(hadoop_conf_dir=None),
    )
    problem = await YarnBackend(settings).launch_problem()
    assert problem is not None and "HADOOP_CONF_DIR" in problem


async def test_a_conf_dir_without_yarn_site_is_named(tmp_path: Path) -> None:
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path, backend="yarn"),
        yarn=YarnSettings(hadoop_conf_dir=tmp_path),
    )
    problem = await YarnBackend(settings).launch_problem()
    assert problem is not None and "HADOOP_CONF_DIR" in problem and "yarn-site.xml" in problem


async def test_an_unreachable_resource_manager_is_a_reason(tmp_path: Path) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    settings = yarn_settings(tmp_path)
    client = httpx.AsyncClient(transport=httpx.MockTransport(refused))
    problem = await YarnBackend(settings, http_client=client).launch_problem()
    assert problem is not None and "ResourceManager" in problem and "refused" in problem


async def test_an_application_the_resource_manager_forgot_is_missing_with_a_reason(
    tmp_path: Path,
) -> None:
    def forgot(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/ws/v1/cluster/apps":
            return httpx.Response(200, content=json.dumps({"apps": {"app": []}}))
        return httpx.Response(404, json={"RemoteException": {"message": "not found"}})

    settings = yarn_settings(tmp_path)
    yarn = YarnBackend(
        settings, http_client=httpx.AsyncClient(transport=httpx.MockTransport(forgot))
    )
    app = batch().model_copy(update={"backend_ref": "application_1700000000000_0042"})

    status = await yarn.status(app)

    assert status.phase is DriverPhase.MISSING
    assert status.reason is not None and "application_1700000000000_0042" in status.reason


async def test_a_tracker_pass_lists_only_live_applications_and_asks_once_for_one_that_ended(
    tmp_path: Path,
) -> None:
    running = [batch() for _ in range(2)]
    ended = batch().model_copy(update={"backend_ref": "application_1700000000000_0007"})
    requests: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request.url)
        if request.url.path == "/ws/v1/cluster/apps":
            listed = [
                {
                    "id": f"application_1700000000000_000{n}",
                    "state": "RUNNING",
                    "applicationTags": ",".join(driver_tags(DriverKey.of(app))),
                }
                for n, app in enumerate(running)
            ]
            return httpx.Response(200, json={"apps": {"app": listed}})
        finished = {"id": ended.backend_ref, "state": "FINISHED", "finalStatus": "SUCCEEDED"}
        return httpx.Response(200, json={"app": finished})

    yarn = YarnBackend(
        yarn_settings(tmp_path),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(answer)),
    )

    statuses = await yarn.statuses([*running, ended])

    assert [statuses[app.id].phase for app in running] == [DriverPhase.RUNNING] * 2
    assert statuses[ended.id].phase is DriverPhase.SUCCEEDED
    listing, by_id = requests
    assert "RUNNING" in listing.params["states"] and "FINISHED" not in listing.params["states"]
    assert by_id.path == f"/ws/v1/cluster/apps/{ended.backend_ref}"


@pytest.mark.parametrize("size", [0, -1])
def test_slots_need_at_least_one(size: int) -> None:
    with pytest.raises(ValueError):
        SparkSubmitSlots(size)


async def test_a_principal_without_a_keytab_keeps_the_backend_from_starting(
    tmp_path: Path,
) -> None:
    settings = yarn_settings(tmp_path)
    settings.yarn.kerberos_principal = "lighter@EXAMPLE.COM"
    client = httpx.AsyncClient(transport=httpx.MockTransport(nothing_listed))

    problem = await YarnBackend(settings, http_client=client).launch_problem()

    assert problem == "LIGHTER_YARN_KERBEROS_PRINCIPAL is set, but not LIGHTER_YARN_KERBEROS_KEYTAB"


async def test_reading_a_running_driver_s_log_after_a_pass_asks_only_its_node(
    tmp_path: Path,
) -> None:
    app = batch()
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(f"{request.url.host}{request.url.path}")
        if request.url.path == "/ws/v1/cluster/apps":
            report = {
                "id": "application_1700000000000_0001",
                "state": "RUNNING",
                "applicationTags": ",".join(driver_tags(DriverKey.of(app))),
                "amContainerLogs": "http://nm.test:8042/node/containerlogs/"
                "container_1700000000000_0001_01_000001/u",
                "amHostHttpAddress": "nm.test:8042",
            }
            return httpx.Response(200, json={"apps": {"app": [report]}})
        return httpx.Response(200, text="LogType:stdout\nLogContents:\nPi is roughly 3.14\n")

    yarn = YarnBackend(
        yarn_settings(tmp_path),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(answer)),
    )
    await yarn.statuses([app])
    asked.clear()

    log = await yarn.logs(app, 10_000)

    assert log is not None and "Pi is roughly 3.14" in log
    assert asked and all(host_path.startswith("nm.test/ws/v1/node/") for host_path in asked), asked
