# %% [markdown]
# # 15 · Deployment: large images, export and speed
#
# Lessons 13 and 14 applied the shipped models to real images: your own photographs, whole folders, scientific
# images, and images with blur, noise and JPEG. This lesson prepares a trained model for deployment: it runs
# the model on images of any size in bounded memory (tiled inference), exports it to SavedModel and TensorFlow
# Lite (checked equal to the Keras model), and measures its speed with XLA, TensorFlow Lite and mixed precision.
# Lesson 16 then turns to training: what to do when one GPU is not enough.
#
# **What you will learn**
# - tiled inference: the same result (up to rounding), and memory that grows far less with the image (measured);
#   what goes wrong when tiles have no context;
# - export to SavedModel and TensorFlow Lite with a numeric-equivalence check;
# - the speed of a network with XLA and TensorFlow Lite, and what mixed precision does to its output.
#
# **Time needed:** about 35 minutes to read (exercises not counted); the code runs in about 2 min
# with the `cpu` budget (measured on a 2-core CPU): about 37 minutes in all.

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
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from srkit import data, export, pretrained, viz
from srkit.benchmark import frame_speed, tile_memory
from srkit.color import to_y
from srkit.inference import describe
from srkit.resize import modcrop

tf.get_logger().setLevel("ERROR")  # no INFO lines from the exports below
warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated")  # see section 2
SCALE = 3
WORK = Path(tempfile.mkdtemp(prefix="srkit-lesson15-"))  # everything this lesson writes goes here
test_images = data.bundled("test")
edsr3 = pretrained.load("edsr-small-x3")
print(f"this lesson writes only into {WORK}")

# %% [markdown]
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
# tiling are `srkit.upscale`'s job, and a deployment must reproduce them.
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
# numpy. **Mixed precision** ([Micikevicius et al., ICLR 2018](../course/references.md#micikevicius-et-al-2018)) computes in float16 while keeping the weights in
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
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** Choose a tile size for a memory budget. Section 1 measured how many bytes the untiled
# `srkit.upscale` of ESPCN ×3 needs per output pixel (`bytes_per_pixel` below). A tile of `tile` input pixels is
# extended by `pad` pixels of context on every side (srkit uses the model's receptive-field radius plus 4 for
# bicubic: `describe(model).radius + 4`), so its working memory is about `bytes_per_pixel` times the number of
# output pixels of the extended tile. Write `largest_tile(budget_mib, bytes_per_pixel, pad)`: the largest
# whole number of input pixels whose extended tile fits in `budget_mib` MiB at `SCALE`, or 0 if not even one
# pixel fits. A right answer is an `int`, such as 200. The check tries several models and budgets.

# %%
bytes_per_pixel = growth[None] * 2**20 / added_pixels  # measured in section 1: the untiled growth per output pixel
pad = describe(pretrained.load("espcn-x3")).radius + 4
pad


# %% tags=["stub"]
def largest_tile(budget_mib, bytes_per_pixel, pad):
    raise NotImplementedError("Exercise 1: return the largest tile that fits, an int (0 if none)")


# %% tags=["solution"]
def largest_tile(budget_mib, bytes_per_pixel, pad):
    tile = 0
    while ((tile + 1 + 2 * pad) * SCALE) ** 2 * bytes_per_pixel <= budget_mib * 2**20:  # does one pixel more fit?
        tile += 1
    return tile


largest_tile


# %% tags=["check"]
def extended_output_pixels(tile, pad):  # a tile with pad pixels of context on every side, enlarged SCALE times
    return np.kron(np.pad(np.zeros((tile, tile), np.uint8), pad), np.ones((SCALE, SCALE), np.uint8)).size


for name, budget_mib, bpp in [("espcn-x3", 64, bytes_per_pixel), ("edsr-small-x3", 16, 900.0), ("fsrcnn-x3", 1, 900)]:
    model = pretrained.load(name)
    p = describe(model).radius + 4
    t = largest_tile(budget_mib, bpp, p)
    assert isinstance(t, (int, np.integer)) and t >= 0, f"largest_tile returned {t!r}: a whole number >= 0"
    assert t == 0 or extended_output_pixels(t, p) * bpp <= budget_mib * 2**20, f"{name}: a tile of {t} needs more"
    assert extended_output_pixels(t + 1, p) * bpp > budget_mib * 2**20, f"{name}: a tile of {t + 1} would fit too"
print(
    f"Correct: ESPCN x3 (pad {pad} on each side) can take tiles of {largest_tile(64, bytes_per_pixel, pad)} input "
    f"pixels within 64 MiB and of {largest_tile(256, bytes_per_pixel, pad)} within 256 MiB (srkit's default: 256)."
)

