"""The host's process table, as the local backend needs it: identity, sessions, signals.

A driver tree lives in one session whose id is its supervisor's pid. The session, not the
process group, is what holds the whole tree: PySpark's worker daemon moves itself and its
workers into a process group of their own, but never leaves the session.

On Linux `/proc` is read; elsewhere only the session leader can be seen and signalled.
Imports the standard library only: the supervisor runs it in every driver.
"""

import contextlib
import os
import signal
from pathlib import Path

_PROC = Path("/proc")
UNKNOWN_START = "?"


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat from the state on (the name may hold spaces)."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2 :].split()


def process_start(pid: int) -> str | None:
    """When `pid` started (clock ticks since boot), or None when it is gone or a zombie.

    Recorded next to a pid, it tells the process apart from a later one given the same pid.
    """
    if not _PROC.is_dir():
        return UNKNOWN_START if _exists(pid) else None
    fields = _stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return None
    return fields[19]


def is_same_process(pid: int, start: str) -> bool:
    current = process_start(pid)
    return current is not None and (start == UNKNOWN_START or current == start)


def session_members(session_id: int) -> list[int]:
    """Live (not zombie) processes in the session `session_id`."""
    if not _PROC.is_dir():
        return [session_id] if _exists(session_id) else []
    members = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None and fields[0] not in ("Z", "X") and fields[3] == str(session_id):
            members.append(int(entry.name))
    return members


def live_sessions() -> set[int] | None:
    """Ids of the sessions that have a live (not zombie) process, in one pass over the table.

    None where the table cannot be listed: ask `session_members` about each session instead.
    """
    if not _PROC.is_dir():
        return None
    sessions = set()
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and fields[0] not in ("Z", "X"):
                sessions.add(int(fields[3]))
    return sessions


def signal_session(session_id: int, signum: signal.Signals) -> list[int]:
    """Send `signum` to every live process of the session; the pids it was sent to."""
    if not _PROC.is_dir():
        try:
            os.killpg(session_id, signum)
        except ProcessLookupError:
            return []
        return [session_id]
    members = session_members(session_id)
    for pid in members:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)
    return members


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
