"""Executed lessons show what they meant to show: a lesson cell that writes to stderr fails.

nbval runs each lesson cell in a Jupyter kernel and keeps what the cell printed (``item.test_outputs``). Python
warnings, logging and the native libraries' log lines all arrive there as a ``stderr`` stream, which JupyterLab
shows as a red block under the cell as if it had failed. This hook fails such a cell and shows what it wrote;
fix the cause (or silence that one expected message where it is raised), not the test.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    outputs = getattr(item, "test_outputs", None)  # set by nbval's cell items only
    if outputs:
        written = "".join(
            o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"
        )
        if written.strip():
            pytest.fail(f"the cell wrote to stderr (a learner sees a red block):\n{written[-3000:]}", pytrace=False)
    return result