# %% [markdown]
# **Exercise 2.** Repair the tiles without context of section 1. Write `tiled_upscale(lr, model, tile)`: cut
# `lr` into tiles of `tile` × `tile` input pixels (smaller at the right and bottom edges), extend each by
# `pad = describe(model).radius + 4` input pixels of context on every side (clipped at the image's borders),
# enlarge the extended tile with `srkit.upscale(..., model=model, scale=SCALE, tile=None)`, and write only the
# part that belongs to the tile itself into the output. The check enlarges `lr_big` with `edsr3` in tiles of 48,
# and a part of it with `espcn3` in tiles of 40, and compares with the untiled results, which srkit's own tiles
# match to one grey level.


# %% tags=["stub"]
def tiled_upscale(lr, model, tile):
    raise NotImplementedError("Exercise 2: return the enlarged image, uint8, SCALE times larger")


# %% tags=["solution"]
def tiled_upscale(lr, model, tile):
    pad = describe(model).radius + 4
    h, w = lr.shape[:2]
    out = np.empty((h * SCALE, w * SCALE) + lr.shape[2:], dtype=lr.dtype)
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            ey0, ey1, ex0, ex1 = max(0, y0 - pad), min(h, y1 + pad), max(0, x0 - pad), min(w, x1 + pad)
            piece = srkit.upscale(lr[ey0:ey1, ex0:ex1], model=model, scale=SCALE, tile=None)
            out[y0 * SCALE : y1 * SCALE, x0 * SCALE : x1 * SCALE] = piece[
                (y0 - ey0) * SCALE : (y1 - ey0) * SCALE, (x0 - ex0) * SCALE : (x1 - ex0) * SCALE
            ]
    return out


tiled_upscale

# %% tags=["check"]
repaired = np.asarray(tiled_upscale(lr_big, edsr3, 48))
assert repaired.shape == whole.shape and repaired.dtype == np.uint8, (
    f"tiled_upscale returned {repaired.dtype} of shape {repaired.shape}: a uint8 image of {whole.shape} is expected"
)
off = np.abs(repaired.astype(int) - whole).max(axis=-1)  # per output pixel, the largest of R, G, B
assert off.max() <= 1, (
    f"your tiles differ from the untiled result by up to {off.max()} grey levels (at {np.count_nonzero(off > 1)} "
    "output pixels): is every tile extended by pad pixels on each side, and only its own part written?"
)
part = lr_big[:100, :130]  # a smaller, oblong image, another model and another tile size
other = np.asarray(tiled_upscale(part, espcn3, 40)).astype(int) - srkit.upscale(part, model=espcn3, tile=None)
assert other.shape[:2] == (300, 390) and np.abs(other).max() <= 1, (
    "with espcn-x3, tiles of 40 and a 130 x 100 image, your tiles differ from the untiled result"
)
print(
    f"Correct: {np.count_nonzero(off)} of {off.size} output pixels one grey level off the untiled result, "
    f"where the tiles without context were up to {seam.max()} off."
)

# %% [markdown]
# **Exercise 3.** Smaller files: fewer bits per weight. The exports of section 2 store every weight as a float32.
# *Quantisation* stores each weight array as small integers times one step: at 8 bits, a file four times smaller
# (TensorFlow Lite's integer options do this). Write `quantized_weights(w, bits)`: a float32 array of `w`'s shape
# in which each value is replaced by the nearest of $2^\text{bits} - 1$ evenly spaced levels running from
# $-\max|w|$ to $+\max|w|$ (0 is one of them). The check compares it with TensorFlow's own quantiser on `espcn3`'s
# weights and on random arrays. Then give `fewest_bits`: the fewest bits, from 4 to 8, with which a copy of
# `espcn3` whose every weight array is quantised loses less than half a decibel of PSNR on `camera_lr` against
# `camera_hr` (below; `psnr` with `crop_border=SCALE, y_channel=True`, as in lesson 11).

# %%
from srkit.metrics import psnr

camera_lr, camera_hr = data.make_pair(test_images["camera"], SCALE)  # grey: the image of section 2
camera_lr.shape, camera_hr.shape


# %% tags=["stub"]
def quantized_weights(w, bits):
    raise NotImplementedError("Exercise 3: return a float32 array of w's shape")


fewest_bits = None  # a whole number from 4 to 8


# %% tags=["solution"]
def quantized_weights(w, bits):
    w = np.asarray(w, np.float32)
    step = np.abs(w).max() / (2 ** (bits - 1) - 1)  # the levels: -(2^(bits-1) - 1) ... 2^(bits-1) - 1 steps
    return (np.round(w / step) * step).astype(np.float32)


def psnr_with_bits(bits):
    copy = pretrained.load("espcn-x3")  # a fresh copy: espcn3 keeps its float32 weights
    copy.set_weights([quantized_weights(w, bits) for w in espcn3.get_weights()])
    return psnr(camera_hr, srkit.upscale(camera_lr, model=copy), crop_border=SCALE, y_channel=True)


