"""Print how long each chapter took to execute, and by whom, as a Markdown table.

Reads the jupyter-cache that ``pytest`` (nbval, see notebooks/conftest.py) and
``jupyter-book build`` share: each notebook's current code has one cached run, recorded with
its execution time. A notebook that was never executed successfully has no run and is listed as
missing. Budget (2 cores): at most 120 s per notebook and 1200 s for all of them; a notebook
over budget is flagged, not failed (timings on a shared machine are noisy).

Usage: python .ci/notebook_times.py [cache folder, default _build/.jupyter_cache]
"""

from __future__ import annotations

import os
import pathlib
import sys

import nbformat
from jupyter_cache import get_cache

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUDGET_S, TOTAL_BUDGET_S = 120.0, 1200.0


def main(cache_dir):
    cache = get_cache(str(cache_dir))
    rows, total, missing = [], 0.0, 0
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        try:
            record = cache.match_cache_notebook(nb)
        except KeyError:
            rows.append(f"| {path.name} | no successful run of this code | | |")
            missing += 1
            continue
        seconds = float(record.data.get("execution_seconds") or 0.0)
        by = record.data.get("executed_by", "jupyter-book build")
        total += seconds
        flag = " over budget" if seconds > BUDGET_S else ""
        rows.append(f"| {path.name} | {by} | {seconds:.1f}{flag} | "
                    f"{record.created:%Y-%m-%d %H:%M} |")
    flag = " over budget" if total > TOTAL_BUDGET_S else ""
    print(f"== notebook execution times (each notebook executed once; budget {BUDGET_S:.0f} s "
          f"each, {TOTAL_BUDGET_S:.0f} s in all; {os.cpu_count()} cores)")
    print("| notebook | executed by | seconds | when (UTC) |")
    print("|---|---|---:|---|")
    print("\n".join(rows))
    print(f"| all {len(rows)} | | {total:.1f}{flag} | |")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ROOT / "_build" / ".jupyter_cache"))
