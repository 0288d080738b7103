"""Exploration for issue 5 (kept as run; not part of the study): how many of the machine's cores each notebook
step keeps busy, to find steps that leave a core idle.

Usage:
    python experiments/core_usage.py sample CPU_LOG &        # one line per second: time, busy cores (whole machine)
    papermill main.ipynb OUT/main.ipynb -p RETRAIN True -p OUTPUT_DIR OUT -p CACHE_DIR OUT/cache --log-output
    kill %1; python experiments/core_usage.py report CPU_LOG OUT/main.ipynb

The report prints, for every code cell that ran for at least 3 s, its wall time (papermill's cell timestamps) and
the mean number of busy cores over it (from /proc/stat; nothing else ran on the machine).
"""
import datetime
import sys
import time

import numpy as np


def busy_and_total() -> tuple[int, int]:
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return sum(ticks) - idle, sum(ticks)


def sample(path: str) -> None:
    import os

    cores = os.cpu_count()
    with open(path, "w") as out:
        previous = busy_and_total()
        while True:
            time.sleep(1.0)
            current = busy_and_total()
            busy, total = current[0] - previous[0], current[1] - previous[1]
            out.write(f"{time.time():.1f} {cores * busy / max(total, 1):.2f}\n")
            out.flush()
            previous = current


def report(cpu_log: str, notebook_path: str) -> None:
    import nbformat

    samples = np.loadtxt(cpu_log)
    notebook = nbformat.read(notebook_path, as_version=4)

    def seconds(stamp: str) -> float:
        return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()

    for index, cell in enumerate(notebook.cells):
        timing = cell.metadata.get("papermill", {})
        if cell.cell_type != "code" or not timing.get("start_time"):
            continue
        start, end = seconds(timing["start_time"]), seconds(timing["end_time"])
        inside = (samples[:, 0] > start) & (samples[:, 0] <= end)
        if end - start >= 3 and inside.any():
            print(f"cell {index:3d}  {end - start:6.1f} s  busy cores {samples[inside, 1].mean():.2f}  {cell.source.splitlines()[0][:70]}")


if __name__ == "__main__":
    if sys.argv[1] == "sample":
        sample(sys.argv[2])
    else:
        report(sys.argv[2], sys.argv[3])
