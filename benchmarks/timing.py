"""Measuring a product against its floor in one run, alternately, so that whatever else the
machine is doing slows both alike; and peak memory, measured in a fresh process."""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Comparison:
    """Times (seconds) of the product and of its floor, taken alternately: wall-clock, and
    this process's CPU time (steadier when other work shares the machine)."""

    product: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    product_cpu: list[float] = field(default_factory=list)
    floor_cpu: list[float] = field(default_factory=list)

    @property
    def product_median(self) -> float:
        return statistics.median(self.product)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor)

    @property
    def ratio(self) -> float:
        return self.product_median / self.floor_median

    @property
    def product_p95(self) -> float:
        return percentile(self.product, 95)

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(self.product_cpu) / statistics.median(self.floor_cpu)

    def as_json(self) -> dict[str, Any]:
        return {"product_median_s": self.product_median, "floor_median_s": self.floor_median,
                "ratio": self.ratio, "product_p95_s": self.product_p95,
                "product_cpu_median_s": statistics.median(self.product_cpu),
                "floor_cpu_median_s": statistics.median(self.floor_cpu),
                "cpu_ratio": self.cpu_ratio,
                "runs": len(self.product), "product_s": self.product, "floor_s": self.floor}


def alternate(product: Callable[[], object], floor: Callable[[], object], runs: int, *,
              warmup: int = 1) -> Comparison:
    """Time ``product`` and ``floor`` ``runs`` times each: product, floor, product, floor...
    after ``warmup`` untimed calls of each. The garbage collector runs between calls, not
    during them, so neither pays for the other's garbage."""
    for _ in range(warmup):
        product()
        floor()
    result = Comparison()
    for _ in range(runs):
        for function, times, cpu in ((product, result.product, result.product_cpu),
                                     (floor, result.floor, result.floor_cpu)):
            gc.collect()
            start, start_cpu = time.perf_counter(), time.process_time()
            function()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    return result


# --- peak memory ------------------------------------------------------------------------

def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not ru_maxrss: Linux carries a parent's
    ru_maxrss over fork and exec, so a child would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start counting the peak anew from the current size (Linux 4.0+); False if not."""
    try:
        Path(f"/proc/{os.getpid()}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def in_fresh_process(module: str, *args: str, timeout: float = 600) -> dict[str, Any]:
    """Run ``python -m module args...`` from the repository's root; its last line of output
    is a JSON object, returned."""
    completed = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if completed.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])
