"""Completion: the names that complete the word at a cursor, in the statement's language.

Requests come with the polls (see the endpoint); the kernel answers each from its own thread:
Python from the statements' namespace (rlcompleter), Scala from the REPL's completer, which
waits for running Scala code.
"""

from __future__ import annotations

import itertools
import re
import rlcompleter
from typing import Any

from .kinds import PYTHON_KINDS, SCALA_KIND
from .scala import ScalaInterpreter

# The word being typed: a name, or names joined by dots (`spark.ra`).
PYTHON_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*$")


def candidates(
    kind: str, code: str, cursor: int, *, namespace: dict[str, Any], scala: ScalaInterpreter
) -> list[str]:
    """The candidates for `code` at `cursor`; none for a language without completion (SQL)."""
    if kind == SCALA_KIND:
        return scala.complete(code, cursor)
    if kind in PYTHON_KINDS:
        return python_candidates(namespace, code, cursor)
    return []


def python_candidates(namespace: dict[str, Any], code: str, cursor: int) -> list[str]:
    """Names in the namespace (or attributes, after a dot) that complete the word at `cursor`."""
    match = PYTHON_WORD.search(code[:cursor])
    if match is None:
        return []
    word = match.group(0)
    completer = rlcompleter.Completer(namespace)
    names: list[str] = []
    for state in itertools.count():
        found = completer.complete(word, state)
        if found is None:
            return names
        # rlcompleter gives `spark.range(`: the name that replaces the word after the dot.
        name = found.rpartition(".")[2].rstrip("(: ")
        if name and name not in names:
            names.append(name)
    return names
