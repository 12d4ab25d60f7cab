"""The Kubernetes backend: Spark's cluster mode, one driver pod per application.

- launch: the objects pyspark's `spark-submit --deploy-mode cluster` (with
  `spark.kubernetes.submission.waitAppCompletion=false`, submission.py) creates; it returns once
  the driver pod exists; at most LIGHTER_MAX_SPARK_SUBMITS spark-submits at once, the others
  wait (spark_submit_process.py). By default (LIGHTER_KUBERNETES_SUBMIT=native) Lighter creates
  them itself from the same arguments (native_submit.py) and runs spark-submit only for what it
  cannot build.
  The pod's name is a function of the application id and generation (labels.py), so a second
  launch finds the first one's pod instead of starting another driver.
- status: one watch on all driver pods of the namespace (pods_cache.py), shared by every
  application; a pod missing from it is looked up once by name.
- logs: the pod log API while the pod exists; its last log is saved under
  `<data dir>/kubernetes-logs/` when the pod ends or is killed, and read from there after.
- kill: annotate the pod as killed by Lighter, then delete it (its executors, ConfigMap and
  Service are owned by it and go with it).
- cleanup: pods that ended are deleted LIGHTER_KUBERNETES_COMPLETED_POD_TTL later, their log
  saved first (completed_pods.py).
- sessions: the driver fetches the kernel from the session-manager it calls home to
  (submission.py); the kernel's secret is a Secret of the driver pod's own, mounted as a file
  (kernel_secret.py), created before spark-submit runs and owned by the pod once it exists.
"""

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from lighter_common.backends.base import LaunchContext, LaunchResult
from lighter_common.backends.driver_log import last_error_line
from lighter_common.backends.kubernetes.api_connection import api_client, load_configuration
from lighter_common.backends.kubernetes.completed_pods import CompletedPodReaper
from lighter_common.backends.kubernetes.driver_conf import Unsupported
from lighter_common.backends.kubernetes.driver_log_files import read_tail, tail, write_file
from lighter_common.backends.kubernetes.kernel_secret import (
    KernelSecret,
    pod_owner,
)
from lighter_common.backends.kubernetes.labels import (
    KILLED_ANNOTATION,
    driver_pod_name,
)
from lighter_common.backends.kubernetes.native_submit import (
    NativeSubmitter,
    Submitted,
)
from lighter_common.backends.kubernetes.pod_cache import PodCache
from lighter_common.backends.kubernetes.pod_state import (
    DRIVER_CONTAINER,
    Pod,
    PodObservation,
    driver_status,
)
from lighter_common.backends.kubernetes.preflight import launch_problem
from lighter_common.backends.kubernetes.raw_api import (
    RAW,
    create,
    error_text,
    json_body_or_none,
    succeeded,
)
from lighter_common.backends.kubernetes.spark_submit_process import (
    SUBMIT_LOG_SUFFIX,
    SparkSubmitProcess,
)
from lighter_common.backends.kubernetes.submission import Submission, driver_submission
from lighter_common.backends.spark_home import pyspark_home
from lighter_common.backends.spark_submit_slots import SparkSubmitSlots
from lighter_common.domain.application import Application
from lighter_common.domain.driver import DriverKey, DriverPhase, DriverStatus, LiveDriver
from lighter_common.settings import Settings

_log = logging.getLogger(__name__)

LOGS_DIR = "kubernetes-logs"
_FAILURE_TAIL_BYTES = 64 * 1024
_SAVED_LOG_BYTES = 4 * 1024 * 1024


