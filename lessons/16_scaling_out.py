# %% [markdown]
# # 16 · Scaling out: when one GPU is not enough
#
# Lesson 15 deployed a trained model: tiles, exports checked equal to Keras, and the speed of inference. This
# lesson makes training faster. First measure whether a run waits for its input pipeline or for arithmetic; then
# see what mixed precision changes in training, and how the same code trains on several GPUs, several machines
# and TPUs (here on a CPU, with two logical devices and two worker processes). Lesson 17 then treats model files
# and images as what they are: inputs from the outside world.
#
# **What you will learn**
# - to tell an input-bound from a compute-bound training run, and to fix the input-bound one with `tf.data`;
# - mixed precision in training: float16 with loss scaling, bfloat16 without it, and what each does to a model's
#   output (measured);
# - data parallelism: `MirroredStrategy` (several GPUs; two logical CPUs here), `MultiWorkerMirroredStrategy`
#   (two worker processes here) and `TPUStrategy` (Colab);
# - why pretrained weights and augmentation come before more machines.
#
# **Time needed:** about 40 minutes to read (exercises not counted); the code runs in about 2 min
# with the `cpu` budget (measured on a 2-core CPU): about 42 minutes in all.

# %% [markdown]
# ## Set-up
# The same first cell as in every lesson (JupyterLab or Colab), then the imports of this lesson.

# %%
# Set-up: run this cell first. It works in JupyterLab (srkit installed with `pip install -e .`)
# and on Google Colab (it installs srkit from GitHub and turns on Colab's widget manager).
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's start-up messages
IN_COLAB = "google.colab" in sys.modules
if IN_COLAB:
    import subprocess

    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "git+https://github.com/srkit-course/srkit"], check=True
    )
    from google.colab import output

    output.enable_custom_widget_manager()
try:
    import srkit
except ModuleNotFoundError:  # a checkout without `pip install -e .`: use the package beside notebooks/
    sys.path.insert(0, os.path.abspath(".."))
    import srkit
from srkit import budget

print(f"srkit {srkit.__version__} | {budget.describe()}")

# %%
import glob
import json
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from srkit import data, export, models, pretrained, train, viz
from srkit.benchmark import batches_per_second, fit_steps_per_second
from srkit.metrics import psnr
from srkit.resize import modcrop

