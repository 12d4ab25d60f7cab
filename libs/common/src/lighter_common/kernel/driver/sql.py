"""SQL statements: `spark.sql`, answered as `{schema, data}` plus the rows as Spark shows them."""

from __future__ import annotations

from typing import Any

from .outputs import Evaluation
from .rendering import json_value, text_table


class SqlInterpreter:
    """Runs SQL against the session's SparkSession; at most `max_rows` rows come back."""

    def __init__(self, spark: Any, max_rows: int) -> None:
        self._spark = spark
        self._sql_max_rows = max_rows

    def run(self, code: str) -> Evaluation:
        frame = self._spark.sql(code)
        rows = frame.take(self._sql_max_rows + 1)
        truncated = len(rows) > self._sql_max_rows
        rows = rows[: self._sql_max_rows]
        data = [[json_value(v) for v in row] for row in rows]
        text = text_table(list(frame.columns), data, truncated) if frame.columns else ""
        payload = {"schema": frame.schema.jsonValue(), "data": data}
        return Evaluation({"application/json": payload, "text/plain": text})
