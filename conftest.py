"""Project-wide pytest rule: nothing may skip.

A test that skips because a package, a data set or a browser is missing would let CI pass
without testing anything; `.ci/run` installs every component the tests need, so a skip here
is a failure naming what was missing.
"""
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but no test may skip (install what it needs): {reason}"
