"""srkit.train under tf.distribute, for real. (1) MirroredStrategy over two logical CPU devices (2 replicas, the
batch split in two, gradients summed). Same initial weights and the same seeded patch pipeline as a
single-device run, so the first loss must agree closely and training must move the weights the same way.
(Exact equality is not expected: the single-device run is XLA-compiled, the mirrored one cannot be, and the
batches reach the replicas through tf.distribute's rebatching.) (2) MultiWorkerMirroredStrategy with two worker
processes on 127.0.0.1 (TF_CONFIG), trained by srkit's custom loop (Keras 3's fit cannot drive it), against a
single-process run."""

import json
import subprocess
import sys

SCRIPT = r"""
import json, sys
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from srkit import train
out = sys.argv[1]
single, r1 = train.train("espcn-x3", steps=2, out=f"{out}/single", verbose=0)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
mirrored, r2 = train.train("espcn-x3", steps=2, out=f"{out}/mirrored", verbose=0, strategy=strategy)
gaps = np.concatenate([np.abs(a - b).ravel() for a, b in zip(single.get_weights(), mirrored.get_weights())])
mean_gap, far = float(gaps.mean()), float((gaps > 1e-3).mean())
print(json.dumps(dict(replicas=strategy.num_replicas_in_sync, mean_gap=mean_gap, far=far, loss1=r1["history"]["loss"],
                      loss2=r2["history"]["loss"], devices=[d.name for d in tf.config.list_logical_devices("CPU")])))
"""


def test_mirrored_strategy_on_two_cpus_matches_one_device(tmp_path):
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2 and len(result["devices"]) == 2
    first1, first2 = result["loss1"][0], result["loss2"][0]
    assert abs(first1 - first2) < 0.02 * first1, (result["loss1"], result["loss2"])
    assert result["loss2"][1] < 0.8 * first2, "the mirrored run must learn"
    assert abs(result["loss2"][1] - result["loss1"][1]) < 0.05 * result["loss1"][1], (
        "its loss must fall like the single run's",
        result["loss1"],
        result["loss2"],
    )
    # Adam moves every weight by about the learning rate (1e-3) whatever its gradient's size, so a weight whose
    # gradient is near zero may move either way in the two runs: the typical weight must agree, not the worst one
    assert result["mean_gap"] < 2e-4, f"weights differ by {result['mean_gap']} on average after the same two steps"
    assert result["far"] < 0.02, f"{result['far']:.1%} of the weights differ by more than one Adam step"


WORKER = r"""
import json, os, sys
import numpy as np
from srkit import train
out, name = sys.argv[1], sys.argv[2]
strategy = train.make_strategy(name)
model, record = train.train("espcn-x3", steps=2, out=out, verbose=0, strategy=strategy)
np.savez(f"{out}/{name}-{train.worker_index()}-weights.npz", *model.get_weights())
print(json.dumps(dict(replicas=record["replicas"], loss=record["history"]["loss"], strategy=record["strategy"])))
"""


def _free_ports(n):
    import socket

    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_multi_worker_strategy_two_processes_stay_in_sync_and_match_one_worker(tmp_path):
    """MultiWorkerMirroredStrategy with two worker processes on 127.0.0.1 (TF_CONFIG): the workers all-reduce
    their gradients, so they must end with identical weights, and those must match a single-process run
    (same seed and data) within the tolerance of the mirrored test above."""
    import os

    import numpy as np

    workers = [f"127.0.0.1:{p}" for p in _free_ports(2)]
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    procs = []
    for index in range(2):
        config = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(tmp_path / "multi"), "multi-worker"],
                env={**env, "TF_CONFIG": config},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    single = subprocess.run(
        [sys.executable, "-c", WORKER, str(tmp_path / "single"), "default"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    outputs = []
    for p in procs:
        try:
            stdout, stderr = p.communicate(timeout=600)
        finally:
            p.kill()
        assert p.returncode == 0, stderr[-3000:]
        outputs.append(json.loads(stdout.strip().splitlines()[-1]))
    assert single.returncode == 0, single.stderr[-3000:]
    reference = json.loads(single.stdout.strip().splitlines()[-1])
    assert [o["replicas"] for o in outputs] == [2, 2] and reference["replicas"] == 1
    assert outputs[0]["strategy"] == "MultiWorkerMirroredStrategy"
    # the chief (worker 0) writes the run folder; worker 1 writes into worker-1/ inside it
    assert (tmp_path / "multi" / "best.keras").is_file() and (tmp_path / "multi" / "worker-1" / "best.keras").is_file()
    w0 = np.load(tmp_path / "multi" / "multi-worker-0-weights.npz")
    w1 = np.load(tmp_path / "multi" / "multi-worker-1-weights.npz")
    w_single = np.load(tmp_path / "single" / "default-0-weights.npz")
    for key in w0.files:  # in sync: the same all-reduced updates on both workers
        np.testing.assert_allclose(w0[key], w1[key], rtol=0, atol=1e-6)
    assert outputs[0]["loss"] == outputs[1]["loss"]
    first_multi, first_single = outputs[0]["loss"][0], reference["loss"][0]
    assert abs(first_multi - first_single) < 0.02 * first_single, (outputs[0]["loss"], reference["loss"])
    largest = max(float(np.abs(w_single[k]).max()) for k in w_single.files)
    diff = max(float(np.abs(w0[k] - w_single[k]).max()) for k in w0.files)
    assert diff < 0.02 * largest, f"multi-worker weights differ from the single run by {diff} (largest {largest})"


def test_strategy_names_and_clear_errors(monkeypatch):
    import pytest

    from srkit import train

    assert train.make_strategy("default").num_replicas_in_sync == 1
    with pytest.raises(ValueError, match="choose one of"):
        train.make_strategy("parameter-server")
    with pytest.raises(ValueError, match="only applies to the 'mirrored'"):
        train.make_strategy("default", logical_cpus=2)
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="needs TF_CONFIG"):
        train.make_strategy("multi-worker")
    with pytest.raises(RuntimeError, match="no TPU found"):
        train.make_strategy("tpu")
    # TensorFlow has started in this process: logical devices can no longer be made
    import tensorflow as tf

    tf.constant(1.0)
    with pytest.raises(RuntimeError, match="fresh process"):
        train.make_strategy("mirrored", logical_cpus=2)


def test_command_line_mirrored_over_two_logical_cpus(tmp_path):
    # 20 steps = 10 epochs of 2 steps: several steps per epoch (one Keras call each under a strategy)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "srkit.train",
            "--preset",
            "espcn-x3",
            "--steps",
            "20",
            "--strategy",
            "mirrored",
            "--logical-cpus",
            "2",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.strip().splitlines()[-1])["replicas"] == 2
    record = json.loads((tmp_path / "record.json").read_text())
    assert record["strategy"] == "MirroredStrategy" and "--logical-cpus 2" in record["command"]
    assert record["steps"] == 20 and len(record["history"]["loss"]) == 10
