"""A real YARN cluster for the tests: Hadoop's MiniYARNCluster (one ResourceManager, one
NodeManager), the Hadoop version of pyspark's client jars.

Where the cluster comes from:
1. `LIGHTER_TEST_HADOOP_CONF_DIR`: a real cluster's client configuration (yarn-site.xml,
   core-site.xml). Its nodes need a Python with pyspark (`LIGHTER_TEST_YARN_PYTHON`, default
   `python3`); `LIGHTER_TEST_SPARK_YARN_ARCHIVE` names Spark's jars on the cluster's file system
   (else each submission uploads them);
2. `scripts/yarn-test-cluster.sh start`, after `build` (which fetches the jars from Maven
   Central once and caches them under ~/.cache/lighter/yarn/<hadoop version>/, and waits for a
   build already under way). When it cannot start, the tests fail saying why; they never skip.

One cluster serves the whole test process; it is stopped when the process exits. Starting it
takes 20-40 s, so `start_in_background()` begins at collection (tests/yarn/conftest.py), and
the first test that needs it waits only for what is left.

The Kerberos tests have a cluster of their own (`kerberos=True`, always started here): a
MiniKdc, and web endpoints that ask for SPNEGO, with RPC unauthenticated; its krb5.conf and the
keytab of `lighter@EXAMPLE.COM` are generated when it starts, in its state directory.
"""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lighter_common.backends.spark_home import environment_without_service_settings, pyspark_home

if TYPE_CHECKING:
    from tests.harness.lighter import LighterFactory, LighterProcesses

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# What a test's batch or session asks for beyond the cluster's conf: small enough that the one
# node runs several at once.
SMALL = {"spark.driver.memory": "512m", "spark.executor.memory": "512m"}
SCRIPT = ROOT / "scripts" / "yarn-test-cluster.sh"
EXTERNAL_CONF_DIR = "LIGHTER_TEST_HADOOP_CONF_DIR"
HOW_TO_GET_ONE = (
    "No YARN cluster for the tests. `scripts/yarn-test-cluster.sh build` fetches a "
    "MiniYARNCluster's jars once (needs Java 17+ and Maven with access to Maven Central; cached "
    "under ~/.cache/lighter/yarn/), or point LIGHTER_TEST_HADOOP_CONF_DIR at a cluster's "
    "client configuration."
)
# Small drivers and executors: the test cluster's one node runs several at once.
_SMALL = {
    "spark.driver.memory": "512m",
    "spark.executor.memory": "512m",
    "spark.executor.instances": "1",
    "spark.yarn.submit.waitAppCompletion": "false",
}


@dataclass
class Submission:
    """What spark-submit did: its output, and what it cost this machine."""

    returncode: int
    output: str
    wall_seconds: float
    cpu_seconds: float


SUBMISSIONS: list[Submission] = []  # every test submission, for the run's figures


@dataclass
class YarnCluster:
    conf_dir: Path
    state_dir: Path | None  # None: a cluster the tests did not start
    started_in_seconds: float = 0.0
    kdc_dir: Path | None = None  # a Kerberos cluster's krb5.conf, keytab and principal

    @property
    def krb5_conf(self) -> Path:
        return self._kdc_file("krb5.conf")

    @property
    def keytab(self) -> Path:
        return self._kdc_file("lighter.keytab")

    @property
    def principal(self) -> str:
        return self._kdc_file("principal").read_text().strip()

    def _kdc_file(self, name: str) -> Path:
        if self.kdc_dir is None:
            raise RuntimeError("this YARN test cluster has no KDC")
        return self.kdc_dir / name

    def spark_conf(self) -> dict[str, str]:
        """The conf every test submission gets on this cluster."""
        conf = dict(_SMALL)
        if self.state_dir is not None:
            # The one node is this machine: Spark's jars and Python in place, nothing uploaded.
            conf["spark.yarn.jars"] = f"local:{pyspark_home() / 'jars'}/*"
            conf["spark.pyspark.python"] = sys.executable
        else:
            conf["spark.pyspark.python"] = os.environ.get("LIGHTER_TEST_YARN_PYTHON", "python3")
            if archive := os.environ.get("LIGHTER_TEST_SPARK_YARN_ARCHIVE"):
                conf["spark.yarn.archive"] = archive
        return conf

    def lighter_env(self) -> dict[str, str]:
        """The settings of a Lighter whose yarn backend runs on this cluster."""
        conf = self.spark_conf()
        env = {"HADOOP_CONF_DIR": str(self.conf_dir), "LIGHTER_YARN_USER": "lighter-test"}
        for key, variable in (
            ("spark.yarn.jars", "LIGHTER_YARN_JARS"),
            ("spark.yarn.archive", "LIGHTER_YARN_ARCHIVE"),
            ("spark.pyspark.python", "LIGHTER_YARN_PYTHON"),
        ):
            if key in conf:
                env[variable] = conf[key]
        if self.kdc_dir is not None:
            env["KRB5_CONFIG"] = str(self.krb5_conf)
            env["LIGHTER_YARN_KERBEROS_PRINCIPAL"] = self.principal
            env["LIGHTER_YARN_KERBEROS_KEYTAB"] = str(self.keytab)
        return env

    def start_lighter(
        self, factory: "LighterFactory", mode: str = "standalone", **extra: str
    ) -> "LighterProcesses":
        """Lighter with its yarn backend on this cluster, allowed the examples' scripts."""
        env = {
            **self.lighter_env(),
            "LIGHTER_ALLOWED_LOCAL_DIRS": str(EXAMPLES),
            # Drivers start slowly on a busy machine's one node.
            "LIGHTER_LAUNCH_TIMEOUT": "600",
            **extra,
        }
        return factory.start(mode, backend="yarn", extra=env)

    def spark_submit(
        self,
        main_file: Path,
        *args: str,
        tags: Sequence[str],
        queue: str | None = None,
        conf: Mapping[str, str] | None = None,
        timeout: float = 300,
    ) -> Submission:
        """spark-submit --master yarn --deploy-mode cluster, returning once YARN has the app."""
        command = [str(pyspark_home() / "bin" / "spark-submit")]
        command += ["--master", "yarn", "--deploy-mode", "cluster"]
        if queue is not None:
            command += ["--queue", queue]
        every = {**self.spark_conf(), "spark.yarn.tags": ",".join(tags), **(conf or {})}
        for key, value in every.items():
            command += ["--conf", f"{key}={value}"]
        command += [str(main_file), *args]
        env = environment_without_service_settings()
        env["HADOOP_CONF_DIR"] = str(self.conf_dir)
        env["SPARK_HOME"] = str(pyspark_home())
        if self.kdc_dir is not None:
            env["KRB5_CONFIG"] = str(self.krb5_conf)
        started = time.monotonic()
        with tempfile.TemporaryFile() as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
            deadline = threading.Timer(timeout, process.kill)
            deadline.start()
            try:
                # wait4: this submission's own CPU (spark-submit's JVM), whatever runs beside it.
                _, status, usage = os.wait4(process.pid, 0)
            finally:
                deadline.cancel()
            process.returncode = os.waitstatus_to_exitcode(status)
            output.seek(0)
            text = output.read().decode(errors="replace")
        wall = time.monotonic() - started
        cpu = usage.ru_utime + usage.ru_stime
        submission = Submission(process.returncode, text, wall, cpu)
        SUBMISSIONS.append(submission)
        return submission

    def restart_resource_manager(self) -> None:
        """Restarts the ResourceManager without recovery: it forgets every application, and the
        NodeManager stops their containers. Only a cluster the tests started can."""
        if self.state_dir is None:
            raise RuntimeError(
                f"the tests cannot restart a cluster they did not start ({EXTERNAL_CONF_DIR})"
            )
        _script("restart-resourcemanager", str(self.state_dir), timeout=600)

    def stop(self) -> None:
        if self.state_dir is not None:
            _script("stop", str(self.state_dir), timeout=60)
            shutil.rmtree(self.state_dir, ignore_errors=True)


