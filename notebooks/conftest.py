"""Execute each chapter once: nbval's run is stored where ``jupyter-book build`` looks first.

``pytest`` runs every notebook under nbval (``--nbval-lax``: each cell must run, its asserts
included). This plugin collects the outputs nbval received, and when *every* code cell of a
notebook ran and passed in one kernel, it stores the executed notebook in the jupyter-cache
that the book build reads (``execute_notebooks: cache`` in ``_config.yml``, cache folder
``_build/.jupyter_cache``). The build then renders those outputs instead of running the
notebook a second time.

Why this is sound:

- jupyter-cache matches a notebook by a hash of its code cells (source and metadata) and its
  kernelspec, so the build uses a stored run only for the very code nbval executed; a notebook
  edited since is executed again by the build.
- Nothing is stored for a notebook with a failed, skipped, timed-out or deselected cell, so the
  build executes that notebook itself and fails on the same error (``raise_on_error: true``).
- CI starts from a clean clone, so every stored run comes from the same checkout, package and
  environment as the build that renders it.

At the end of the session a table of each notebook's execution time is printed.
"""

from __future__ import annotations

import os
import pathlib
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Jupyter Book 1 puts its cache here when `execute.cache` is empty in _config.yml.
CACHE = ROOT / "_build" / ".jupyter_cache"
BUDGET_S, TOTAL_BUDGET_S = 120.0, 1200.0   # per notebook, and all of them (2 cores)

_runs: dict[str, dict] = {}  # notebook path -> {"cells": {index: (report, outputs)}, ...}


def _is_nbval_cell(item):
    return type(item).__name__ == "IPyNbCell" and hasattr(item, "cell_num")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if not _is_nbval_cell(item):
        return
    report = outcome.get_result()
    run = _runs.setdefault(str(item.parent.path), {
        "parent": item.parent, "cells": {}, "ok": True, "seconds": 0.0,
        "started": time.time()})
    run["seconds"] += report.duration          # setup (starts the kernel), call, teardown
    if report.when == "call":
        run["cells"][item.cell_num] = item.test_outputs
    if not report.passed:                      # failed, skipped, or xfailed after a timeout
        run["ok"] = False


def pytest_runtest_teardown(item, nextitem):
    # nbval shuts the kernel down when the next item belongs to another notebook: this cell
    # was the notebook's last one that this session runs.
    if _is_nbval_cell(item) and (nextitem is None or nextitem.parent is not item.parent):
        _store(str(item.parent.path))


def _store(path):
    run = _runs.get(path)
    if run is None or "stored" in run:
        return
    parent = run["parent"]
    code_cells = [c for c in parent.nb.cells if c.cell_type == "code"]
    complete = run["ok"] and len(run["cells"]) == len(code_cells) and not parent.timed_out
    run["stored"] = False
    if not complete:
        return
    import copy

    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    # The notebook exactly as nbval read and executed it (not the file now on disk, which may
    # have been edited during the run), with nbval's outputs in place. The cache keys it by
    # this code, so an edited file no longer matches it and is executed by the build.
    nb = copy.deepcopy(parent.nb)
    for count, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        outputs = [nbformat.from_dict(dict(out)) for out in run["cells"][count - 1]]
        for out in outputs:
            if out.output_type == "execute_result":
                out.execution_count = count
        cell.outputs, cell.execution_count = outputs, count
    nbformat.validate(nb)
    cache = get_cache(str(CACHE))
    cache.cache_notebook_bundle(
        CacheBundleIn(nb, path, data={"execution_seconds": run["seconds"],
                                      "executed_by": "pytest (nbval)"}),
        check_validity=False, overwrite=True)
    run["stored"] = True


def pytest_terminal_summary(terminalreporter):
    if not _runs:
        return
    write = terminalreporter.write_line
    write("")
    write(f"notebook execution times (nbval; budget {BUDGET_S:.0f} s each, "
          f"{TOTAL_BUDGET_S:.0f} s in all, on {os.cpu_count()} cores)")
    write("| notebook | code cells | seconds | all cells passed | stored for the book |")
    write("|---|---:|---:|---|---|")
    total = 0.0
    for path, run in sorted(_runs.items()):
        total += run["seconds"]
        over = "  OVER BUDGET" if run["seconds"] > BUDGET_S else ""
        write(f"| {pathlib.Path(path).name} | {len(run['cells'])} | {run['seconds']:.1f}{over} | "
              f"{'yes' if run['ok'] else 'no'} | {'yes' if run.get('stored') else 'no'} |")
    over = "  OVER BUDGET" if total > TOTAL_BUDGET_S else ""
    write(f"| all {len(_runs)} notebooks | | {total:.1f}{over} | | |")
