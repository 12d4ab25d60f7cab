"""`python -m lighter_api`: the api on its own."""

from lighter_common.service.runner import run_service

from lighter_api.main import run

if __name__ == "__main__":
    run_service("api", run)
