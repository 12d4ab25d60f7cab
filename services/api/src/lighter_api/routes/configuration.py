"""GET /lighter/api/configuration: what clients and the UI need to know about this server."""

from typing import Any

from fastapi import APIRouter

from lighter_api.deps import SettingsDep

router = APIRouter(prefix="/lighter/api", tags=["configuration"])


@router.get("/configuration")
async def configuration(settings: SettingsDep) -> dict[str, Any]:
    return {
        "sparkHistoryServerUrl": settings.spark_history_server_url,
        "externalLogsUrlTemplate": settings.external_logs_url_template,
        "sessionConfiguration": {
            "timeoutMinutes": int(settings.session_timeout_interval // 60),
            "permanentSessions": [],
        },
        "backend": settings.backend,
        "limits": {
            "maxRunningJobs": settings.max_running_jobs,
            "maxStartingJobs": settings.max_starting_jobs,
            "maxRunningSessions": settings.max_running_sessions,
        },
    }
