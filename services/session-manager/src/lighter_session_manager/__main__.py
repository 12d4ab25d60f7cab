"""`python -m lighter_session_manager`: the session-manager on its own."""

from lighter_common.service.runner import run_service

from lighter_session_manager.main import run

if __name__ == "__main__":
    run_service("session-manager", run)
