"""What every benchmark script here shares: the median wall time of a call, and the bare
baseline every ratio is taken against (a fresh ``python -c "import numpy, pandas"``)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def median(function, repeats: int) -> float:
    """The median wall time of ``repeats`` calls of ``function``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare(repeats: int) -> float:
    """The median time of a fresh process that imports numpy and pandas and does nothing."""
    return median(lambda: subprocess.run([sys.executable, "-c", "import numpy, pandas"], check=True), repeats)
