"""Launching one application: claim it, start its driver, record where it runs."""

import logging
import os

from lighter_common.backends.base import Backend, LaunchContext
from lighter_common.bus.base import Bus
from lighter_common.domain.application import Application, utcnow
from lighter_common.domain.driver import DriverKey
from lighter_common.domain.statement import DEFAULT_KIND
from lighter_common.domain.states import ApplicationState
from lighter_common.domain.transitions import DRIVER_FACTS_RECORDABLE, previous_states
from lighter_common.ending import finish_application
from lighter_common.kernel import (
    KERNEL_ARCHIVE_ROUTE,
    KERNEL_FILE_ROUTE,
    KERNEL_PATH,
    kernel_archive_file,
)
from lighter_common.messages import TRACKER_QUEUE, TrackApplication
from lighter_common.settings import Settings
from lighter_common.store.base import Store

logger = logging.getLogger(__name__)

KERNEL_DIR = "kernel"  # in the data dir: the kernel's archive, for drivers on this machine

# The kernel's tuning knobs an operator may set in the service's environment; the backend
# passes a driver nothing else of Lighter's own (see LaunchContext).
KERNEL_TUNING_VARIABLES = (
    "LIGHTER_KERNEL_UNREACHABLE_TIMEOUT",
    "LIGHTER_KERNEL_MAX_OUTPUT_BYTES",
    "LIGHTER_SQL_MAX_ROWS",
)


async def claim(store: Store, app: Application) -> Application | None:
    """Compare-and-set not_started → starting; only one replica wins."""
    return await store.update_application(
        app.id,
        {"state": ApplicationState.STARTING, "state_reason": None, "started_at": utcnow()},
        expected=previous_states(ApplicationState.STARTING),
        only_if={"deleted": False},
    )


def launch_context(app: Application, settings: Settings) -> LaunchContext:
    if not app.type.is_session:
        return LaunchContext()
    tuning = {name: os.environ[name] for name in KERNEL_TUNING_VARIABLES if name in os.environ}
    return LaunchContext(
        kernel_file=str(KERNEL_PATH),
        kernel_file_url=f"{settings.kernel_base_url}{KERNEL_FILE_ROUTE}",
        kernel_archive=str(kernel_archive_file(settings.server.data_dir.resolve() / KERNEL_DIR)),
        kernel_archive_url=f"{settings.kernel_base_url}{KERNEL_ARCHIVE_ROUTE}",
        env={
            **tuning,
            "LIGHTER_KERNEL_URL": settings.kernel_base_url,
            "LIGHTER_SESSION_ID": app.id,
            "LIGHTER_KERNEL_SECRET": app.kernel_secret or "",
            "LIGHTER_SESSION_GENERATION": str(app.generation),
            "LIGHTER_SESSION_KIND": app.kind or DEFAULT_KIND,
        },
    )


def refuse_against_policy(app: Application, settings: Settings) -> None:
    """The submission policy, once more before a driver runs: the API checked it at
    submission, but a document can reach the store another way. The local-file rule applies
    here only where the operator named directories: without them it depends on the caller's
    authentication, which the API alone knows."""
    policy = settings.submission_policy(local_paths_open=True)
    if problems := policy.problems(app.submit_params, conf_lifted=app.conf_policy_lifted):
        raise ValueError("; ".join(problems))


async def launch(
    *, store: Store, bus: Bus, backend: Backend, settings: Settings, app: Application
) -> None:
    """Start the claimed `app`'s driver. Safe to repeat: backends launch idempotently."""
    try:
        refuse_against_policy(app, settings)
        result = await backend.launch(app, launch_context(app, settings))
    except Exception as error:
        logger.exception("launch failed", extra={"app": app.id})
        await finish_application(
            store=store,
            bus=bus,
            backend=backend,
            app=app,
            state=ApplicationState.ERROR,
            reason=f"launch failed: {error}",
            max_log_bytes=settings.limits.log_max_bytes,
        )
        await backend.kill(DriverKey.of(app))  # whatever the failed launch did start
        return
    changes: dict[str, object] = {"backend_ref": result.backend_ref, "contacted_at": utcnow()}
    if result.spark_app_id:
        changes["app_id"] = result.spark_app_id
    recorded = await store.update_application(
        app.id, changes, expected=DRIVER_FACTS_RECORDABLE, only_if={"generation": app.generation}
    )
    if recorded is None:
        # Ended (or restarted) while launching: nobody else knows this driver exists.
        logger.info("application ended while launching; stopping its driver", extra={"app": app.id})
        await backend.kill(DriverKey.of(app))
        return
    logger.info("launched", extra={"app": app.id, "ref": result.backend_ref})
    await bus.publish(TRACKER_QUEUE, TrackApplication(app_id=app.id))