class KubernetesBackend:
    name = "kubernetes"

    def __init__(self, settings: Settings, *, slots: SparkSubmitSlots | None = None) -> None:
        self._settings = settings
        self._namespace = settings.kubernetes.namespace
        self._logs_dir = settings.server.data_dir.resolve() / LOGS_DIR
        self._spark_home = (settings.local.spark_home or pyspark_home()).resolve()
        self._spark_submit = SparkSubmitProcess(
            settings.kubernetes,
            spark_home=self._spark_home,
            logs_dir=self._logs_dir,
            slots=slots or SparkSubmitSlots(settings.limits.spark_submit_slots),
        )
        self._api_client: client.ApiClient | None = None
        self._core: client.CoreV1Api | None = None
        self._native: NativeSubmitter | None = None
        self._cache: PodCache | None = None
        self._reaper: CompletedPodReaper | None = None
        self._connecting = asyncio.Lock()
        self._failure_logs: dict[str, str | None] = {}  # pod name -> its log's tail, once failed
        self._saved_logs: set[str] = set()
        self._log_savers: set[asyncio.Task[None]] = set()

    # The port.

    async def launch(self, app: Application, context: LaunchContext) -> LaunchResult:
        try:
            return await self._launch(app, context)
        except ApiException as error:
            # The API server's reason, not the exception's HTTP headers.
            raise RuntimeError(error_text(error)) from error

    async def launch_problem(self) -> str | None:
        try:
            await self._api()
        except Exception as error:
            return f"no Kubernetes API server to talk to: {error or type(error).__name__}"
        assert self._api_client is not None
        return await launch_problem(
            self._api_client,
            namespace=self._namespace,
            service_account=self._settings.kubernetes.service_account,
            image=self._settings.kubernetes.image,
        )

    async def _launch(self, app: Application, context: LaunchContext) -> LaunchResult:
        core = await self._api()
        submission = await self.submission(app, context)
        name, argv, secret = submission.pod_name, submission.argv, submission.kernel_secret
        if self._settings.kubernetes.submit == "native":
            # An existing pod answers the create with 409, then is returned: one call fewer.
            native = await self._native_submit(argv, secret)
            if native is not None:
                return LaunchResult(backend_ref=name, spark_app_id=native.spark_app_id)
        existing = await self._read_pod(core, name)
        if existing is not None:
            return LaunchResult(backend_ref=name, spark_app_id=existing.spark_app_id)
        if secret is None:
            pod = await self._spark_submit_pod(core, argv, name)
        else:
            pod = await self._spark_submit_with_secret(core, argv, name, secret)
        return LaunchResult(backend_ref=name, spark_app_id=pod.spark_app_id)

    async def status(self, app: Application) -> DriverStatus:
        return (await self.statuses([app]))[app.id]

    async def statuses(self, apps: Sequence[Application]) -> dict[str, DriverStatus]:
        cache = await self._watching()
        found: dict[str, DriverStatus] = {}
        for app in apps:
            seen = cache.find(DriverKey.of(app))
            if seen is None:
                found[app.id] = await self._status_of_unseen(app)
            else:
                found[app.id] = await self._status_of(seen)
        return found

    async def logs(self, app: Application, max_bytes: int) -> str | None:
        name = driver_pod_name(DriverKey.of(app))
        live = await self._pod_log(name, max_bytes)
        if live is not None:
            return live
        for path in (self._logs_dir / name, self._logs_dir / f"{name}{SUBMIT_LOG_SUFFIX}"):
            saved = await asyncio.to_thread(read_tail, path, max_bytes)
            if saved is not None:
                return saved
        return None

    async def kill(self, driver: DriverKey) -> None:
        core = await self._api()
        name = driver_pod_name(driver)
        pod = await self._read_pod(core, name)
        if pod is None or pod.is_terminal:
            return
        await self._save_log(name)
        try:
            killed = {"metadata": {"annotations": {KILLED_ANNOTATION: "true"}}}
            await succeeded(core.patch_namespaced_pod(name, self._namespace, killed, **RAW))
            await succeeded(core.delete_namespaced_pod(name, self._namespace, **RAW))
        except ApiException as error:
            if error.status != 404:
                raise

    async def drivers(self) -> list[LiveDriver]:
        cache = await self._watching()
        return [LiveDriver(key=key, ref=pod.metadata.name) for key, pod in cache.live()]

    async def close(self) -> None:
        for saver in self._log_savers:
            saver.cancel()
        if self._reaper is not None:
            await self._reaper.stop()
            self._reaper = None
        if self._cache is not None:
            await self._cache.stop()
            self._cache = None
        if self._api_client is not None:
            await self._api_client.close()
            self._api_client = None
            self._core = None
            self._native = None

    # Statuses.

    async def _status_of(self, seen: PodObservation) -> DriverStatus:
        pod = seen.pod
        log_tail = None
        if pod.status.phase == "Failed" or _container_failed(pod):
            log_tail = await self._failure_log(pod.metadata.name)
        if pod.is_terminal:
            await self._save_log(pod.metadata.name)
        return self._pod_status(seen, log_tail)

    def _given_up(self, pod: Pod) -> bool:
        """A pod that goes on while its driver has failed: it will never run as it is."""
        if pod.is_terminal:
            return False
        return self._pod_status(PodObservation(pod)).phase is DriverPhase.FAILED

    def _pod_status(self, seen: PodObservation, log_tail: str | None = None) -> DriverStatus:
        return driver_status(
            seen,
            now=datetime.now(UTC),
            unschedulable_timeout=self._settings.kubernetes.unschedulable_timeout,
            start_timeout=self._settings.kubernetes.start_timeout,
            log_tail=log_tail,
        )

    async def _status_of_unseen(self, app: Application) -> DriverStatus:
        """No pod in the watch: one that the watch has not caught up with, or none at all."""
        core = await self._api()
        pod = await self._read_pod(core, driver_pod_name(DriverKey.of(app)))
        if pod is not None:
            return await self._status_of(PodObservation(pod))
        if app.backend_ref is not None:
            return DriverStatus(DriverPhase.MISSING, reason="the driver pod is gone")
        return DriverStatus(DriverPhase.MISSING, reason="no driver was launched")

    # Logs.

    def _pod_changed(self, before: PodObservation | None, now: PodObservation) -> None:
        """A pod that just ended: keep its log before anyone deletes the pod."""
        ended = now.pod.is_terminal and not now.deleted
        if ended and (before is None or not before.pod.is_terminal):
            saver = asyncio.create_task(self._save_log_quietly(now.pod.metadata.name))
            self._log_savers.add(saver)
            saver.add_done_callback(self._log_savers.discard)

    async def _save_log_quietly(self, name: str) -> None:
        try:
            await self._save_log(name)
        except Exception as error:  # the log is saved again on the next status or kill
            _log.warning("could not save the log of driver pod %s: %s", name, error_text(error))

    async def _pod_log(self, name: str, max_bytes: int) -> str | None:
        core = await self._api()
        try:
            text: str | None = await core.read_namespaced_pod_log(
                name,
                self._namespace,
                container=DRIVER_CONTAINER,
                # The API cuts by lines from the end, Lighter by bytes: ask for enough lines.
                tail_lines=max(100, max_bytes // 40),
            )
        except ApiException as error:
            if error.status in (401, 403):
                raise
            # Not started yet (400), gone (404), or its node does not serve logs (5xx).
            _log.debug("no log from driver pod %s: %s", name, error_text(error))
            return None
        # A driver that has written nothing yet: the client makes the empty answer None.
        return tail(text or "", max_bytes)

    async def _failure_log(self, name: str) -> str | None:
        """The tail of a failed driver's log, fetched once."""
        if name not in self._failure_logs:
            text = await self._pod_log(name, _FAILURE_TAIL_BYTES)
            if text is None:
                text = await asyncio.to_thread(
                    read_tail, self._logs_dir / name, _FAILURE_TAIL_BYTES
                )
            self._failure_logs[name] = text
        return self._failure_logs[name]

    async def _save_log(self, name: str) -> None:
        """Keep the pod's log for after the pod is gone (once per pod and process)."""
        if name in self._saved_logs or (self._logs_dir / name).exists():
            return
        self._saved_logs.add(name)
        text = await self._pod_log(name, _SAVED_LOG_BYTES)
        if text is not None:
            await asyncio.to_thread(write_file, self._logs_dir / name, text)

    # Submission.

    async def submission(self, app: Application, context: LaunchContext) -> Submission:
        """What spark-submit is given, and what native submission builds from (submission.py)."""
        return driver_submission(app, context, self._settings, master=await self._master())

    async def _native_submit(
        self, argv: list[str], secret: KernelSecret | None
    ) -> Submitted | None:
        """The driver pod created natively, or None when spark-submit must create it."""
        assert self._native is not None  # launch connected first
        submitted = await self._native.submit(argv, kernel_secret=secret)
        return None if isinstance(submitted, Unsupported) else submitted

    async def _spark_submit_pod(self, core: client.CoreV1Api, argv: list[str], name: str) -> Pod:
        exit_code, output = await self._spark_submit.run(argv, name)
        pod = await self._read_pod(core, name)
        if pod is None:
            cause = last_error_line(output) or f"exit code {exit_code}"
            raise RuntimeError(f"spark-submit created no driver pod: {cause}")
        return pod

    async def _spark_submit_with_secret(
        self, core: client.CoreV1Api, argv: list[str], name: str, secret: KernelSecret
    ) -> Pod:
        """spark-submit mounts a Secret that must exist already: create it first, owned by
        nothing, then by the pod spark-submit created; removed again if there is no pod."""
        assert self._api_client is not None  # launch connected first
        try:
            await create(self._api_client, secret.object())
        except ApiException as error:
            if error.status != 409:  # an earlier try at this driver made it: the same secret
                raise
        pod = None
        try:
            pod = await self._spark_submit_pod(core, argv, name)
            owner = {"metadata": {"ownerReferences": [pod_owner(name, pod.metadata.uid)]}}
            await succeeded(
                core.patch_namespaced_secret(secret.name, secret.namespace, owner, **RAW)
            )
        except BaseException:
            # Not when another replica's spark-submit made the pod this one's failed on.
            if pod is not None or await self._read_pod(core, name) is None:
                await self._delete_secret(core, secret)
            raise
        return pod

    async def _delete_secret(self, core: client.CoreV1Api, secret: KernelSecret) -> None:
        try:
            await succeeded(core.delete_namespaced_secret(secret.name, secret.namespace, **RAW))
        except ApiException as error:
            if error.status != 404:
                _log.warning(
                    "could not delete kernel Secret %s: %s", secret.name, error_text(error)
                )

    async def _master(self) -> str:
        master = self._settings.kubernetes.master
        if not master:
            await self._api()
            assert self._api_client is not None
            master = str(self._api_client.configuration.host)
        return master if master.startswith("k8s://") else f"k8s://{master}"

    # The API.

    async def _api(self) -> client.CoreV1Api:
        async with self._connecting:
            if self._core is None:
                configuration = await load_configuration(self._settings.kubernetes.kubeconfig)
                self._api_client = api_client(configuration)
                self._core = client.CoreV1Api(self._api_client)
                self._native = NativeSubmitter(self._api_client, spark_home=self._spark_home)
            return self._core

    async def _watching(self) -> PodCache:
        core = await self._api()
        if self._cache is None:
            self._cache = PodCache(core, self._namespace, on_change=self._pod_changed)
            self._cache.start()
            self._reaper = CompletedPodReaper(
                core,
                self._namespace,
                self._cache,
                ttl=self._settings.kubernetes.completed_pod_ttl,
                keep_log=self._save_log,
                given_up=self._given_up,
            )
            self._reaper.start()
        await self._cache.synced()
        return self._cache

    async def _read_pod(self, core: client.CoreV1Api, name: str) -> Pod | None:
        found = await json_body_or_none(core.read_namespaced_pod(name, self._namespace, **RAW))
        return None if found is None else Pod.model_validate(found)


def _container_failed(pod: Pod) -> bool:
    container = pod.driver_container()
    terminated = container.state.terminated if container is not None else None
    return terminated is not None and terminated.exit_code != 0
