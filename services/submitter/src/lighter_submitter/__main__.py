"""`python -m lighter_submitter`: the submitter on its own."""

from lighter_common.service.runner import run_service

from lighter_submitter.main import run

if __name__ == "__main__":
    run_service("submitter", run)