tf.get_logger().setLevel("ERROR")  # no INFO lines from TensorFlow below
SCALE = 3
WORK = Path(tempfile.mkdtemp(prefix="srkit-lesson16-"))  # everything this lesson writes goes here
# subprocesses (training runs) must import the same srkit as this notebook
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(
        filter(None, [str(Path(srkit.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")])
    ),
}
print(f"this lesson writes only into {WORK}")

# %% [markdown]
# ## 1. Input-bound or compute-bound? Measure before you buy
# A training step needs a batch from the input pipeline and the arithmetic of the forward and backward pass.
# Whichever is slower sets the pace: buying a faster GPU does nothing for an **input-bound** run. Measure three
# rates — the pipeline alone, training on one cached batch (compute alone), and training on the pipeline —
# with `srkit.benchmark.batches_per_second` (any dataset) and `fit_steps_per_second` (any compiled model):

# %%
pairs = data.make_pairs(data.bundled("train"), SCALE)
patches = data.patch_dataset(pairs, scale=SCALE, patch_size=48, batch_size=16, color="y", seed=0)
n_batches = budget.pick(quick=48, cpu=256, gpu=256)

keras.utils.set_random_seed(0)
espcn_net = models.build("espcn", scale=SCALE)
espcn_net.compile(optimizer="adam", loss="mae", jit_compile=True, steps_per_execution=16)
rates = {
    "pipeline alone": batches_per_second(patches, n_batches, warmup=5),
    "compute alone (one cached batch)": fit_steps_per_second(espcn_net, patches.take(1).cache().repeat(), n_batches),
    "training on the pipeline": fit_steps_per_second(espcn_net, patches, n_batches),
}
for label, r in rates.items():
    print(f"ESPCN x3, batch 16: {label:<34}{r:8.0f} per second")
# Speeds measured on a machine busy with other work measure that work too: the pipeline's parallel threads lose
# their cores first. The comparison is checked on a CPU that is not overloaded (and on a GPU not at all: there the
# pipeline may well be the slower part, below).
load, cores = os.getloadavg()[0], os.cpu_count()
if load > 2 * cores:
    print(f"this machine is busy (load average {load:.1f} on {cores} cores): the rates above measure that too")
elif not tf.config.list_physical_devices("GPU"):
    assert rates["pipeline alone"] > 2 * rates["compute alone (one cached batch)"], (
        "on a CPU the arithmetic is the bottleneck"
    )


# %% [markdown]
# On a CPU the run is **compute-bound** (the cell checks this only there, unless the machine is busy): the pipeline (random crops of images
# cached in memory, in parallel, prefetched) delivers batches more than twice as fast as the network can use
# them. (Training on the pipeline can be somewhat slower than compute alone: on a CPU the pipeline's threads and
# the arithmetic share the same cores; on a GPU machine the arithmetic leaves the CPU free.) A GPU does this
# arithmetic many times faster,
# and then the same pipeline can become the bottleneck. Common ways to get there: reading images from slow
# storage (a network disk, a cloud bucket), or degrading them on the fly in Python. Simulate a storage that
# takes 250 ms to deliver each batch:


# %%
def slow_storage(lr, hr):
    def wait(a):
        time.sleep(0.25)  # a simulated 250 ms read; it uses no CPU, so the measurement is robust
        return a

    return tf.ensure_shape(tf.py_function(wait, [lr], tf.float32), lr.shape), hr


slow = patches.map(slow_storage)  # one read at a time
threads = tf.data.Options()
threads.threading.private_threadpool_size = 32  # waiting needs threads, not cores: more threads than cores
fixed = patches.map(slow_storage, num_parallel_calls=16).prefetch(tf.data.AUTOTUNE).with_options(threads)
io_rates = {
    "one read at a time": (batches_per_second(slow, 12, warmup=5), fit_steps_per_second(espcn_net, slow, 16)),
    "16 parallel reads + prefetch": (
        batches_per_second(fixed, n_batches, warmup=5),
        fit_steps_per_second(espcn_net, fixed, n_batches),
    ),
}
for label, (p, t) in io_rates.items():
    print(f"{label:<30} pipeline {p:6.0f} batches/s   training {t:6.0f} steps/s")
compute = rates["compute alone (one cached batch)"]
assert io_rates["one read at a time"][1] < 0.6 * compute, "with slow reads the run is input-bound"
assert io_rates["16 parallel reads + prefetch"][1] > 1.5 * io_rates["one read at a time"][1], "parallel reads fix it"

# %% [markdown]
# With one read at a time, training runs at the pipeline's pace (input-bound: the processor waits). Reads in
# parallel (`num_parallel_calls`, with enough threads to wait in: tf.data's pool has one per core by
# default) and ahead of time (`prefetch`) raise the training rate well above that, towards the compute rate
# (how close it gets is printed above: on a CPU, the Python in the pipeline competes with the arithmetic for the
# same cores). The tools,
# in the order to try them: `cache()` what fits in memory (srkit caches the decoded images), `map(...,
# num_parallel_calls=tf.data.AUTOTUNE)`, `prefetch`, precompute expensive degradations once (srkit's
# `make_pairs(copies=4)` stores 4 noisy versions of each image instead of degrading every patch in Python),
# and store data as few large files (TFRecord) near the machine. `python -m srkit.benchmark pipeline`
# measures srkit's pipeline alone.

# %% [markdown]
# ## 2. Mixed precision, several GPUs, several machines, TPUs
# **Mixed precision in training** (lesson 15, section 3: 16-bit arithmetic, float32 weights) is one line before
# the model is built. With `mixed_float16` Keras then wraps the optimizer in a `LossScaleOptimizer`: gradients in
# float16 can underflow to zero, so the loss is multiplied by a large factor before the backward pass and the
# gradients divided by it after. **bfloat16** keeps float32's range of exponents, so `mixed_bfloat16` (the TPU's
# mixed precision, and that of CPUs with AMX) needs no loss scaling. Here we only build and compile under each
# policy (training in 16 bits on a CPU is slow), set the policy back, and cast one small gradient to both formats:

# %%
optimizers = {}
for policy in ("mixed_float16", "mixed_bfloat16"):
    keras.mixed_precision.set_global_policy(policy)
    try:
        mixed_net = models.build("espcn", scale=SCALE)
        mixed_net.compile(optimizer="adam", loss="mae")
        optimizers[policy] = type(mixed_net.optimizer).__name__
        print(
            f"policy {mixed_net.dtype_policy.name}: optimizer {optimizers[policy]}, "
            f"weights {mixed_net.trainable_weights[0].dtype}, output {mixed_net.output.dtype}"
        )
    finally:
        keras.mixed_precision.set_global_policy("float32")
small = tf.constant(1e-8)  # a small gradient, below float16's smallest positive number
as16, asb16 = float(tf.cast(small, tf.float16)), float(tf.cast(small, tf.bfloat16))
print(f"a gradient of {float(small):.0e} stored in float16: {as16:.1e}; in bfloat16: {asb16:.2e}")
assert optimizers == {"mixed_float16": "LossScaleOptimizer", "mixed_bfloat16": "Adam"}, optimizers
assert as16 == 0 and abs(asb16 - 1e-8) < 1e-10, "float16 underflows to zero, bfloat16 keeps the value"

# %% [markdown]
# bfloat16 pays for its range with precision: it keeps 8 significant bits, float16 11 and float32 24. What that
# does to a trained model's output can be measured on any machine: `srkit.export.with_dtype_policy` copies a
# model into another policy, and `srkit.upscale` runs the copy like any model. EDSR-small ×3 enlarges part of an
# image in the three policies, each compared with the float32 result and with the HR original:

# %%
edsr3 = pretrained.load("edsr-small-x3")
hr = modcrop(data.bundled("test")["china"], SCALE)[24:312, 60:348]  # the top of the pagoda and the sky
lr = data.degrade(hr, SCALE)
outputs = {
    policy: srkit.upscale(lr, model=edsr3 if policy == "float32" else export.with_dtype_policy(edsr3, policy))
    for policy in ("float32", "mixed_float16", "mixed_bfloat16")
}
difference = {policy: out.astype(int) - outputs["float32"] for policy, out in outputs.items()}
scores = {policy: psnr(hr, out, crop_border=SCALE, y_channel=True) for policy, out in outputs.items()}
print(f"{'policy':<16}{'PSNR (dB)':>10}{'largest difference':>20}{'mean difference':>17}  (grey levels)")
for policy, d in difference.items():
    print(f"{policy:<16}{scores[policy]:>10.2f}{np.abs(d).max():>20}{np.abs(d).mean():>17.3f}")
ratio = np.abs(difference["mixed_bfloat16"]).mean() / np.abs(difference["mixed_float16"]).mean()
print(f"bfloat16's mean difference is {ratio:.1f} times float16's")
assert ratio > 3, "bfloat16 rounds more coarsely than float16"
assert all(abs(s - scores["float32"]) < 0.05 for s in scores.values()), "neither changes the PSNR noticeably"

# %% [markdown]
# Flip through the outputs and their differences from float32 (amplified 25 times; mid-grey is no difference):

# %%
shown = {}
for policy, out in outputs.items():
    shown[(policy, "output")] = out
    shown[(policy, "difference x 25")] = np.clip(128 + 25 * difference[policy], 0, 255).astype(np.uint8)
viz.flipbook(shown, names=("precision", "show"), width=576)

# %% [markdown]
# **Question.** With *show* on *output*, flip through the three precisions: can you tell them apart? Then look
# at the differences. Where is bfloat16's error largest, in the flat sky or along the edges of the roofs, and
# does it look like a seam, a blur, a colour shift or noise? From the significant bits of the two 16-bit formats,
# how many times larger would you expect its rounding to be than float16's, and does the printed ratio agree?
# Why can a model still train well in bfloat16, when its weights are kept in float32?

# %% [markdown]
# **Data parallelism** is how SR training scales: every device (a *replica*) holds a copy of the model, takes
# a slice of each batch, computes its gradients, and the gradients are summed across replicas (an
# *all-reduce*) before the same update is applied everywhere. `tf.distribute` provides it as strategies, and
# `python -m srkit.train --strategy ...` uses them:
#
# | strategy | where | what it does |
# |---|---|---|
# | `mirrored` | one machine, several GPUs (Colab: one GPU; cloud machines: 2–8) | all-reduce between the GPUs (NCCL) |
# | `multi-worker` | several machines, each described in `TF_CONFIG` | the same across the network (collective ops) |
# | `tpu` | a Colab or Cloud TPU (v2-8: 8 cores) | `TPUStrategy`; bfloat16 is the TPU's mixed precision |
#
# With no GPU here, `--logical-cpus 2` splits the CPU into two logical devices, which is enough to run the real
# code: two replicas, the batch of 16 split into two halves of 8. Logical devices must be configured before
# TensorFlow first uses its devices, and this notebook's kernel has already used them, so the run is a fresh
# process:


# %%
def srkit_train(*args, env=ENV):
    # run `python -m srkit.train ARGS` in a fresh process; its summary line (JSON) as a dict
    done = subprocess.run(
        [sys.executable, "-m", "srkit.train", "--preset", "espcn-x3", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


dist_steps = budget.pick(quick=2, cpu=20, gpu=200)
start = time.perf_counter()
mirrored = srkit_train(
    "--steps", str(dist_steps), "--strategy", "mirrored", "--logical-cpus", "2", "--out", str(WORK / "mirrored")
)
print(f"$ python -m srkit.train --preset espcn-x3 --steps {dist_steps} --strategy mirrored --logical-cpus 2")
print(
    f"  {mirrored['replicas']} replicas, {mirrored['steps']} steps, best validation PSNR {mirrored['best_val_psnr']:.2f} dB "
    f"({time.perf_counter() - start:.0f} s with TensorFlow's start)"
)
record = json.loads((WORK / "mirrored" / "record.json").read_text())
assert mirrored["replicas"] == 2 and record["strategy"] == "MirroredStrategy"


# %% [markdown]
# Read little into the validation PSNR printed: so few steps barely train the model; what this run shows is
# two replicas working on one model. Two logical CPUs share the same physical cores, so this is a demonstration,
# not a speed-up. On a machine with 4 GPUs the same command (without `--logical-cpus`) trains on all four. Because the batch is *split*, the global
# batch stays 16; to use more GPUs efficiently one usually grows the global batch with them (and the learning
# rate, carefully).
#
# **Several machines**: each worker is a process that knows the whole cluster and its own index from the
# environment variable `TF_CONFIG`. Two workers on this machine (127.0.0.1, free ports) run the real
# `MultiWorkerMirroredStrategy`; on real machines only the host names change:


# %%
def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


cluster = {"worker": [f"127.0.0.1:{p}" for p in free_ports(2)]}
start = time.perf_counter()
workers = []
for index in range(2):
    tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
    print(
        f"worker {index}: TF_CONFIG='{tf_config}' python -m srkit.train --preset espcn-x3 --steps {dist_steps} "
        "--strategy multi-worker"
    )
    workers.append(
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "srkit.train",
                "--preset",
                "espcn-x3",
                "--steps",
                str(dist_steps),
                "--strategy",
                "multi-worker",
                "--out",
                str(WORK / "multi-worker"),
            ],
            env={**ENV, "TF_CONFIG": tf_config},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    )
results = []
for worker in workers:
    try:
        stdout, stderr = worker.communicate(timeout=600)
    finally:
        worker.kill()  # only these two processes, started above
    assert worker.returncode == 0, stderr[-3000:]
    results.append(json.loads(stdout.strip().splitlines()[-1]))
for index, r in enumerate(results):
    print(
        f"  worker {index}: {r['replicas']} replicas in the cluster, best validation PSNR {r['best_val_psnr']:.4f} dB"
    )
print(f"({time.perf_counter() - start:.0f} s)")
assert [r["replicas"] for r in results] == [2, 2]
assert results[0]["best_val_psnr"] == results[1]["best_val_psnr"], "the workers apply the same updates: same model"

# %% [markdown]
# Both workers end with the same model (they apply the same all-reduced updates), and worker 0, the *chief*,
# writes the run folder. (`tests/test_distributed.py` also checks that they match a single-process run.)
#
# **TPUs** (Colab: *Runtime → Change runtime type → TPU*): `srkit.train.make_strategy("tpu")` connects to the
# TPU and returns a `TPUStrategy`; `python -m srkit.train --strategy tpu` trains on all its cores. (Colab's TPU runtimes are now TPU VMs, the
# TPU attached to the machine: srkit then connects with `TPUClusterResolver(tpu="local")`.) The cell below
# picks the strategy that fits the machine it runs on — here the default, on Colab the TPU or the GPUs:

# %%
# a TPU by name or address (TPU nodes, Cloud TPUs), or attached: TPU VMs expose their chips as /dev/accel*
# (v2-v4) or through VFIO (v5e and later)
on_tpu = bool(
    os.environ.get("COLAB_TPU_ADDR")
    or os.environ.get("TPU_NAME")
    or glob.glob("/dev/accel*")
    or glob.glob("/dev/vfio/[0-9]*")
)
gpus = tf.config.list_physical_devices("GPU")
choice = "tpu" if on_tpu else "mirrored" if len(gpus) > 1 else "default"
try:
    strategy = train.make_strategy(choice)
except RuntimeError as error:  # a device that looked like a TPU was not one
    print(error)
    choice = "mirrored" if len(gpus) > 1 else "default"
    strategy = train.make_strategy(choice)
print(
    f"{len(gpus)} GPU(s), TPU: {on_tpu} -> strategy '{choice}': {type(strategy).__name__}, "
    f"{strategy.num_replicas_in_sync} replica(s)"
)
print(f"train with: python -m srkit.train --preset edsr-small-x3 --budget gpu --strategy {choice}")
assert strategy.num_replicas_in_sync >= 1

# %% [markdown]
# ## 3. The cheap wins come first
# Before renting more machines, the two cheapest ways to a better model cost no hardware at all:
# - **pretrained weights**: in lesson 14 (section 2) the fine-tuned network beat the same network trained from
#   scratch for the same steps (lesson 08, section 1, fine-tuned ×4 from ×2 the same way): most of a model's
#   training is reusable;
# - **data augmentation**: the 8 flips and rotations multiply the distinct examples by 8 for free (lesson 08,
#   section 2: measured with one training crop), and again at test time as the self-ensemble.
# Only when those are used, and the run is compute-bound (section 1), do mixed precision and more devices pay.

# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** Diagnose a training run from two rates, as in section 1. Write `bottleneck(pipeline, compute)`,
# returning `"input"` or `"compute"`: which part limits a run whose pipeline alone delivers `pipeline` batches per
# second and whose model alone trains `compute` steps per second. Then write `after_upgrade(pipeline, compute,
# factor)`: the steps per second to expect after buying a GPU `factor` times faster at arithmetic, the pipeline
# unchanged (a number). The check uses the rates measured in section 1 and a few more.


# %% tags=["stub"]
def bottleneck(pipeline, compute):
    raise NotImplementedError("Exercise 1: 'input' or 'compute': which of the two rates would training wait for?")


def after_upgrade(pipeline, compute, factor):
    raise NotImplementedError("Exercise 1: the steps per second once the arithmetic is `factor` times faster")


# %% tags=["solution"]
def bottleneck(pipeline, compute):
    return "input" if pipeline < compute else "compute"


def after_upgrade(pipeline, compute, factor):
    return min(pipeline, compute * factor)


bottleneck, after_upgrade

# %% tags=["check"]
slow_pipeline = io_rates["one read at a time"][0]  # section 1: one simulated slow read at a time
for p, c, kind in [(500.0, 50.0, "compute"), (10.0, 50.0, "input"), (slow_pipeline, compute, "input")]:
    got = bottleneck(p, c)
    assert got in ("input", "compute"), f"bottleneck returned {got!r}: 'input' or 'compute'"
    assert got == kind, f"bottleneck({p:.0f}, {c:.0f}) = {got!r}: which of the two rates would training wait for?"
for p, c, factor, expected in [(500.0, 50.0, 4, 200.0), (500.0, 50.0, 20, 500.0), (10.0, 50.0, 4, 10.0)]:
    got = after_upgrade(p, c, factor)
    assert abs(got - expected) < 1e-6, (
        f"after_upgrade({p:.0f}, {c:.0f}, {factor}) = {got} is too {'high' if got > expected else 'low'}: which of "
        "the two rates does the faster GPU change, and which one does training wait for then?"
    )
print(
    f"Correct. Measured here: pipeline {rates['pipeline alone']:.0f} batches/s, compute {compute:.0f} steps/s -> "
    f"{bottleneck(rates['pipeline alone'], compute)}-bound; a GPU 20 times faster would train at about "
    f"{after_upgrade(rates['pipeline alone'], compute, 20):.0f} steps/s with this pipeline "
    f"({bottleneck(rates['pipeline alone'], 20 * compute)}-bound then)."
)

# %% [markdown]
# **Exercise 2.** Choose the loss scale (section 2). A float16 backward pass delivers each gradient multiplied by
# the loss scale and stored in float16; divided by the scale in float32, it comes back changed by float16's
# rounding — or lost, if it underflowed to 0 or overflowed to infinity. Write `best_loss_scale(gradients)`: the
# largest power of two, from $2^0$ to $2^{40}$, with which every value of `gradients` (a float32 array, of either
# sign, none of them 0) comes back within one per cent of itself, or `None` if no power of two does. (Keras's
# `LossScaleOptimizer` searches for it while training: it doubles its scale now and then, and halves it whenever a
# gradient overflows.) The check tries it on `small_gradients` and on other sets.

# %%
small_gradients = np.geomspace(1e-9, 1e-3, 13).astype(np.float32)  # given: from 1e-9 to 1e-3


# %% tags=["stub"]
def best_loss_scale(gradients):
    raise NotImplementedError("Exercise 2: return a power of two, or None")


# %% tags=["solution"]
def best_loss_scale(gradients):
    g = np.asarray(gradients, np.float32)
    for k in range(40, -1, -1):  # from the largest scale down: the first that keeps every gradient
        scale = np.float32(2.0**k)
        with np.errstate(over="ignore"):  # an overflow to infinity is a failed scale, not a warning
            back = (g * scale).astype(np.float16).astype(np.float32) / scale
        if np.all(np.abs(back - g) < 0.01 * np.abs(g)):
            return 2.0**k
    return None


best_loss_scale(small_gradients)


# %% tags=["check"]
def survives(gradients, scale):  # the round trip through float16, by TensorFlow
    g = tf.constant(gradients, tf.float32)
    back = tf.cast(tf.cast(g * scale, tf.float16), tf.float32) / scale
    return bool(tf.reduce_all(tf.abs(back - g) < 0.01 * tf.abs(g)))


rng = np.random.default_rng(16)
for g in [
    small_gradients,
    np.geomspace(1e-7, 10, 20) * rng.choice([-1, 1], 20),
    np.geomspace(1e-14, 0.1, 14),
    np.array([100, -5000, 3]),
    np.array([1e5, 1]),
    np.geomspace(1e-12, 0.01, 11),
]:
    g = g.astype(np.float32)
    got, where = best_loss_scale(g), f"gradients from {np.abs(g).min():.0e} to {np.abs(g).max():.0e}"
    if not any(survives(g, 2.0**k) for k in range(41)):
        assert got is None, f"{where}: no power of two keeps them all: return None"
        continue
    assert got is not None and float(np.log2(got)).is_integer(), f"{where}: return a power of two (one works)"
    assert survives(g, got), f"{where}: with your scale, some gradients overflow or lose more than 1 %"
    assert not survives(g, 2 * got), f"{where}: twice your scale keeps them all too"
print(
    f"Correct: for small_gradients, 2**{np.log2(best_loss_scale(small_gradients)):.0f}; Keras starts at 2**15 and "
    "moves from there. The scale is set by the largest gradient; the range of the gradients decides whether any works."
)

# %% [markdown]
# **Exercise 3.** What the replicas exchange (section 2). Take one batch `lr_batch, hr_batch` of 16 patches from the
# pipeline of section 1 and its model `espcn_net`. Write `replica_gradients(model, lr, hr, replicas)`: a list with,
# for each replica, the gradients (one per trainable variable, from `tf.GradientTape`) of the mean absolute error on
# that replica's equal slice of the batch; and `all_reduce(per_replica)`: for each variable, the mean of the replicas'
# gradients (`tf.distribute` sums them, having divided each replica's loss by the number of replicas: the same thing).
# The check compares the result with the gradients on the whole batch at once.

# %%
lr_batch, hr_batch = next(iter(patches))


# %% tags=["stub"]
def replica_gradients(model, lr, hr, replicas):
    raise NotImplementedError("Exercise 3: return a list with one list of gradients per replica")


def all_reduce(per_replica):
    raise NotImplementedError("Exercise 3: return a list with one gradient per variable")


# %% tags=["solution"]
def replica_gradients(model, lr, hr, replicas):
    per_replica = []
    for lr_slice, hr_slice in zip(tf.split(lr, replicas), tf.split(hr, replicas)):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.abs(model(lr_slice, training=True) - hr_slice))
        per_replica.append(tape.gradient(loss, model.trainable_variables))
    return per_replica


def all_reduce(per_replica):
    return [tf.add_n(list(grads)) / len(per_replica) for grads in zip(*per_replica)]


len(replica_gradients(espcn_net, lr_batch, hr_batch, 2))


# %% tags=["check"]
def slice_gradients(lr_part, hr_part):  # the reference, from Keras's own training step: with plain SGD at
    # learning rate 1, one step on these patches moves each weight by minus its gradient of the mean absolute error
    copy = keras.models.clone_model(espcn_net)
    copy.set_weights(espcn_net.get_weights())
    copy.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mae")
    copy.train_on_batch(lr_part, hr_part)
    return [before - after for before, after in zip(espcn_net.get_weights(), copy.get_weights())]


close = lambda a, b: len(a) == len(b) and all(np.allclose(x, y, rtol=1e-4, atol=1e-7) for x, y in zip(a, b))
for replicas in (2, 4):
    per_replica = replica_gradients(espcn_net, lr_batch, hr_batch, replicas)
    share = len(lr_batch) // replicas
    assert len(per_replica) == replicas, f"{replicas} replicas: {len(per_replica)} lists of gradients"
    assert close(per_replica[0], slice_gradients(lr_batch[:share], hr_batch[:share])), (
        "replica 0's gradients are not those of the loss on its own slice of the batch"
    )
    assert close(all_reduce(per_replica), slice_gradients(lr_batch, hr_batch)), (
        f"{replicas} replicas: the all-reduced gradients differ from the whole batch's (a sum, not a mean?)"
    )
print("Correct: the mean of the replicas' gradients is the gradient on the whole batch, so every replica applies")
print("the update a single device would, and the copies of the model stay identical.")

# %% [markdown]
# Finally, delete this lesson's scratch folder (skip this cell to keep the training runs):

# %%
shutil.rmtree(WORK, ignore_errors=True)
print(f"removed {WORK}")

# %% [markdown]
# ## Summary
# - **Input or compute:** first measure whether training is input-bound (fix the pipeline: parallel reads, cache,
#   prefetch) or compute-bound; a faster GPU helps only the second.
# - **Mixed precision:** `mixed_float16` needs loss scaling (small gradients underflow to zero in float16),
#   `mixed_bfloat16` does not (float32's range); bfloat16 rounds more coarsely (measured: several times float16's
#   difference from float32, with no noticeable change in PSNR).
# - **More devices:** data parallelism with `--strategy mirrored`, `multi-worker` or `tpu`: each replica computes
#   the gradients of its slice of the batch, the all-reduce combines them, and every replica applies the same
#   update.
# - **Cheap wins:** pretrained weights and augmentation are cheaper than any of them.
#
# ## Questions you should now be able to answer
# 1. Your training runs at 40 % GPU utilisation. What do you measure first, and what would you change?
# 2. Why does training in `mixed_float16` need loss scaling, and `mixed_bfloat16` not? Which of the two changes a
#    model's output more, and why?
# 3. What do `MirroredStrategy` replicas exchange after each step, and what stays the same on every replica?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. First measure the three rates of section 1: the pipeline alone, training on one cached batch (compute
#    alone) and training on the pipeline. If the pipeline alone is slower than compute alone, the run is
#    input-bound (Exercise 1's `bottleneck`) and a faster GPU changes nothing: cache the decoded images, `map`
#    with `num_parallel_calls` (with enough threads for slow reads), `prefetch`, precompute costly degradations
#    (`make_pairs(copies=...)`) and keep the data in few large files near the machine.
# 2. float16 has few exponent bits: a small gradient such as section 2's `1e-8` underflows to zero. Loss scaling
#    multiplies the loss (and so every gradient) into float16's range and divides afterwards (Exercise 2).
#    bfloat16 keeps float32's exponent range, so nothing underflows, but it keeps 8 significant bits against
#    float16's 11: its rounding step is $2^{11-8} = 8$ times coarser, so it changes the output more (compare
#    the ratio printed in section 2), while neither moves the PSNR noticeably.
# 3. After each step the replicas exchange their gradients: the all-reduce combines, variable by variable, the
#    gradients each replica computed on its own slice of the batch. Every replica then applies the same update,
#    so the weights and the optimizer's state stay identical everywhere (the two workers of section 2 end with
#    the same validation PSNR); with equal slices and a mean loss, the mean of their gradients is the gradient
#    of the whole batch (Exercise 3).
