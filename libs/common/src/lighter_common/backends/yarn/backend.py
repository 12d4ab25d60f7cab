"""The YARN backend: Spark's cluster mode, the driver in the application's ApplicationMaster.

- launch: `spark-submit --master yarn --deploy-mode cluster` (submission.py), which returns
  once the ResourceManager has the application; at most LIGHTER_MAX_SPARK_SUBMITS at once
  (spark_submit_slots.py). The application is tagged with Lighter's id and the driver's
  generation (tags.py), so a second launch finds the first one's application by its tag
  instead of submitting another. Its YARN id (the backend reference) comes from spark-submit's
  output, else from the tag.
- status: ONE request per pass for every live application tagged `lighter`
  (`GET /ws/v1/cluster/apps?applicationTags=lighter&states=…`), matched by tag; one that is not
  in the answer (it ended, or the RM forgot it) is asked for by its YARN id. app_state.py maps YARN's
  report to a status; a failure's reason is YARN's diagnostics, with the driver's exception
  from its container's log.
- logs: the driver container's stderr and stdout (a PySpark driver's own output) from its
  NodeManager, or the log server once aggregated; a copy is kept under
  `<data dir>/yarn-logs/` when the application ends, and read from there after. Before YARN
  has the application, spark-submit's own output.
- kill: through the ResourceManager, found by the tag (so before the YARN id is recorded); a
  spark-submit still running for the driver is stopped first.
- the ResourceManager's web address: LIGHTER_YARN_URL, else yarn-site.xml in HADOOP_CONF_DIR.
- Kerberos (kerberos.py): Lighter's principal and keytab for every spark-submit, and SPNEGO
  to the ResourceManager (spnego.py); the backend does not start with half of the settings.
"""

import asyncio
import getpass
import logging
import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path

import httpx

from lighter_common.backends.base import LaunchContext, LaunchResult
from lighter_common.backends.driver_log import last_error_line
from lighter_common.backends.spark_home import environment_without_service_settings, pyspark_home
from lighter_common.backends.spark_submit_slots import SparkSubmitSlots
from lighter_common.backends.yarn.app_state import ENDED_STATES, YarnApplication, driver_status
from lighter_common.backends.yarn.driver_logs import SAVED_LOG_BYTES, DriverLogs
from lighter_common.backends.yarn.hadoop_conf import HadoopConfError, read_yarn_addresses
from lighter_common.backends.yarn.kerberos import kerberos_problem, keytab_login, uses_spnego
from lighter_common.backends.yarn.resource_manager import (
    ResourceManager,
    ResourceManagerAuthError,
    ResourceManagerError,
)
from lighter_common.backends.yarn.spnego import GssapiTokens, SpnegoAuth
from lighter_common.backends.yarn.submission import (
    split_secret,
    submit_args,
    submitted_application,
)
from lighter_common.backends.yarn.tags import (
    APP_TAG_PREFIX,
    COMMON_TAG,
    app_tag,
    tagged_driver,
)
from lighter_common.domain.application import Application
from lighter_common.domain.driver import DriverKey, DriverPhase, DriverStatus, LiveDriver
from lighter_common.settings import Settings

_log = logging.getLogger(__name__)

SECRETS_DIR = "yarn-kernel-secrets"
_KILL_WAIT_SECONDS = 20.0
# How long a tracker pass's report of a live application serves `logs()` instead of another
# request to the ResourceManager (the log refresher reads every running driver's log in turn).
_REPORT_FRESH_SECONDS = 5.0
_ALIVE_STATES = ("NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING")
HADOOP_CONF_VARIABLE = "HADOOP_CONF_DIR"
_YARN_ID = re.compile(r"application_\d+_\d+")
_KERBEROS_HINT = (
    "a Kerberized cluster needs LIGHTER_YARN_KERBEROS_PRINCIPAL and LIGHTER_YARN_KERBEROS_KEYTAB "
    "(or LIGHTER_YARN_SPNEGO=true and a ticket cache, KRB5CCNAME)"
)
# An id YARN cannot keep as a tag is tagged with a digest (tags.py): its driver is not listed,
# for the zombie sweep would take the digest for an id no application has, and kill it.
_DIGEST_TAG = re.compile(re.escape(APP_TAG_PREFIX) + r"h[0-9a-f]{40}")


