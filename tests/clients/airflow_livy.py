"""Airflow's LivyHook, called as a DAG's task calls it, in a process of its own.

Importing Airflow configures the whole interpreter (its logging, a secrets masker, an ORM
engine), which the rest of the suite must not inherit; so `airflow_process` runs these
functions in a spawned interpreter whose environment holds `AIRFLOW_HOME` and the connections
as `AIRFLOW_CONN_<ID>` (read by Airflow's environment secrets backend: no metadata database).
Airflow's own exceptions would need Airflow to unpickle in the test process, so a failed call
comes back as a `RuntimeError` carrying the hook's message.
"""

import json
import multiprocessing
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from airflow.providers.apache.livy.hooks.livy import LivyHook


def connection_variable(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def livy_connection(url: str, login: str, password: str) -> str:
    """A Livy connection, as Airflow's UI or `airflow connections add` would store it."""
    parts = urlsplit(url)
    return json.dumps(
        {
            "conn_type": "livy",
            "schema": parts.scheme,
            "host": parts.hostname,
            "port": parts.port,
            "login": login,
            "password": password,
        }
    )


@contextmanager
def airflow_process(
    airflow_home: Path, connections: Mapping[str, str]
) -> Iterator[ProcessPoolExecutor]:
    """One interpreter with Airflow imported, reused for every call (its import takes seconds)."""
    environment = {"AIRFLOW_HOME": str(airflow_home)}
    environment.update({connection_variable(i): c for i, c in connections.items()})
    with ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_set_environment,
        initargs=(environment,),
    ) as pool:
        yield pool


def _set_environment(environment: Mapping[str, str]) -> None:
    os.environ.update(environment)


def _hook(conn_id: str) -> "LivyHook":
    from airflow.providers.apache.livy.hooks.livy import LivyHook

    # Lighter serves Livy under /livy, which LivyOperator's `endpoint_prefix` is for.
    return LivyHook(livy_conn_id=conn_id, endpoint_prefix="/livy")


def post_batch(conn_id: str, file: str, name: str, conf: dict[str, Any]) -> int:
    """The batch's Livy id, as LivyOperator submits it."""
    try:
        return _hook(conn_id).post_batch(file=file, name=name, conf=conf)
    except Exception as failure:
        raise RuntimeError(f"{type(failure).__name__}: {failure}") from None


def batch_state(conn_id: str, batch_id: int) -> str:
    """The batch's state, as LivyOperator polls it."""
    try:
        return str(_hook(conn_id).get_batch_state(batch_id).value)
    except Exception as failure:
        raise RuntimeError(f"{type(failure).__name__}: {failure}") from None
