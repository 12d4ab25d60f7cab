"""What the child processes of this one, or this process itself, cost: CPU seconds and peak
resident memory.

CPU comes from the kernel's accounting of reaped children (RUSAGE_CHILDREN, which includes
their own reaped children: spark-submit's launcher JVM and the JVM it execs); memory is the
sum of every descendant's resident set, sampled, since no counter keeps a tree's peak.
"""

import os
import resource
import threading
from dataclasses import dataclass, field
from typing import Self

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass
class _SampledMeter:
    """CPU seconds counted between enter and exit; resident memory sampled by a thread."""

    interval: float = 0.05
    peak_rss_bytes: int = 0
    cpu_seconds: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _cpu_before: float = 0.0

    def _cpu(self) -> float:
        raise NotImplementedError

    def _rss(self) -> int:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._cpu_before = self._cpu()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.cpu_seconds = self._cpu() - self._cpu_before

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_rss_bytes = max(self.peak_rss_bytes, self._rss())


@dataclass
class ProcessTreeMeter(_SampledMeter):
    """Use as `with ProcessTreeMeter() as meter:` around work that runs and reaps children."""

    def _cpu(self) -> float:
        return _children_cpu()

    def _rss(self) -> int:
        return _descendants_rss(os.getpid())


@dataclass
class OwnProcessMeter(_SampledMeter):
    """Use as `with OwnProcessMeter() as meter:` around work this process does itself.

    CPU: all its threads, and any child it reaped meanwhile; memory: its own resident set,
    sampled (cheaply: no scan of /proc), at the start and at its peak.
    """

    interval: float = 0.02
    start_rss_bytes: int = 0

    def __enter__(self) -> Self:
        self.start_rss_bytes = self.peak_rss_bytes = _own_rss()
        return super().__enter__()

    def _cpu(self) -> float:
        return _own_cpu() + _children_cpu()

    def _rss(self) -> int:
        return _own_rss()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _descendants_rss(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/statm") as statm:
                rss[int(entry)] = int(statm.read().split()[1]) * PAGE_BYTES
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    total, pending = 0, list(children.get(root, []))
    while pending:
        pid = pending.pop()
        total += rss.get(pid, 0)
        pending.extend(children.get(pid, []))
    return total


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _own_rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES
