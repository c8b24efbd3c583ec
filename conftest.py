"""Executed lessons show what they meant to show: a lesson cell that writes to stderr fails.

nbval runs each lesson cell in a Jupyter kernel and keeps what the cell printed (``item.test_outputs``). Python
warnings, logging and the native libraries' log lines all arrive there as a ``stderr`` stream, which JupyterLab
shows as a red block under the cell as if it had failed. This hook fails such a cell and shows what it wrote;
fix the cause (or silence that one expected message where it is raised), not the test.
"""

from __future__ import annotations

import os

import pytest


def pytest_configure(config):
    """Under pytest-xdist, give each worker its share of the cores instead of letting every worker's TensorFlow
    (and each lesson kernel it starts, which inherits the environment) size its thread pools for the whole machine.

    With ``-n 2`` on 2 cores, two TensorFlow processes each running 2 intra-op threads contend for the cores;
    one thread each ran the SRCNN and efficient-upsampling lessons in 108 s instead of 132 s (pytest's own figure,
    same machine; intra- and inter-op threads both set to 1 in that measurement).
    A variable set beforehand wins; outside xdist nothing changes.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
    if workers > 1:
        share = str(max(1, (os.cpu_count() or 1) // workers))
        for variable in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):
            os.environ.setdefault(variable, share)


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
