"""Permanent sessions from configuration: created at startup when missing, then launched.

Reviving one whose driver ended is the tracker's (domain/driver_state.py); asking the
submitter to launch each of them here is harmless when it already runs, since the
submitter only launches what is `not_started`.
"""

import logging

from lighter_common.bus.base import Bus
from lighter_common.domain.application import (
    Application,
    ApplicationType,
    new_kernel_secret,
    utcnow,
)
from lighter_common.domain.errors import Conflict
from lighter_common.domain.statement import DEFAULT_KIND
from lighter_common.messages import SUBMITTER_QUEUE, LaunchApplication
from lighter_common.settings import PermanentSessionSpec
from lighter_common.store.base import Store

logger = logging.getLogger(__name__)


async def ensure_permanent_sessions(
    *, store: Store, bus: Bus, specs: list[PermanentSessionSpec], backend: str
) -> list[str]:
    """Create the configured sessions that do not exist yet; returns the created ids."""
    created = []
    for spec in specs:
        missing = await store.get_application(spec.id) is None
        if missing and await _create(store, spec, backend):
            created.append(spec.id)
        await bus.publish(SUBMITTER_QUEUE, LaunchApplication(app_id=spec.id))
    return created


async def _create(store: Store, spec: PermanentSessionSpec, backend: str) -> bool:
    params = spec.submit_params.model_copy(
        update={"permanent": True, "kind": spec.submit_params.kind or DEFAULT_KIND}
    )
    session = Application(
        id=spec.id,
        type=ApplicationType.PERMANENT_SESSION,
        kind=params.kind,
        submit_params=params,
        backend=backend,
        # The operator wrote this conf: the policy that guards against users does not apply.
        conf_policy_lifted=True,
        kernel_secret=new_kernel_secret(),
        last_activity_at=utcnow(),
    )
    try:
        await store.insert_application(session)
    except Conflict:
        return False  # another replica created it first
    logger.info("permanent session created", extra={"session": spec.id})
    return True