class YarnBackend:
    name = "yarn"

    def __init__(
        self,
        settings: Settings,
        *,
        slots: SparkSubmitSlots | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._settings = settings
        self._yarn = settings.yarn
        self._data_dir = settings.server.data_dir.resolve()
        self._logs = DriverLogs(self._data_dir, self._resource_manager)
        self._spark_home = (settings.local.spark_home or pyspark_home()).resolve()
        self._slots = slots or SparkSubmitSlots(settings.limits.spark_submit_slots)
        self._client = http_client
        self._own_client = http_client is None
        self._rm: ResourceManager | None = None
        self._launching: dict[DriverKey, asyncio.Task[LaunchResult]] = {}
        self._submitting: dict[DriverKey, asyncio.subprocess.Process] = {}
        self._killed: set[DriverKey] = set()  # killed while their launch was under way
        self._reports: dict[tuple[str, int], tuple[float, YarnApplication]] = {}

    # The port.

    async def launch(self, app: Application, context: LaunchContext) -> LaunchResult:
        key = DriverKey.of(app)
        running = self._launching.get(key)
        if running is None:
            running = asyncio.create_task(self._launch(app, context))
            self._launching[key] = running
            running.add_done_callback(lambda _: self._launched(key))
        return await asyncio.shield(running)

    def _launched(self, key: DriverKey) -> None:
        self._launching.pop(key, None)
        self._killed.discard(key)

    async def launch_problem(self) -> str | None:
        if (problem := kerberos_problem(self._yarn)) is not None:
            return problem
        try:
            rm = self._resource_manager()
        except HadoopConfError as error:
            return str(error)
        try:
            await rm.applications(tag=COMMON_TAG, states=["NEW"])
        except ResourceManagerAuthError as error:
            hint = "" if uses_spnego(self._yarn) else f"; {_KERBEROS_HINT}"
            return f"the ResourceManager does not let Lighter in: {error}{hint}"
        except ResourceManagerError as error:
            return f"the ResourceManager does not answer: {error}"
        return None

    async def status(self, app: Application) -> DriverStatus:
        return (await self.statuses([app]))[app.id]

    async def statuses(self, apps: Sequence[Application]) -> dict[str, DriverStatus]:
        if not apps:
            return {}
        rm = self._resource_manager()
        # Only those still alive: the RM keeps thousands of ended ones, which Lighter has seen
        # end already but one (each asked for by its id below, once, as it ends).
        tagged = _by_driver(await rm.applications(tag=COMMON_TAG, states=_ALIVE_STATES))
        now = asyncio.get_running_loop().time()
        self._reports = {identity: (now, yarn_app) for identity, yarn_app in tagged.items()}
        found: dict[str, DriverStatus] = {}
        for app in apps:
            yarn_app = tagged.get((app_tag(app.id), app.generation))
            if yarn_app is None:
                found[app.id] = await self._status_of_unlisted(rm, app)
            else:
                found[app.id] = await self._status_of(yarn_app)
        return found

    async def logs(self, app: Application, max_bytes: int) -> str | None:
        key = DriverKey.of(app)
        yarn_app = self._fresh_report(key) or await self._find(key, app.backend_ref)
        if yarn_app is None:
            return await self._logs.submit_output(key, max_bytes)
        live = await self._logs.live(yarn_app, max_bytes)
        if live is not None:
            if yarn_app.state in ENDED_STATES:
                await self._logs.keep(yarn_app, live if max_bytes >= SAVED_LOG_BYTES else None)
            return live
        kept = await self._logs.kept(yarn_app.id, max_bytes)
        if kept is not None:
            return kept
        return await self._logs.submit_output(key, max_bytes)

    async def kill(self, driver: DriverKey) -> None:
        if driver in self._launching:
            self._killed.add(driver)  # a launch waiting for a spark-submit slot gives up
        process = self._submitting.get(driver)
        if process is not None and process.returncode is None:
            # What it submitted before it stopped is in the ResourceManager by now.
            process.kill()
            await process.wait()
        rm = self._resource_manager()
        killed = []
        for yarn_app in await self._tagged(rm, driver):
            # Its log is kept once YARN reports it killed: the NodeManager still has it then.
            if yarn_app.state not in ENDED_STATES:
                await rm.kill(yarn_app.id)
                killed.append(yarn_app.id)
        await self._until_ended(rm, killed)

    async def _until_ended(self, rm: ResourceManager, yarn_ids: list[str]) -> None:
        """The RM kills in the background: wait (a while) until it reports each one ended, so
        that a driver killed is no longer among `drivers()`."""
        deadline = asyncio.get_running_loop().time() + _KILL_WAIT_SECONDS
        for yarn_id in yarn_ids:
            while asyncio.get_running_loop().time() < deadline:
                yarn_app = await rm.application(yarn_id)
                if yarn_app is None or yarn_app.state in ENDED_STATES:
                    break
                await asyncio.sleep(0.25)

    async def drivers(self) -> list[LiveDriver]:
        rm = self._resource_manager()
        live = []
        for yarn_app in await rm.applications(tag=COMMON_TAG, states=_ALIVE_STATES):
            identity = tagged_driver(yarn_app.application_tags)
            if identity is None:
                continue
            tag, generation = identity
            if _DIGEST_TAG.fullmatch(tag):
                continue
            key = DriverKey(tag.removeprefix(APP_TAG_PREFIX), generation)
            live.append(LiveDriver(key=key, ref=yarn_app.id))
        return live

    async def close(self) -> None:
        for task in list(self._launching.values()):
            task.cancel()
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None
        self._rm = None

    # Launch.

    async def _launch(self, app: Application, context: LaunchContext) -> LaunchResult:
        key = DriverKey.of(app)
        rm = self._resource_manager()
        existing = await self._tagged(rm, key)
        if existing:
            return _result(existing[-1])
        env, secret = split_secret(context.env or {})
        secret_file = self._write_secret(key, secret) if secret is not None else None
        try:
            argv = submit_args(
                app,
                self._yarn,
                env=env,
                kernel_file=context.kernel_file,
                kernel_archive=context.kernel_archive,
                secret_file=secret_file,
                login=keytab_login(self._yarn),
            )
            exit_code, output = await self._spark_submit(key, argv)
        finally:
            if secret_file is not None:
                secret_file.unlink(missing_ok=True)  # uploaded to the staging directory
        yarn_id = submitted_application(output)
        if yarn_id is not None:
            return LaunchResult(backend_ref=yarn_id, spark_app_id=yarn_id)
        # Refused by YARN (a queue that does not exist), spark-submit still has the id.
        existing = await self._tagged(rm, key)
        if existing:
            return _result(existing[-1])
        cause = last_error_line(output) or f"exit code {exit_code}"
        raise RuntimeError(f"spark-submit submitted no YARN application: {cause}")

    async def _spark_submit(self, key: DriverKey, argv: list[str]) -> tuple[int, str]:
        timeout = self._yarn.submit_timeout
        async with self._slots.slot():
            if key in self._killed:
                raise RuntimeError("killed before spark-submit ran")
            process = await asyncio.create_subprocess_exec(
                str(self._spark_home / "bin" / "spark-submit"),
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=self._submit_environment(),
            )
            self._submitting[key] = process
            try:
                if key in self._killed:  # while the process was being started
                    process.kill()
                raw, _ = await asyncio.wait_for(process.communicate(), timeout)
            except TimeoutError:
                raise RuntimeError(f"spark-submit did not finish in {timeout:g}s") from None
            finally:
                self._submitting.pop(key, None)
                if process.returncode is None:  # timed out, or the launch was cancelled
                    process.kill()
                    await process.wait()
        output = raw.decode("utf-8", errors="replace")
        await self._logs.keep_submit_output(key, output)
        if key in self._killed:
            raise RuntimeError("killed while spark-submit ran")
        return process.returncode or 0, output

    def _submit_environment(self) -> dict[str, str]:
        """spark-submit's environment: the service's, without Lighter's own settings."""
        env = environment_without_service_settings()
        env["SPARK_HOME"] = str(self._spark_home)
        env[HADOOP_CONF_VARIABLE] = str(self._conf_dir())
        return env

    def _write_secret(self, key: DriverKey, secret: str) -> Path:
        """The kernel secret in a file only this service's user can read, for spark-submit to
        upload; a name of its own per launch, so that two launches never share one."""
        directory = self._data_dir / SECRETS_DIR
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / f"{app_tag(key.app_id)}-{key.generation}-{secrets.token_hex(8)}"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secret)
        return path

    # Statuses.

    async def _status_of(self, yarn_app: YarnApplication) -> DriverStatus:
        log_tail = None
        if yarn_app.state in ENDED_STATES:
            await self._logs.keep_quietly(yarn_app)
            if yarn_app.state != "KILLED" and yarn_app.final_status != "SUCCEEDED":
                log_tail = await self._logs.failure_tail(yarn_app)
        return driver_status(
            yarn_app, log_tail=log_tail, resource_manager_url=self._resource_manager().base_url
        )

    async def _status_of_unlisted(self, rm: ResourceManager, app: Application) -> DriverStatus:
        """Not in the list: a driver whose submission is under way, one the RM has forgotten,
        or none at all. Asked once by its YARN id, so that it is never left unknown."""
        key = DriverKey.of(app)
        if key in self._submitting or key in self._launching:
            return DriverStatus(DriverPhase.STARTING, reason="spark-submit is submitting it")
        yarn_id = _yarn_id(app.backend_ref) or _yarn_id(app.app_id)
        if yarn_id is not None:
            yarn_app = await rm.application(yarn_id)
            if yarn_app is not None:
                return await self._status_of(yarn_app)
            return DriverStatus(
                DriverPhase.MISSING,
                spark_app_id=yarn_id,
                reason=f"the ResourceManager no longer knows application {yarn_id}",
            )
        if app.backend_ref is not None:
            return DriverStatus(DriverPhase.MISSING, reason="its YARN application is gone")
        return DriverStatus(DriverPhase.MISSING, reason="no driver was launched")

    # The ResourceManager.

    def _fresh_report(self, key: DriverKey) -> YarnApplication | None:
        """The last tracker pass's report of a live driver, if it is recent."""
        seen = self._reports.get(_identity(key))
        if seen is None:
            return None
        at, yarn_app = seen
        if asyncio.get_running_loop().time() - at > _REPORT_FRESH_SECONDS:
            return None
        return yarn_app

    async def _find(self, key: DriverKey, backend_ref: str | None) -> YarnApplication | None:
        rm = self._resource_manager()
        tagged = await self._tagged(rm, key)
        if tagged:
            return tagged[-1]
        yarn_id = _yarn_id(backend_ref)
        return await rm.application(yarn_id) if yarn_id is not None else None

    async def _tagged(self, rm: ResourceManager, key: DriverKey) -> list[YarnApplication]:
        """The driver's applications (one, unless something submitted it twice), oldest first."""
        apps = await rm.applications(tag=app_tag(key.app_id))
        mine = [a for a in apps if tagged_driver(a.application_tags) == _identity(key)]
        return sorted(mine, key=lambda a: (a.started_time, a.id))

    def _conf_dir(self) -> Path:
        conf_dir = self._yarn.hadoop_conf_dir
        if conf_dir is None:
            raise HadoopConfError(
                "the yarn backend needs HADOOP_CONF_DIR (or LIGHTER_YARN_HADOOP_CONF_DIR): the "
                "directory of the cluster's yarn-site.xml and core-site.xml"
            )
        if not conf_dir.is_dir():
            raise HadoopConfError(f"HADOOP_CONF_DIR={conf_dir} is not a directory Lighter can read")
        return conf_dir

    def _auth(self) -> httpx.Auth | None:
        if not uses_spnego(self._yarn):
            return None
        return SpnegoAuth(GssapiTokens(keytab_login(self._yarn)))

    def _resource_manager(self) -> ResourceManager:
        if self._rm is None:
            conf_dir = self._conf_dir()
            try:
                addresses = read_yarn_addresses(conf_dir)
            except (HadoopConfError, OSError) as error:
                raise HadoopConfError(f"HADOOP_CONF_DIR={conf_dir}: {error}") from None
            urls = addresses.resource_managers
            if self._yarn.url:
                urls = tuple(u.strip() for u in self._yarn.url.split(",") if u.strip())
            if self._client is None:
                self._client = httpx.AsyncClient(timeout=30, auth=self._auth())
            self._rm = ResourceManager(
                base_urls=urls,
                client=self._client,
                user=self._yarn.user or getpass.getuser(),
                log_server_url=addresses.log_server,
            )
        return self._rm


def _identity(key: DriverKey) -> tuple[str, int]:
    return app_tag(key.app_id), key.generation


def _by_driver(apps: list[YarnApplication]) -> dict[tuple[str, int], YarnApplication]:
    """Each tagged driver's application; the latest, should one have been submitted twice."""
    found: dict[tuple[str, int], YarnApplication] = {}
    for yarn_app in sorted(apps, key=lambda a: (a.started_time, a.id)):
        identity = tagged_driver(yarn_app.application_tags)
        if identity is not None:
            found[identity] = yarn_app
    return found


def _result(yarn_app: YarnApplication) -> LaunchResult:
    return LaunchResult(backend_ref=yarn_app.id, spark_app_id=yarn_app.id)


def _yarn_id(value: str | None) -> str | None:
    return value if value and _YARN_ID.fullmatch(value) else None
