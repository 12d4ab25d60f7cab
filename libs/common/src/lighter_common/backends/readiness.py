"""What a backend needs before it can launch anything, checked when a submitter starts.

Settings a backend cannot work without stop the process at start-up, naming the variable:
nothing would come of waiting. What the backend needs from where it runs Spark (on
Kubernetes: the namespace, the drivers' service account, the right to create pods) is asked
again until it is there, each failure logged as an error in the API server's words: in a real
deployment the API server may not be reachable yet when Lighter starts, or the operator is
about to create the service account. Launches are not held back meanwhile; each fails with
the same reason as the check.
"""

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lighter_common.backends.base import Backend
    from lighter_common.settings import Settings

logger = logging.getLogger(__name__)

RETRY_SECONDS = (5.0, 15.0, 30.0, 60.0)


class UnworkableSettings(SystemExit):
    """The backend cannot work with these settings; the message names the variable."""


def settings_problem(settings: "Settings") -> str | None:
    """What the configured backend cannot work without, naming its variable; or None."""
    if settings.server.backend == "kubernetes" and not settings.kubernetes.image:
        return (
            "the kubernetes backend needs LIGHTER_KUBERNETES_IMAGE, the Spark image driver and "
            "executor pods run (spark.kubernetes.container.image): without it every launch fails"
        )
    if settings.server.backend == "yarn" and settings.yarn.hadoop_conf_dir is None:
        return (
            "the yarn backend needs HADOOP_CONF_DIR (or LIGHTER_YARN_HADOOP_CONF_DIR), the "
            "directory of the cluster's yarn-site.xml and core-site.xml: spark-submit and "
            "Lighter find the ResourceManager there"
        )
    return None


def refuse_unworkable(settings: "Settings") -> None:
    """Stop the process, saying why, if the backend cannot work with `settings`."""
    problem = settings_problem(settings)
    if problem is not None:
        raise UnworkableSettings(problem)


async def check_until_ready(
    backend: "Backend", *, retry_seconds: tuple[float, ...] = RETRY_SECONDS
) -> None:
    """Ask the backend whether launches can succeed until they can, logging each refusal."""
    failures = 0
    while (problem := await _launch_problem(backend)) is not None:
        delay = retry_seconds[min(failures, len(retry_seconds) - 1)]
        failures += 1
        logger.error(
            "the %s backend cannot launch: %s; checking again in %gs",
            backend.name,
            problem,
            delay,
            extra={"backend": backend.name, "problem": problem},
        )
        await asyncio.sleep(delay)
    if failures:
        logger.info("the %s backend can launch now", backend.name)


async def _launch_problem(backend: "Backend") -> str | None:
    try:
        return await backend.launch_problem()
    except Exception as error:  # the check itself failed: say so, and ask again
        logger.debug("backend check failed", exc_info=True)
        return f"the check failed: {error or type(error).__name__}"
