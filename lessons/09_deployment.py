# %% [markdown]
# # 09 · Deployment: large images, export, speed and scaling out
#
# Lesson 08 applied the shipped models to real images. This lesson deploys them: **Part 1** runs a model on
# images of any size in bounded memory (tiled inference), exports it to SavedModel and TensorFlow Lite (checked
# equal to the Keras model), and measures its speed with XLA, TensorFlow Lite and mixed precision. **Part 2** asks
# what to do when one GPU is not enough for training: is it limited by its input pipeline or by arithmetic
# (measured), mixed precision, several GPUs, several machines and TPUs (the code runs here on a CPU), and the
# cheap wins. Lesson 10 then treats model files and images as what they are: inputs from the outside world.
#
# **What you will learn**
# - tiled inference: the same result (up to rounding), and memory that grows far less with the image (measured);
#   what goes wrong when tiles have no context;
# - export to SavedModel and TensorFlow Lite with a numeric-equivalence check; XLA, TFLite and mixed precision;
# - to tell an input-bound from a compute-bound training run, and to fix the input-bound one with `tf.data`;
# - data parallelism: `MirroredStrategy` (several GPUs; two logical CPUs here), `MultiWorkerMirroredStrategy`
#   (two worker processes here) and `TPUStrategy` (Colab).
#
# **Time needed:** about 50 minutes to read (exercises not counted); the code runs in about 5 min
# with the `cpu` budget (measured on a 2-core CPU): about 55 minutes in all.

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
import warnings
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from srkit import data, export, models, pretrained, train, viz
from srkit.benchmark import batches_per_second, fit_steps_per_second, frame_speed, tile_memory
from srkit.color import to_y
from srkit.inference import describe
from srkit.resize import modcrop

