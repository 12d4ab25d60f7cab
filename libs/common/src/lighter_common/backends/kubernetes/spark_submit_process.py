"""pyspark's spark-submit as a process, for the drivers native submission cannot create.

At most LIGHTER_MAX_SPARK_SUBMITS run at once (spark_submit_slots.py); the timeout counts once
one runs, so a burst waits for its turn rather than timing out. Its output is kept beside the
driver's saved log (`<pod name>.submit.log`).
"""

import asyncio
from pathlib import Path

from lighter_common.backends.kubernetes.driver_log_files import write_file
from lighter_common.backends.kubernetes.native_submit import SUBMISSIONS
from lighter_common.backends.spark_home import environment_without_service_settings
from lighter_common.backends.spark_submit_slots import SparkSubmitSlots
from lighter_common.settings.backends import KubernetesSettings

SUBMIT_LOG_SUFFIX = ".submit.log"


class SparkSubmitProcess:
    """Runs spark-submit for driver pods, a few at a time."""

    def __init__(
        self,
        settings: KubernetesSettings,
        *,
        spark_home: Path,
        logs_dir: Path,
        slots: SparkSubmitSlots,
    ) -> None:
        self._settings = settings
        self._spark_home = spark_home
        self._logs_dir = logs_dir
        self._slots = slots

    async def run(self, argv: list[str], pod_name: str) -> tuple[int, str]:
        """spark-submit `argv` once its turn comes: its exit code and output."""
        SUBMISSIONS.labels(path="spark-submit").inc()
        async with self._slots.slot():
            return await self._run(argv, pod_name)

    async def _run(self, argv: list[str], pod_name: str) -> tuple[int, str]:
        timeout = self._settings.submit_timeout
        # Spark gives its API client 10 s to connect; a submitter running several JVMs on a
        # busy CPU misses that (measured: 5 of 8 failed at 4 at once on 2 loaded cores). Put
        # first, so that the user's own --conf of the same key still wins.
        patience = f"{int(timeout * 1000)}"
        command = [
            str(self._spark_home / "bin" / "spark-submit"),
            *("--conf", f"spark.kubernetes.submission.connectionTimeout={patience}"),
            *("--conf", f"spark.kubernetes.submission.requestTimeout={patience}"),
            *argv,
        ]
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=self._environment(),
        )
        try:
            raw, _ = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise RuntimeError(f"spark-submit did not finish in {timeout:g}s") from None
        output = raw.decode("utf-8", errors="replace")
        await asyncio.to_thread(
            write_file, self._logs_dir / f"{pod_name}{SUBMIT_LOG_SUFFIX}", output
        )
        return process.returncode or 0, output

    def _environment(self) -> dict[str, str]:
        """spark-submit's environment: the service's, without Lighter's own settings."""
        env = environment_without_service_settings()
        env["SPARK_HOME"] = str(self._spark_home)
        # spark-submit resolves the host's name to bind to; in a container that can fail.
        env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        if self._settings.kubeconfig:
            env["KUBECONFIG"] = str(self._settings.kubeconfig)
        return env