def _script(*args: str, timeout: float) -> str:
    done = subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{SCRIPT.name} {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def _open_cluster(kerberos: bool) -> YarnCluster:
    external = os.environ.get(EXTERNAL_CONF_DIR)
    if external and not kerberos:
        return YarnCluster(Path(external), None)
    started = time.monotonic()
    state = Path(tempfile.mkdtemp(prefix="lighter-yarn-krb-" if kerberos else "lighter-yarn-"))
    start = ["start", str(state), *(["--kerberos"] if kerberos else [])]
    try:
        _script("build", timeout=1800)
        conf_dir = _script(*start, timeout=600).strip().splitlines()[-1]
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        shutil.rmtree(state, ignore_errors=True)
        raise RuntimeError(f"{error}\n{HOW_TO_GET_ONE}") from None
    return YarnCluster(
        Path(conf_dir),
        state,
        time.monotonic() - started,
        kdc_dir=state / "kdc" if kerberos else None,
    )


class _Starter:
    """One cluster of the test process, started once in the background."""

    def __init__(self, kerberos: bool) -> None:
        self.kerberos = kerberos
        self.cluster: YarnCluster | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def start_in_background(self) -> None:
        with self._lock:
            if self._thread is None:
                name = "yarn-test-cluster-kerberos" if self.kerberos else "yarn-test-cluster"
                self._thread = threading.Thread(target=self._start, name=name, daemon=True)
                self._thread.start()

    def _start(self) -> None:
        try:
            cluster = _open_cluster(self.kerberos)
        except BaseException as error:
            self._failure = error
            return
        self.cluster = cluster
        atexit.register(cluster.stop)

    def shared(self) -> YarnCluster:
        self.start_in_background()
        assert self._thread is not None
        self._thread.join()
        if self._failure is not None:
            what = "Kerberos YARN test cluster" if self.kerberos else "YARN test cluster"
            raise RuntimeError(f"the {what} did not start: {self._failure}") from self._failure
        assert self.cluster is not None
        return self.cluster


_STARTERS = {False: _Starter(kerberos=False), True: _Starter(kerberos=True)}


def start_in_background(*, kerberos: bool = False) -> None:
    """Begins starting the test process's cluster (the Kerberos one), if nothing has yet."""
    _STARTERS[kerberos].start_in_background()


def figures() -> list[str]:
    """What the clusters and the submissions cost, for the end of the test run's report."""
    lines = []
    for starter in _STARTERS.values():
        cluster = starter.cluster
        if cluster is not None and cluster.state_dir is not None:
            what = (
                "YARN test cluster with a KDC and SPNEGO"
                if starter.kerberos
                else "YARN test cluster"
            )
            lines.append(f"{what}: built and started in {cluster.started_in_seconds:.0f} s")
    if SUBMISSIONS:
        walls = sorted(s.wall_seconds for s in SUBMISSIONS)
        lines.append(
            f"spark-submit to YARN: {len(SUBMISSIONS)} submissions, wall "
            f"{walls[0]:.1f}-{walls[-1]:.1f} s, CPU "
            f"{min(s.cpu_seconds for s in SUBMISSIONS):.1f}-{max(s.cpu_seconds for s in SUBMISSIONS):.1f} s"
            " each"
        )
    return lines


def shared_cluster(*, kerberos: bool = False) -> YarnCluster:
    """The test process's cluster (the Kerberos one): started (or being started) once, then the
    same one."""
    return _STARTERS[kerberos].shared()
