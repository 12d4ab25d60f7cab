"""Python statements: run in the user namespace with the last expression echoed, and the
`%json`, `%table` and `%matplot` magics on lines of their own."""

from __future__ import annotations

import ast
import builtins
import json
import linecache
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .outputs import Evaluation
from .rendering import TABLE_MIME, livy_table, matplot_png

logger = logging.getLogger("lighter.kernel")


class UnknownMagic(Exception):
    pass


@dataclass
class Chunk:
    """Part of a statement: Python source, or one `%magic <expression>` line."""

    first_line: int  # 0-based, so errors point at the statement's own line numbers
    source: str
    magic: str | None = None


def split_chunks(code: str, filename: str) -> list[Chunk]:
    """Python, with lines starting with `%` taken as magics when the code is not Python."""
    try:
        ast.parse(code, filename)
        return [Chunk(0, code)]
    except SyntaxError:
        lines = code.split("\n")
        if not any(line.startswith("%") for line in lines):
            raise
    chunks: list[Chunk] = []
    start = 0
    block: list[str] = []
    for number, line in enumerate(lines):
        if line.startswith("%"):
            if any(text.strip() for text in block):
                chunks.append(Chunk(start, "\n".join(block)))
            name, _, argument = line[1:].partition(" ")
            chunks.append(Chunk(number, argument.strip(), magic=name.strip()))
            start, block = number + 1, []
        else:
            block.append(line)
    if any(text.strip() for text in block):
        chunks.append(Chunk(start, "\n".join(block)))
    return chunks


class PythonInterpreter:
    """Runs statements in the user namespace, in the calling (main) thread."""

    def __init__(self, namespace: dict[str, Any], sql_max_rows: int) -> None:
        self.namespace = namespace
        self._sql_max_rows = sql_max_rows  # the rows `%table` takes of a DataFrame

    def run(self, code: str, filename: str) -> Evaluation:
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        result = Evaluation()
        for chunk in split_chunks(code, filename):
            if chunk.magic is None:
                result = self._python_chunk(chunk, filename)
            else:
                result = self._magic(chunk, filename)
        return result

    def _python_chunk(self, chunk: Chunk, filename: str) -> Evaluation:
        source = "\n" * chunk.first_line + chunk.source
        tree = ast.parse(source, filename, "exec")
        last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        body = tree.body[:-1] if last is not None else tree.body
        exec(compile(ast.Module(body, type_ignores=[]), filename, "exec"), self.namespace)
        if last is None:
            return Evaluation()
        value = eval(compile(ast.Expression(last.value), filename, "eval"), self.namespace)
        return Evaluation(echo=None if value is None else repr(value))

    def _magic(self, chunk: Chunk, filename: str) -> Evaluation:
        handlers: dict[str, Callable[[Any], dict[str, Any]]] = {
            "json": self._json,
            "table": lambda value: {TABLE_MIME: livy_table(value, self._sql_max_rows)},
            "matplot": lambda value: {"image/png": matplot_png(value), "text/plain": ""},
        }
        handler = handlers.get(chunk.magic or "")
        if handler is None:
            raise UnknownMagic(f"unknown magic command '%{chunk.magic}'")
        if not chunk.source:
            raise SyntaxError(f"%{chunk.magic} needs an expression")
        source = "\n" * chunk.first_line + chunk.source
        value = eval(compile(source, filename, "eval"), self.namespace)
        return Evaluation(handler(value))

    @staticmethod
    def _json(value: Any) -> dict[str, Any]:
        json.dumps(value, allow_nan=False)  # raises for what JSON cannot carry
        return {"application/json": value}


def user_namespace(spark: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__builtins__": builtins,
        "spark": spark,
        "sc": spark.sparkContext,
        "sqlContext": spark,
    }
    try:
        from pyspark.sql import SQLContext

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            namespace["sqlContext"] = SQLContext(spark.sparkContext, spark)
    except Exception:
        logger.info("SQLContext is not available; sqlContext is the SparkSession")
    return namespace
