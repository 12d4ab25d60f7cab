"""What the machine was doing meanwhile: load average and the CPU each process used."""

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def machine_facts() -> dict[str, object]:
    return {"cpus": os.cpu_count(), "load_average": load_average()}


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime field 14 and stime field 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def find_pids(command_name: str) -> list[int]:
    """Processes whose command name (/proc/<pid>/comm) is `command_name`."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as comm:
                if comm.read().strip() == command_name:
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


@dataclass
class CpuMeter:
    """CPU share (1.0 = one core busy) of named processes between `start` and `stop`."""

    pids: Mapping[str, int]

    def start(self) -> None:
        self._started = time.monotonic()
        self._before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def stop(self) -> dict[str, float]:
        elapsed = time.monotonic() - self._started
        shares = {}
        for name, pid in self.pids.items():
            before, after = self._before.get(name), cpu_seconds(pid)
            if before is not None and after is not None and elapsed > 0:
                shares[name] = round((after - before) / elapsed, 2)
        return shares
