"""The `lighter` command: one subcommand per service, plus `standalone` for all in one."""

import argparse
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from lighter_common.service.runner import run_service
from lighter_common.settings import Settings

SERVICES = ("standalone", "api", "submitter", "tracker", "session-manager")


def _runner(service: str) -> Callable[[Settings], Coroutine[Any, Any, None]]:
    # Imported on demand so one service does not load the others.
    if service == "api":
        from lighter_api.main import run as run_api

        return run_api
    if service == "submitter":
        from lighter_submitter.main import run as run_submitter

        return run_submitter
    if service == "tracker":
        from lighter_tracker.main import run as run_tracker

        return run_tracker
    if service == "session-manager":
        from lighter_session_manager.main import run as run_session_manager

        return run_session_manager
    from lighter_standalone.main import run as run_standalone

    return run_standalone


def main(argv: list[str] | None = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["users"]:
        from lighter_standalone.users import main as manage_users

        manage_users(arguments[1:])
        return
    if arguments[:1] == ["settings"]:
        from lighter_standalone.settings_table import main as print_settings

        print_settings(arguments[1:])
        return
    parser = argparse.ArgumentParser(
        prog="lighter",
        description="Run Apache Spark batches and sessions over REST. "
        "Configuration comes from LIGHTER_* environment variables.",
    )
    parser.add_argument("service", choices=SERVICES, nargs="?", default="standalone")
    parser.epilog = (
        "lighter users add NAME ... manages the users of basic and bearer auth; "
        "lighter settings [--markdown] lists every setting."
    )
    args = parser.parse_args(arguments)
    run_service(args.service, _runner(args.service))


if __name__ == "__main__":
    main()
