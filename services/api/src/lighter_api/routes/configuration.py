"""GET /lighter/api/configuration: what clients and the UI need to know about this server."""

from typing import Any

from fastapi import APIRouter

from lighter_api import applications
from lighter_api.deps import SettingsDep, StoreDep
from lighter_api.dialects import lighter

router = APIRouter(prefix=lighter.PREFIX, tags=["configuration"])


@router.get("/configuration")
async def configuration(settings: SettingsDep, store: StoreDep) -> dict[str, Any]:
    permanent = await applications.permanent_sessions(store)
    return {
        "sparkHistoryServerUrl": settings.links.spark_history_server_url,
        "externalLogsUrlTemplate": settings.links.external_logs_url_template,
        "sessionConfiguration": {
            "timeoutMinutes": int(settings.sessions.session_timeout_interval // 60),
            "permanentSessions": [lighter.render_permanent_session(s) for s in permanent],
        },
        "backend": settings.server.backend,
        "limits": {
            "maxRunningJobs": settings.limits.max_running_jobs,
            "maxStartingJobs": settings.limits.max_starting_jobs,
            "maxRunningSessions": settings.limits.max_running_sessions,
        },
    }
