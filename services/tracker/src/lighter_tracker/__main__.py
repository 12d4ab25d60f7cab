"""`python -m lighter_tracker`: the tracker on its own."""

from lighter_common.service.runner import run_service

from lighter_tracker.main import run

if __name__ == "__main__":
    run_service("tracker", run)
