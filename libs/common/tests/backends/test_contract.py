"""The Backend contract (backends/base.py), which every backend must pass.

Each case gives a backend and two kinds of application: one that ends by itself, successfully,
and one that runs until it is killed. Tests only use the port, so a new backend joins by adding
a case. `local` runs plain Python scripts through a fake Spark home (fast); `local-spark` runs
real Spark, for the one test that shows an application's whole life.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from lighter_common.backends.base import Backend, LaunchContext
from lighter_common.backends.kubernetes.backend import KubernetesBackend
from lighter_common.backends.local.backend import LocalBackend
from lighter_common.backends.simulated import RUN_SECONDS_CONF, SimulatedBackend
from lighter_common.backends.yarn.backend import YarnBackend
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.driver import DriverKey, DriverPhase, DriverStatus
from lighter_common.domain.submit_params import ConfValue, SubmitParams
from lighter_common.settings import (
    KubernetesSettings,
    LocalSettings,
    ServerSettings,
    Settings,
    SimulatedSettings,
    YarnSettings,
)

from tests.harness.fake_spark import fake_spark_home
from tests.harness.kubernetes import KWOK_NODE, SUCCEEDS_LABEL, shared_cluster
from tests.harness.yarn_cluster import shared_cluster as shared_yarn_cluster

EXAMPLES = Path(__file__).resolve().parents[4] / "examples"
ALIVE = {DriverPhase.STARTING, DriverPhase.RUNNING}


@dataclass
class Case:
    backend: Backend
    finite: Callable[[], Application]  # ends by itself, successfully
    endless: Callable[[], Application]  # runs until killed
    timeout: float


def batch(file: Path | str, *args: str, conf: dict[str, ConfValue] | None = None) -> Application:
    params = SubmitParams(file=str(file), args=list(args), conf=conf or {})
    return Application(type=ApplicationType.BATCH, submit_params=params)


def local_case(tmp_path: Path) -> Case:
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path / "data"),
        local=LocalSettings(spark_home=fake_spark_home(tmp_path / "spark")),
    )
    finite = tmp_path / "finite.py"
    finite.write_text("print('finite driver done', flush=True)\n")
    endless = tmp_path / "endless.py"
    endless.write_text("import time\nprint('endless driver up', flush=True)\ntime.sleep(300)\n")
    return Case(
        backend=LocalBackend(settings, kill_grace_seconds=2),
        finite=lambda: batch(finite),
        endless=lambda: batch(endless),
        timeout=30,
    )


def local_spark_case(tmp_path: Path) -> Case:
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path / "data"),
        local=LocalSettings(spark_master="local[2]"),
    )
    quiet: dict[str, ConfValue] = {"spark.eventLog.enabled": False, "spark.ui.enabled": False}
    return Case(
        backend=LocalBackend(settings, kill_grace_seconds=5),
        finite=lambda: batch(EXAMPLES / "pi.py", "2", conf=quiet),
        endless=lambda: batch(EXAMPLES / "sleep.py", "300", conf=quiet),
        timeout=240,
    )


def simulated_case(tmp_path: Path) -> Case:
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path / "data"),
        simulated=SimulatedSettings(start_seconds=0.2, run_seconds=0.5),
    )
    return Case(
        backend=SimulatedBackend(settings),
        finite=lambda: batch("pi.py"),
        endless=lambda: batch("pi.py", conf={RUN_SECONDS_CONF: 3600}),
        timeout=10,
    )


def kubernetes_case(tmp_path: Path) -> Case:
    """Real spark-submit against the test API server, where kwok plays the node."""
    cluster = shared_cluster()
    template = tmp_path / "driver-template.yaml"
    template.write_text(f"apiVersion: v1\nkind: Pod\nspec:\n  nodeName: {KWOK_NODE}\n")
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path / "data", backend="kubernetes"),
        kubernetes=KubernetesSettings(
            kubeconfig=cluster.kubeconfig,
            namespace=cluster.new_namespace(),
            image="registry.example.org/spark:4.0.1",
            driver_pod_template=template,
            submit_timeout=300,
        ),
    )
    job = "local:///opt/spark/examples/src/main/python/pi.py"
    succeeds: dict[str, ConfValue] = {
        f"spark.kubernetes.driver.label.{SUCCEEDS_LABEL}": "succeeded"
    }
    return Case(
        backend=KubernetesBackend(settings),
        finite=lambda: batch(job, conf=succeeds),
        endless=lambda: batch(job),
        timeout=120,
    )


def yarn_case(tmp_path: Path) -> Case:
    """Real spark-submit to the test MiniYARNCluster; drivers without executors, to be quick."""
    cluster = shared_yarn_cluster()
    conf = cluster.spark_conf()
    settings = Settings(
        server=ServerSettings(data_dir=tmp_path / "data", backend="yarn"),
        yarn=YarnSettings(
            hadoop_conf_dir=cluster.conf_dir,
            archive=conf.pop("spark.yarn.archive", None),
            jars=conf.pop("spark.yarn.jars", None),
            python=conf.pop("spark.pyspark.python", None),
            user="lighter-test",
        ),
    )
    # No executor until a job asks for one (none does): the one node runs several drivers.
    small: dict[str, ConfValue] = {
        **conf,
        "spark.executor.instances": None,
        "spark.dynamicAllocation.enabled": True,
        "spark.dynamicAllocation.shuffleTracking.enabled": True,
        "spark.dynamicAllocation.minExecutors": 0,
        "spark.dynamicAllocation.initialExecutors": 0,
        "spark.ui.enabled": False,
    }
    small = {key: value for key, value in small.items() if value is not None}
    finite = tmp_path / "finite.py"
    finite.write_text(
        "from pyspark.sql import SparkSession\n"
        "SparkSession.builder.getOrCreate().stop()\nprint('finite driver done', flush=True)\n"
    )
    endless = tmp_path / "endless.py"
    endless.write_text(
        "import time\nfrom pyspark.sql import SparkSession\n"
        "spark = SparkSession.builder.getOrCreate()\n"
        "print('endless driver up', flush=True)\ntime.sleep(600)\n"
    )
    return Case(
        backend=YarnBackend(settings),
        finite=lambda: batch(finite, conf=small),
        endless=lambda: batch(endless, conf=small),
        timeout=400,
    )


CASES = {
    "local": local_case,
    "local-spark": local_spark_case,
    "simulated": simulated_case,
    "kubernetes": kubernetes_case,
    "yarn": yarn_case,
}
ON_KUBERNETES = pytest.param("kubernetes", marks=pytest.mark.kubernetes)
ON_YARN = pytest.param("yarn", marks=[pytest.mark.yarn, pytest.mark.timeout(1200)])
FAST = ["local", "simulated", ON_KUBERNETES, ON_YARN]
EVERY = [*FAST, pytest.param("local-spark", marks=pytest.mark.spark)]


@pytest.fixture
async def case(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Case]:
    built = CASES[request.param](tmp_path)
    yield built
    for driver in await built.backend.drivers():
        await built.backend.kill(driver.key)
    await built.backend.close()


async def launched(case: Case, app: Application) -> Application:
    result = await case.backend.launch(app, LaunchContext())
    return app.model_copy(update={"backend_ref": result.backend_ref})


async def wait_for(case: Case, app: Application, phases: set[DriverPhase]) -> list[DriverStatus]:
    """Every status seen until one is in `phases` (the last)."""
    seen: list[DriverStatus] = []
    deadline = time.monotonic() + case.timeout
    while time.monotonic() < deadline:
        seen.append(await case.backend.status(app))
        if seen[-1].phase in phases:
            return seen
        await asyncio.sleep(0.05 if case.timeout < 60 else 1)
    raise AssertionError(f"{app.id} never reached {phases}: {seen[-3:]}")


async def alive_keys(case: Case) -> list[DriverKey]:
    return [driver.key for driver in await case.backend.drivers()]


@pytest.mark.parametrize("case", EVERY, indirect=True)
async def test_an_application_starts_runs_and_succeeds_with_its_spark_id_and_log(
    case: Case,
) -> None:
    app = await launched(case, case.finite())

    seen = await wait_for(case, app, {DriverPhase.SUCCEEDED, DriverPhase.FAILED})

    phases = [status.phase for status in seen]
    assert phases[-1] is DriverPhase.SUCCEEDED, await case.backend.logs(app, 4000)
    order = [DriverPhase.STARTING, DriverPhase.RUNNING, DriverPhase.SUCCEEDED]
    assert [order.index(phase) for phase in phases] == sorted(order.index(p) for p in phases)
    assert all(s.spark_app_id for s in seen if s.phase is DriverPhase.RUNNING)
    assert seen[-1].spark_app_id
    assert await case.backend.logs(app, 100_000) is not None
    assert DriverKey.of(app) not in await alive_keys(case)


@pytest.mark.parametrize("case", FAST, indirect=True)
async def test_launch_is_idempotent_per_application_and_generation(case: Case) -> None:
    app = case.endless()

    first = await case.backend.launch(app, LaunchContext())
    second = await case.backend.launch(app, LaunchContext())
    await wait_for(case, app.model_copy(update={"backend_ref": first.backend_ref}), ALIVE)

    assert first.backend_ref == second.backend_ref
    assert (await alive_keys(case)).count(DriverKey.of(app)) == 1


@pytest.mark.parametrize("case", FAST, indirect=True)
async def test_a_new_generation_is_a_new_driver(case: Case) -> None:
    first = await launched(case, case.endless())
    second = await launched(case, first.model_copy(update={"generation": 1, "backend_ref": None}))

    assert first.backend_ref != second.backend_ref
    assert {DriverKey.of(first), DriverKey.of(second)} <= set(await alive_keys(case))

    await case.backend.kill(DriverKey.of(first))

    assert (await wait_for(case, first, {DriverPhase.KILLED}))[-1].phase is DriverPhase.KILLED
    assert (await case.backend.status(second)).phase in ALIVE
    assert await alive_keys(case) == [DriverKey.of(second)]


@pytest.mark.parametrize("case", FAST, indirect=True)
async def test_kill_ends_the_driver_and_is_idempotent(case: Case) -> None:
    app = await launched(case, case.endless())
    await wait_for(case, app, {DriverPhase.RUNNING})

    await case.backend.kill(DriverKey.of(app))
    await case.backend.kill(DriverKey.of(app))

    ended = await wait_for(case, app, {DriverPhase.KILLED, DriverPhase.FAILED})
    assert ended[-1].phase is DriverPhase.KILLED
    assert await alive_keys(case) == []
    assert (await case.backend.statuses([app]))[app.id].phase is DriverPhase.KILLED


@pytest.mark.parametrize("case", FAST, indirect=True)
async def test_kill_finds_the_driver_without_its_reference(case: Case) -> None:
    app = case.endless()
    await case.backend.launch(app, LaunchContext())  # reference never recorded

    await case.backend.kill(DriverKey.of(app))

    assert await alive_keys(case) == []


@pytest.mark.parametrize("case", FAST, indirect=True)
async def test_killing_what_was_never_launched_or_has_ended_is_no_error(case: Case) -> None:
    never = case.finite()
    await case.backend.kill(DriverKey.of(never))
    ended = await launched(case, case.finite())
    await wait_for(case, ended, {DriverPhase.SUCCEEDED})

    await case.backend.kill(DriverKey.of(ended))

    assert (await case.backend.status(never)).phase is DriverPhase.MISSING
    assert (await case.backend.status(ended)).phase is DriverPhase.SUCCEEDED
    assert await case.backend.logs(never, 100) is None


@pytest.mark.parametrize("case", FAST, indirect=True)
async def test_drivers_lists_exactly_the_live_ones(case: Case) -> None:
    endless = [await launched(case, case.endless()) for _ in range(3)]
    finite = await launched(case, case.finite())
    await wait_for(case, finite, {DriverPhase.SUCCEEDED})
    for app in endless:
        await wait_for(case, app, ALIVE)

    drivers = await case.backend.drivers()

    assert sorted(d.key.app_id for d in drivers) == sorted(app.id for app in endless)
    assert {d.ref for d in drivers} == {app.backend_ref for app in endless}
