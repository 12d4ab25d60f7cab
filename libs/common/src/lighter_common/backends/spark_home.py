"""Where Spark is and what environment spark-submit gets, the same for every backend."""

import importlib.util
import os
from pathlib import Path

SERVICE_ENV_PREFIX = "LIGHTER_"


def pyspark_home() -> Path:
    """The Spark of the installed pyspark wheel (its jars and `bin/spark-submit`)."""
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("running Spark needs pyspark installed, or LIGHTER_SPARK_HOME")
    return Path(next(iter(spec.submodule_search_locations)))


def environment_without_service_settings() -> dict[str, str]:
    """This process's environment without Lighter's own settings.

    LIGHTER_* variables hold the service's secrets (database and broker URLs, …): neither
    spark-submit nor user code in a driver may read them.
    """
    return {
        name: value for name, value in os.environ.items() if not name.startswith(SERVICE_ENV_PREFIX)
    }