tf.get_logger().setLevel("ERROR")  # no INFO lines from the exports below
warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated")  # see section 2
SCALE = 3
WORK = Path(tempfile.mkdtemp(prefix="srkit-lesson09-"))  # everything this lesson writes goes here
# subprocesses (training runs) must import the same srkit as this notebook
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(
        filter(None, [str(Path(srkit.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")])
    ),
}
test_images = data.bundled("test")
edsr3 = pretrained.load("edsr-small-x3")
print(f"this lesson writes only into {WORK}")

# %% [markdown]
# # Part 1 · Deploying a trained model
#
# ## 1. Large images: tiles and bounded memory
# A network's intermediate features are much bigger than its input: EDSR-small holds 32 feature maps of the
# LR size per layer. `srkit.upscale` therefore cuts large images into **tiles** (`tile=256` input pixels by
# default), each extended by the receptive-field radius of the model (plus bicubic's support for the chroma),
# runs each tile through the whole pipeline and writes its centre into the output. Every output pixel sees
# exactly the context it would see untiled, so the result is the same up to float rounding (the convolutions
# add in another order on another input size; after rounding to uint8, at most one grey level):

# %%
lr_big = data.degrade(modcrop(test_images["china"], SCALE), SCALE)
whole = srkit.upscale(lr_big, model=edsr3, scale=SCALE, tile=None)
tiled = srkit.upscale(lr_big, model=edsr3, scale=SCALE, tile=48)
tiles = -(-lr_big.shape[0] // 48) * -(-lr_big.shape[1] // 48)
print(
    f"{lr_big.shape[1]} x {lr_big.shape[0]} LR in {tiles} tiles of 48: largest difference from the untiled result "
    f"{np.abs(whole.astype(int) - tiled).max()} grey levels"
)
assert np.abs(whole.astype(int) - tiled).max() <= 1

# %% [markdown]
# The context is what makes this work. Cut the same LR image into the same tiles of 48 **without** context —
# each piece enlarged on its own, then pasted beside its neighbours — and every tile border becomes an image
# border for the network: its convolutions pad there with zeros, and the pixels near the border come out
# different from the untiled result:

# %%
naive = np.empty_like(whole)
for y0 in range(0, lr_big.shape[0], 48):
    for x0 in range(0, lr_big.shape[1], 48):
        piece = srkit.upscale(lr_big[y0 : y0 + 48, x0 : x0 + 48], model=edsr3, scale=SCALE, tile=None)
        naive[y0 * SCALE : y0 * SCALE + piece.shape[0], x0 * SCALE : x0 * SCALE + piece.shape[1]] = piece
seam = np.abs(naive.astype(int) - whole).max(axis=-1)  # per output pixel, the largest of R, G, B
near_border = np.zeros(seam.shape, bool)  # output pixels within 3 of a tile border (every 48 * SCALE pixels)
for b in range(48 * SCALE, seam.shape[0], 48 * SCALE):
    near_border[b - 3 : b + 3] = True
for b in range(48 * SCALE, seam.shape[1], 48 * SCALE):
    near_border[:, b - 3 : b + 3] = True
print(
    f"tiles without context: up to {seam.max()} grey levels from the untiled result; on average "
    f"{seam[near_border].mean():.1f} near the tile borders and {seam[~near_border].mean():.1f} elsewhere"
)
assert seam.max() > 10 and seam[near_border].mean() > 3 * seam[~near_border].mean(), "the errors sit on the borders"

# %% [markdown]
# Flip through the three results around a tile corner (output pixel 288, 288: the centre of the view). The
# caption gives each one's PSNR on the whole image against the HR original.

# %%
viz.flipbook(
    {"untiled": whole, "srkit's tiles of 48": tiled, "tiles of 48 without context": naive},
    names=("result",),
    reference=modcrop(test_images["china"], SCALE),
    crop_border=SCALE,
    zoom=(240, 240, 96, 96),
    width=384,
)

# %% [markdown]
# **Question.** Step through the three. Where do the tiles without context show their borders — a line, a step
# in brightness or a broken edge through the centre of the view? Can you find any pixel where srkit's tiles
# differ from the untiled result? And why does the PSNR of the whole image hardly tell the three apart, when
# your eye finds the seams at once?

# %% [markdown]
# Now memory. `srkit.benchmark.tile_memory` upscales square images of growing size, each in a fresh Python
# process, and reports the peak resident memory beyond TensorFlow's own footprint (the process's peak after a
# warm-up on a tiny image), whole and in tiles of 128 (ESPCN ×3, the fastest model; the `cpu` budget goes
# further). `python -m srkit.benchmark memory` measures the same from a terminal. Measuring peak memory has a
# trap: on Linux the peak counter of a process (`getrusage`'s `ru_maxrss`) that a big process started begins at
# its parent's peak (it survives `exec`), so a probe launched from this notebook's kernel would read 0. The
# probe therefore resets its peak after the warm-up (writing `5` to `/proc/self/clear_refs`) and reads
# `VmHWM` from `/proc/self/status` — look at `srkit/benchmark/memory_probe.py`.

# %%
sizes = budget.pick(quick=[384, 1536], cpu=[384, 768, 1536, 3072], gpu=[384, 768, 1536, 3072])
start = time.perf_counter()
memory = tile_memory("espcn-x3", sizes, [128, None])  # one fresh process per point, peak reset after warm-up
print(f"{'output':>12}{'tile':>8}{'extra peak MiB':>16}{'of which images':>17}")
for r in memory:
    print(f"{r['size']:>7} px^2{str(r['tile'] or 'whole'):>8}{r['extra_mib']:>16.0f}{r['buffers_mib']:>17.1f}")
print(f"({time.perf_counter() - start:.0f} s: one fresh process per point)")
curve = {t: [r["extra_mib"] for r in memory if r["tile"] == t] for t in (128, None)}
assert min(curve[None]) > 0, "a measurement read 0: peak memory was not measured"
fig, ax = plt.subplots(figsize=(7, 4))
megapixels = [s * s / 1e6 for s in sizes]
ax.plot(megapixels, curve[None], "o-", label="whole image")
ax.plot(megapixels, curve[128], "o-", label="tiles of 128")
ax.set_xlabel("output size (megapixels)")
ax.set_ylabel("extra peak memory (MiB)")
ax.legend()
ax.set_title("peak memory of srkit.upscale (ESPCN x3)")
plt.tight_layout()
plt.show()
growth = {t: c[-1] - c[0] for t, c in curve.items()}
added_pixels = sizes[-1] ** 2 - sizes[0] ** 2
print(
    f"from {sizes[0]} to {sizes[-1]} px: whole image +{growth[None]:.0f} MiB "
    f"({growth[None] * 2**20 / added_pixels:.0f} bytes per added output pixel), tiled +{growth[128]:.0f} MiB "
    f"({growth[128] * 2**20 / added_pixels:.0f} bytes per pixel; the uint8 input and output take {3 * (1 + 1 / SCALE**2):.1f})"
)
assert growth[None] > 100 and growth[128] < 0.4 * growth[None], "tiling should bound the working memory"

# %% [markdown]
# Untiled, memory grows with the image: every output pixel costs its float64 colour planes and the network's
# feature maps (EDSR-small's 32 channels cost more). Tiled, the working memory is that of one tile whatever
# the image; what still grows is the input and output images themselves and a remainder a small fraction of the
# untiled growth. On a GPU this is the difference between a 4K frame that fits in memory and one that does not.
#
# ## 2. Export: SavedModel and TensorFlow Lite
# A Keras `.keras` file needs Keras and srkit's custom layers to load. For deployment, `srkit.export` writes
# - a **SavedModel** (`save_saved_model`): a TensorFlow graph plus weights, served by TensorFlow Serving,
#   converted by the TF.js and ONNX converters, loaded by any TensorFlow program without srkit;
# - a **TensorFlow Lite** flatbuffer (`save_tflite`): a small interpreter for CPUs, phones and edge devices
#   (its XNNPACK kernels are fast for small convolutional networks). Google now distributes the interpreter
#   as LiteRT (`pip install ai-edge-litert`); it reads the same `.tflite` files.
#
# An export is only trustworthy if it computes the same function, so we check it on a real LR image:

# %%
espcn3 = pretrained.load("espcn-x3")
saved = export.save_saved_model(espcn3, WORK / "espcn-x3-savedmodel")
lite_path = export.save_tflite(espcn3, WORK / "espcn-x3.tflite")
served, lite = export.load_saved_model(saved), export.TFLiteModel(lite_path)
x = data.to_float(to_y(data.degrade(modcrop(test_images["camera"], SCALE), SCALE)))[None, ..., None]
reference = np.asarray(espcn3(x))
errors = {
    "SavedModel": float(np.abs(served(x) - reference).max()),
    "TensorFlow Lite": float(np.abs(lite(x) - reference).max()),
}
size_of = lambda p: sum(f.stat().st_size for f in Path(p).rglob("*")) if Path(p).is_dir() else Path(p).stat().st_size
print(f"input {x.shape}, output {reference.shape}")
print(f"{'format':<18}{'size (kB)':>10}{'largest difference from Keras':>32}")
print(f"{'.keras':<18}{size_of(pretrained.path('espcn-x3')) / 1e3:>10.0f}{'(reference)':>32}")
for fmt, path in [("SavedModel", saved), ("TensorFlow Lite", lite_path)]:
    print(f"{fmt:<18}{size_of(path) / 1e3:>10.0f}{errors[fmt]:>32.1e}")
assert errors["SavedModel"] < 1e-5 and errors["TensorFlow Lite"] < 1e-5, errors

# %% [markdown]
# Both exports agree with Keras to float32 rounding (checked: within $10^{-5}$ on values in $[0, 1]$,
# where one grey level is $4 \cdot 10^{-3}$). The exported model is the *network* only: colour conversion, bicubic chroma and
# tiling are `srkit.upscale`'s job, and a deployment must reproduce them (exercise 2 makes a half-size TFLite file).
#
# ## 3. Speed: XLA, TensorFlow Lite and mixed precision
# `srkit.benchmark.frame_speed` times the network for one output frame: plain TensorFlow, compiled with **XLA**
# (`jit_compile=True`: the graph's operations are fused into fewer, specialised kernels), TensorFlow Lite, and
# the whole `srkit.upscale` of an RGB frame (colour conversion and bicubic chroma included).

# %%
width, height = budget.pick(quick=(960, 540), cpu=(1920, 1080), gpu=(1920, 1080))
speed = frame_speed(
    "espcn-x3", width, height, repeats=budget.pick(quick=5, cpu=10, gpu=10), mixed_precision=budget.has_gpu()
)
print(
    f"ESPCN x3 -> {speed['output']} on the {speed['device']} (median ms per frame; other work on the machine slows it)"
)
for key, label in [
    ("network_ms", "network, TensorFlow"),
    ("network_xla_ms", "network, XLA"),
    ("network_tflite_ms", "network, TensorFlow Lite"),
    ("network_mixed_ms", "network, mixed_float16 + XLA"),
    ("upscale_ms", "srkit.upscale, RGB uint8 frame"),
]:
    if key in speed:
        print(f"  {label:<32}{speed[key]:>8.0f} ms  ({1000 / speed[key]:.1f} frames/s)")
assert all(speed[k] > 0 for k in ("network_ms", "network_xla_ms", "network_tflite_ms", "upscale_ms"))
assert speed["upscale_ms"] > speed["network_tflite_ms"], "the whole pipeline costs more than the network alone"

# %% [markdown]
# On a CPU, TensorFlow Lite is usually the fastest way to run these small networks, while XLA changes little
# for a network this small (it pays more for bigger models and on GPUs);
# `srkit.upscale` costs more than the network because of the colour conversion and the bicubic chroma in
# numpy. **Mixed precision** (Micikevicius et al., ICLR 2018) computes in float16 while keeping the weights in
# float32: on GPUs with tensor cores (T4, A100, H100) it often nearly halves the time, and it halves the
# activation memory.
# On a CPU float16 is emulated and slower (bfloat16 — another 16-bit format, with float32's range of exponents
# and fewer mantissa bits — differs: CPUs with AMX, Intel's matrix units, run it fast, and
# `python -m srkit.train --precision mixed_bfloat16` trains several times faster there — `MODEL_CARD.md` has a measurement),
# so this lesson only measures float16 when a GPU is present (the line "mixed_float16 + XLA" in the table
# above then appears, e.g. on a Colab GPU runtime; in a terminal:
# `python -m srkit.benchmark speed --mixed-precision`). What it does to
# the numbers can be measured anywhere: `srkit.export.with_dtype_policy` copies a model into another policy.

# %%
half = export.with_dtype_policy(espcn3, "mixed_float16")
conv = next(layer for layer in half.layers if isinstance(layer, keras.layers.Conv2D))
out16 = np.asarray(half(x)).astype(np.float32)
print(
    f"layer {conv.name}: policy {conv.dtype_policy.name}, computes in {conv.compute_dtype}, stores weights in "
    f"{conv.variable_dtype}; output dtype {np.asarray(half(x)).dtype}"
)
error16 = np.abs(out16 - reference).max()
print(f"largest difference from float32: {error16:.1e} ({error16 * 255:.2f} grey levels)")
assert 0 < error16 < 5e-3, "float16 arithmetic differs from float32, but by about a grey level at most"

# %% [markdown]
# # Part 2 · When one GPU is not enough
#
# ## 4. Input-bound or compute-bound? Measure before you buy
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
if not tf.config.list_physical_devices("GPU"):  # on a GPU the pipeline may well be the slower part (below)
    assert rates["pipeline alone"] > 2 * rates["compute alone (one cached batch)"], (
        "on a CPU the arithmetic is the bottleneck"
    )


# %% [markdown]
# On a CPU the run is **compute-bound** (the cell checks this only there): the pipeline (random crops of images
# cached in memory, in parallel, prefetched) delivers batches more than twice as fast as the network can use
# them. (Training on the pipeline can be somewhat slower than compute alone: on a CPU the pipeline's threads and
# the arithmetic share the same cores; on a GPU machine the arithmetic leaves the CPU free.) A GPU does this
# arithmetic many times faster,
# and then the same pipeline can become the bottleneck. Common ways to get there: reading images from slow
# storage (a network disk, a cloud bucket), or degrading them on the fly in Python. Simulate a storage that
# takes 100 ms to deliver each batch:


# %%
def slow_storage(lr, hr):
    def wait(a):
        time.sleep(0.1)  # a simulated 100 ms read; it uses no CPU, so the measurement is robust
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
#
# ## 5. Mixed precision, several GPUs, several machines, TPUs
# **Mixed precision in training** is one line before the model is built; Keras then wraps the optimizer in a
# `LossScaleOptimizer` (gradients in float16 can underflow to zero; the loss is multiplied by a large factor
# before the backward pass and the gradients divided by it after). Here we only build and compile (training in
# float16 on a CPU is slow) and set the policy back:

# %%
keras.mixed_precision.set_global_policy("mixed_float16")
try:
    mixed_net = models.build("espcn", scale=SCALE)
    mixed_net.compile(optimizer="adam", loss="mae")
    print(
        f"policy {mixed_net.dtype_policy.name}: optimizer {type(mixed_net.optimizer).__name__}, "
        f"weights {mixed_net.trainable_weights[0].dtype}, output {mixed_net.output.dtype}"
    )
    assert type(mixed_net.optimizer).__name__ == "LossScaleOptimizer"
finally:
    keras.mixed_precision.set_global_policy("float32")


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
# ## 6. The cheap wins come first
# Before renting more machines, the two cheapest ways to a better model cost no hardware at all:
# - **pretrained weights**: in lesson 08 the fine-tuned network beat the same network trained from scratch for
#   the same steps (lesson 05 fine-tuned ×4 from ×2 the same way): most of a model's training is reusable;
# - **data augmentation**: the 8 flips and rotations multiply the distinct examples by 8 for free (lesson 05:
#   measured with one training crop), and again at test time as the self-ensemble.
# Only when those are used, and the run is compute-bound (section 4), do mixed precision and more devices pay.

# %% [markdown]
# ## Exercises
# Each exercise has a worked solution in the cell below it: read the task, try your own answer in that cell,
# then run the check cell.
#
# **Exercise 1.** Choose a tile size for a memory budget. Section 1 measured how many bytes the untiled
# `srkit.upscale` of ESPCN ×3 needs per output pixel (`bytes_per_pixel` below). A tile of `tile` input pixels is
# extended by `pad` pixels of context on every side (srkit uses the model's receptive-field radius plus 4 for
# bicubic: `describe(model).radius + 4`), so its working memory is about `bytes_per_pixel` times the number of
# output pixels of the extended tile. Write `largest_tile(budget_mib, bytes_per_pixel, pad)`: the largest
# whole number of input pixels whose extended tile fits in `budget_mib` MiB at `SCALE`, or 0 if not even one
# pixel fits. A right answer is an `int`, such as 200. The check tries several budgets.

# %%
bytes_per_pixel = growth[None] * 2**20 / added_pixels  # measured in section 1: the untiled growth per output pixel
pad = describe(pretrained.load("espcn-x3")).radius + 4


def largest_tile(budget_mib, bytes_per_pixel, pad):
    tile = 0
    while ((tile + 1 + 2 * pad) * SCALE) ** 2 * bytes_per_pixel <= budget_mib * 2**20:  # does one pixel more fit?
        tile += 1
    return tile


largest_tile

# %%
fits = lambda t, budget, bpp, p: ((t + 2 * p) * SCALE) ** 2 * bpp <= budget * 2**20
for budget_mib, bpp, p in [(64, bytes_per_pixel, pad), (256, bytes_per_pixel, pad), (1024, 300.0, 25), (1, 900.0, 21)]:
    t = largest_tile(budget_mib, bpp, p)
    assert isinstance(t, (int, np.integer)) and t >= 0, f"largest_tile returned {t!r}: a whole number >= 0"
    assert t == 0 or fits(t, budget_mib, bpp, p), f"{budget_mib} MiB, {bpp:.0f} B/px, pad {p}: a tile of {t} needs more"
    assert not fits(t + 1, budget_mib, bpp, p), f"{budget_mib} MiB, {bpp:.0f} B/px, pad {p}: {t} + 1 would fit too"
print(
    f"Correct: ESPCN x3 (pad {pad} on each side) can take tiles of {largest_tile(64, bytes_per_pixel, pad)} input "
    f"pixels within 64 MiB and of {largest_tile(256, bytes_per_pixel, pad)} within 256 MiB (srkit's default: 256)."
)

# %% [markdown]
# **Exercise 2.** Make a half-size TensorFlow Lite file of the shipped `edsr3` (EDSR-small ×3, 241k
# parameters): `export.to_tflite(edsr3, float16=True)` stores its weights in float16. Set `half_tflite` to
# those bytes and `half_output` to its output on the same input `x` as in section 2 (use `export.TFLiteModel`).
# The check compares the size with the float32 file and the output with Keras.

# %%
half_tflite = export.to_tflite(edsr3, float16=True)
half_output = export.TFLiteModel(half_tflite)(x)
len(half_tflite)

# %%
full_tflite = export.to_tflite(edsr3)
keras_output = np.asarray(edsr3(x))
assert isinstance(half_tflite, bytes) and len(half_tflite) < 0.6 * len(full_tflite), (
    f"{len(half_tflite):,} bytes is not about half of {len(full_tflite):,}"
)
error_half = np.abs(np.asarray(half_output) - keras_output).max()
assert error_half < 2e-3, f"largest difference {error_half:.1e}"
print(
    f"Correct: {len(full_tflite):,} -> {len(half_tflite):,} bytes; largest difference {error_half:.1e} "
    f"({error_half * 255:.2f} grey levels)."
)

# %% [markdown]
# **Exercise 3.** Diagnose a training run from two rates, as in section 4. Write `bottleneck(pipeline, compute)`,
# returning `"input"` or `"compute"`: which part limits a run whose pipeline alone delivers `pipeline` batches per
# second and whose model alone trains `compute` steps per second. Then write `after_upgrade(pipeline, compute,
# factor)`: the steps per second to expect after buying a GPU `factor` times faster at arithmetic, the pipeline
# unchanged (a number). The check uses the rates measured in section 4 and a few more.


# %%
def bottleneck(pipeline, compute):
    return "input" if pipeline < compute else "compute"


def after_upgrade(pipeline, compute, factor):
    return min(pipeline, compute * factor)


bottleneck, after_upgrade

# %%
slow_pipeline = io_rates["one read at a time"][0]  # section 4: one simulated slow read at a time
for p, c, kind in [(500.0, 50.0, "compute"), (10.0, 50.0, "input"), (slow_pipeline, compute, "input")]:
    got = bottleneck(p, c)
    assert got in ("input", "compute"), f"bottleneck returned {got!r}: 'input' or 'compute'"
    assert got == kind, f"bottleneck({p:.0f}, {c:.0f}) = {got!r}: which of the two rates would training wait for?"
for p, c, factor, expected in [(500.0, 50.0, 4, 200.0), (500.0, 50.0, 20, 500.0), (10.0, 50.0, 4, 10.0)]:
    got = after_upgrade(p, c, factor)
    assert abs(got - expected) < 1e-6, (
        f"after_upgrade({p:.0f}, {c:.0f}, {factor}) = {got}: the faster GPU speeds up one of the two rates, "
        "and training cannot run faster than the slower of them"
    )
print(
    f"Correct. Measured here: pipeline {rates['pipeline alone']:.0f} batches/s, compute {compute:.0f} steps/s -> "
    f"{bottleneck(rates['pipeline alone'], compute)}-bound; a GPU 20 times faster would train at about "
    f"{after_upgrade(rates['pipeline alone'], compute, 20):.0f} steps/s with this pipeline "
    f"({bottleneck(rates['pipeline alone'], 20 * compute)}-bound then)."
)

# %% [markdown]
# Finally, delete this lesson's scratch folder (skip this cell to keep the exported models):

# %%
shutil.rmtree(WORK, ignore_errors=True)
print(f"removed {WORK}")

# %% [markdown]
# ## Summary
# - **Large images:** tiles give the same result (up to float rounding: ≤ 1 grey level) because each tile carries
#   the context of the receptive field — tiles without it show seams — and peak memory grows far less with the
#   image (measured: a small fraction of the untiled growth).
# - **Export:** SavedModel and TensorFlow Lite, checked equal to Keras (within 1e-5); float16 weights halve a
#   TFLite file for a difference well under a grey level.
# - **Speed:** TensorFlow Lite on CPUs (XLA pays more for bigger models and on GPUs); mixed precision on GPUs
#   (float16 changes the output by about a grey level at most).
# - **Scaling out:** first measure whether training is input-bound (fix the pipeline: parallel reads, cache,
#   prefetch) or compute-bound (then mixed precision, then more devices: `--strategy mirrored`, `multi-worker`,
#   `tpu`); pretrained weights and augmentation are cheaper than any of them.
#
# ## Questions you should now be able to answer
# 1. What exactly does tiling keep constant, and why is the tiled result the same as the untiled one (up to rounding)?
# 2. An export passed a numeric-equivalence check on the network. What else must a deployment reproduce to give
#    the same images as `srkit.upscale`?
# 3. Your training runs at 40 % GPU utilisation. What do you measure first, and what would you change?
# 4. What do `MirroredStrategy` replicas exchange after each step, and what stays the same on every replica?
