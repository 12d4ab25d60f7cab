"""The submitter as its own process: `lighter submitter`."""

from lighter_common.backends.readiness import refuse_unworkable
from lighter_common.service.runner import serve_backend_worker
from lighter_common.settings import Settings

from lighter_submitter.worker import Submitter


async def run(settings: Settings) -> None:
    refuse_unworkable(settings)
    await serve_backend_worker(
        Submitter, name="submitter", port=settings.server.submitter_port, settings=settings
    )
