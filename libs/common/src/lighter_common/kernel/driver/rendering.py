"""Values rendered for output: JSON-safe values, Spark's `show()` tables, Livy's `%table`,
and `%matplot` figures as PNG."""

from __future__ import annotations

import base64
import datetime
import decimal
import io
import math
from typing import Any

TABLE_MIME = "application/vnd.livy.table.v1+json"


def json_value(value: Any) -> Any:
    """A value as JSON can carry it (dates and decimals as text, NaN as null)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal | datetime.date | datetime.time):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "asDict"):  # a Spark Row
        return {k: json_value(v) for k, v in value.asDict(recursive=True).items()}
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in value]
    return str(value)


def text_table(columns: list[str], rows: list[list[Any]], truncated: bool) -> str:
    """Rows drawn as Spark's `show()` draws them."""
    cells = [[_cell_text(v) for v in row] for row in rows]
    widths = [
        max([3, len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(columns)
    ]
    rule = "+" + "+".join("-" * w for w in widths) + "+"
    lines = [
        rule,
        "|" + "|".join(n.rjust(w) for n, w in zip(columns, widths, strict=True)) + "|",
        rule,
    ]
    lines += [
        "|" + "|".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + "|" for row in cells
    ]
    lines.append(rule)
    if truncated:
        lines.append(f"only showing top {len(rows)} rows")
    return "\n".join(lines) + "\n"


def _cell_text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value)
    return text if len(text) <= 20 else text[:17] + "..."


_TABLE_TYPES: list[tuple[type, str]] = [
    (bool, "BOOLEAN_TYPE"),
    (int, "INT_TYPE"),
    (float, "DOUBLE_TYPE"),
    (decimal.Decimal, "DECIMAL_TYPE"),
    (datetime.datetime, "TIMESTAMP_TYPE"),
    (datetime.date, "DATE_TYPE"),
    (str, "STRING_TYPE"),
    (list, "ARRAY_TYPE"),
    (tuple, "ARRAY_TYPE"),
    (dict, "MAP_TYPE"),
]


def _table_type(value: Any) -> str:
    if value is None:
        return "NULL_TYPE"
    for python_type, name in _TABLE_TYPES:
        if isinstance(value, python_type):
            return name
    return "STRING_TYPE"


def livy_table(value: Any, max_rows: int) -> dict[str, Any]:
    """`%table`: rows (sequences, dicts, Spark Rows or a DataFrame) as Livy's table."""
    if hasattr(value, "schema") and hasattr(value, "take"):  # a Spark DataFrame
        value = value.take(max_rows)
    rows = list(value) if isinstance(value, list | tuple) else [value]
    types: dict[Any, str] = {}
    keyed_rows: list[dict[Any, Any]] = []
    for row in rows:
        if hasattr(row, "asDict"):
            row = row.asDict(recursive=True)
        if isinstance(row, dict):
            keyed = dict(row)
        elif isinstance(row, list | tuple):
            keyed = dict(enumerate(row))
        else:
            keyed = {0: row}
        for key, cell in keyed.items():
            types[key] = _merged_type(types.get(key, "NULL_TYPE"), _table_type(cell))
        keyed_rows.append(keyed)
    keys = list(types)
    return {
        "headers": [{"name": str(key), "type": types[key]} for key in keys],
        "data": [[json_value(row.get(key)) for key in keys] for row in keyed_rows],
    }


def _merged_type(seen: str, new: str) -> str:
    if new in ("NULL_TYPE", seen):
        return seen
    if seen == "NULL_TYPE":
        return new
    if {seen, new} == {"INT_TYPE", "DOUBLE_TYPE"}:
        return "DOUBLE_TYPE"
    raise TypeError("table rows have different types")


def matplot_png(value: Any) -> str:
    """`%matplot`: a matplotlib figure (or the pyplot module) as base64 PNG."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "%matplot needs matplotlib, which is not installed on this driver"
        ) from error
    figure = value.gcf() if hasattr(value, "gcf") else value
    if not hasattr(figure, "savefig"):
        raise TypeError(f"%matplot needs a matplotlib figure, not {type(value).__name__}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()
