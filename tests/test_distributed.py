"""srkit.train under tf.distribute, for real: MirroredStrategy over two logical CPU devices (2 replicas, the
batch split in two, gradients summed). Same initial weights and the same seeded patch pipeline as a
single-device run, so the first loss must agree closely and training must move the weights the same way.
(Exact equality is not expected: the single-device run is XLA-compiled, the mirrored one cannot be, and the
batches reach the replicas through tf.distribute's rebatching.)"""
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
diff = max(float(np.abs(a - b).max()) for a, b in zip(single.get_weights(), mirrored.get_weights()))
largest = max(float(np.abs(a).max()) for a in single.get_weights())
print(json.dumps(dict(replicas=strategy.num_replicas_in_sync, diff=diff, largest=largest, loss1=r1["history"]["loss"],
                      loss2=r2["history"]["loss"], devices=[d.name for d in tf.config.list_logical_devices("CPU")])))
"""


def test_mirrored_strategy_on_two_cpus_matches_one_device(tmp_path):
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2 and len(result["devices"]) == 2
    first1, first2 = result["loss1"][0], result["loss2"][0]
    assert abs(first1 - first2) < 0.02 * first1, (result["loss1"], result["loss2"])
    assert result["loss2"][1] < 0.5 * first2, "the mirrored run must learn (its loss falls like the single run's)"
    assert result["diff"] < 0.02 * result["largest"], f"weights differ by {result['diff']} after the same two steps"
