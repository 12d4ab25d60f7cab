"""`python -m lighter_session_manager`: the session-manager on its own."""

import asyncio
import contextlib

from lighter_common.service.logs import configure_logging
from lighter_common.settings import Settings

from lighter_session_manager.main import run


def main() -> None:
    settings = Settings()
    configure_logging("session-manager", log_format=settings.log_format, level=settings.log_level)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings))


if __name__ == "__main__":
    main()