full = psnr(camera_hr, srkit.upscale(camera_lr, model=espcn3), crop_border=SCALE, y_channel=True)
fewest_bits = min(b for b in range(4, 9) if full - psnr_with_bits(b) < 0.5)
fewest_bits


# %% tags=["check"]
def tf_quantized(w, bits):  # TensorFlow's quantiser (you need not use it)
    m = float(np.abs(w).max())
    return tf.quantization.fake_quant_with_min_max_vars(w, -m, m, num_bits=bits, narrow_range=True).numpy()


rng = np.random.default_rng(15)
for w in espcn3.get_weights() + [rng.normal(size=(7, 5)), rng.uniform(-3, 0.5, 40)]:
    for bits in (8, 6, 4, 3):
        w = w.astype(np.float32)
        got = np.asarray(quantized_weights(w, bits))
        assert got.shape == w.shape and got.dtype == np.float32, "return a float32 array of w's shape"
        assert np.allclose(got, tf_quantized(w, bits), rtol=0, atol=1e-6 * np.abs(w).max()), (
            f"{bits} bits, an array of shape {w.shape}: some values are not on their nearest level"
        )
score = lambda model: psnr(
    camera_hr, srkit.upscale(camera_lr, model=model, scale=SCALE), crop_border=SCALE, y_channel=True
)
copies = {bits: keras.models.clone_model(espcn3) for bits in range(4, 9)}
for bits, copy in copies.items():
    copy.set_weights([tf_quantized(w, bits) for w in espcn3.get_weights()])
drop = {bits: score(espcn3) - score(copy) for bits, copy in copies.items()}
assert fewest_bits in drop, "give fewest_bits as a whole number from 4 to 8"
assert drop[fewest_bits] < 0.5, f"with {fewest_bits} bits, the copy loses 0.5 dB or more"
assert fewest_bits == 4 or drop[fewest_bits - 1] >= 0.5, f"with {fewest_bits - 1} bits, it also loses less than 0.5 dB"
print("Correct. PSNR lost on camera: " + ", ".join(f"{b} bits {d:.2f} dB" for b, d in drop.items()))
print("TensorFlow Lite gives each output channel its own step and keeps biases in 32 bits: it loses less.")

# %% [markdown]
# Finally, delete this lesson's scratch folder (skip this cell to keep the exported models):

# %%
shutil.rmtree(WORK, ignore_errors=True)
print(f"removed {WORK}")

# %% [markdown]
# ## Summary
# - **Large images:** tiles give the same result (up to float rounding: ≤ 1 grey level) because each tile carries
#   the context of the receptive field — tiles without it show seams; exercise 2 adds it — and peak memory grows
#   far less with the image (measured: a small fraction of the untiled growth).
# - **Export:** SavedModel and TensorFlow Lite, checked equal to Keras (within 1e-5); a deployment must also
#   reproduce what happens around the network; quantised weights make smaller files, at a measured cost
#   (exercise 3).
# - **Speed:** TensorFlow Lite on CPUs (XLA pays more for bigger models and on GPUs); mixed precision on GPUs
#   (float16 changes the output by about a grey level at most).
#
# ## Questions you should now be able to answer
# 1. What exactly does tiling keep constant, and why is the tiled result the same as the untiled one (up to rounding)?
# 2. An export passed a numeric-equivalence check on the network. What else must a deployment reproduce to give
#    the same images as `srkit.upscale`?
# 3. Why is TensorFlow Lite often the fastest way to run a small network on a CPU, and when does mixed precision pay?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. It keeps the working memory constant: one extended tile at a time goes through the network, whatever the
#    size of the image (section 1's curve; only the input and output images still grow). The result is the
#    same because each tile is extended by the receptive-field radius plus bicubic's support
#    (`describe(model).radius + 4`) and only its centre is written: every output pixel is computed from exactly
#    the input pixels it sees untiled (Exercise 2). Only the order of float additions changes, hence at most one
#    grey level after rounding; without the context, tile borders become image borders and show seams.
# 2. Everything around the network: uint8 to float in [0, 1] and the batch and channel axes, the RGB to YCbCr
#    conversion (the network sees only Y), the bicubic enlargement of Cb and Cr and the conversion back, the
#    clipping and rounding to uint8, an alpha channel enlarged with bicubic, and
#    tiling with context for large images.
# 3. Its interpreter has little overhead per operation and uses XNNPACK kernels tuned for small convolutions on
#    CPUs; a small network does little arithmetic per layer, so the framework's own overhead, which TensorFlow
#    pays on every operation, is a large part of its time. Mixed precision pays on GPUs with tensor cores, which
#    compute float16 much faster and need half the activation memory; on a CPU float16 is emulated and slower.
#    Its cost is a slightly different output (section 3 prints the largest difference, about a grey level).
