# %% [markdown]
# # 06 · Efficient upsampling: FSRCNN and ESPCN
#
# SRCNN (lesson 04) enlarges the image with bicubic *first* and then runs every convolution on the large
# image. Two papers of 2016 moved the enlargement to the **end** of the network, so that nearly all the work
# happens on the small LR image: **FSRCNN** ([Dong, Loy & Tang](../course/references.md#dong-et-al-2016b), *Accelerating the Super-Resolution
# Convolutional Neural Network*, ECCV 2016) with a **transposed convolution**, and **ESPCN** ([Shi et al.](../course/references.md#shi-et-al-2016a),
# *Real-Time Single Image and Video Super-Resolution Using an Efficient Sub-Pixel Convolutional Neural
# Network*, CVPR 2016) with a **sub-pixel convolution**. Both run in real time; the price of learned
# upsampling is a new artefact, the **checkerboard**.
#
# **What you will learn**
# - to count a network's cost in multiply-accumulates (MACs), and why post-upsampling is 3–18× cheaper;
# - what a transposed convolution does, and why its kernel size and stride decide whether it paints a
#   checkerboard ([Odena, Dumoulin & Olah](../course/references.md#odena-et-al-2016), *Deconvolution and Checkerboard Artifacts*, Distill 2016);
# - what a pixel shuffle is, and how ICNR initialisation ([Aitken et al., 2017](../course/references.md#aitken-et-al-2017)) or resize-convolution
#   removes the checkerboard of a sub-pixel convolution;
# - to train ESPCN with and without ICNR and measure the checkerboard and the validation PSNR;
# - to read a speed vs quality table of the shipped models and choose a model for a job.
#
# **Time needed:** about 40 minutes to read (exercises not counted); the code runs in about 3 min
# with the `cpu` budget (measured on a 2-core CPU): about 43 minutes in all.

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
import inspect

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers

from srkit import benchmark, data, models, pretrained, viz
from srkit.evaluate import bicubic_upscaler, evaluate
from srkit.training import fit

SCALE = 3

# %% [markdown]
# ## 1. What enlarging first costs
# A convolution with $n_\text{out}$ filters of size $f\times f$ over $n_\text{in}$ channels does
# $f^2\, n_\text{in}\, n_\text{out}$ multiply-accumulates (MACs) **per pixel of its output**. SRCNN's three
# layers all run on the HR grid; every layer of FSRCNN and ESPCN runs on the LR grid, which has $s^2 = 9$ times
# fewer pixels at ×3 (the last one too: it computes all $s^2$ sub-pixels of an LR pixel at once).
# `models.count_macs(model, (H, W))` adds up every convolution for one input of that size. We count one
# 1920×1080 output frame at ×3 (a 640×360 LR frame; SRCNN gets the bicubic-enlarged frame).

# %%
out_h, out_w = 1080, 1920
rows = []
for name in ["srcnn-915", "fsrcnn", "fsrcnn-s", "espcn", "edsr-small"]:
    model = models.build(name, scale=SCALE)
    pre = models.REGISTRY[name].pre_upsampled
    size = (out_h, out_w) if pre else (out_h // SCALE, out_w // SCALE)
    # MACs scale with the number of pixels: count on a 1/8 frame, multiply by 64
    macs = models.count_macs(model, (size[0] // 8, size[1] // 8)) * 64
    rows.append((name, "HR (bicubic first)" if pre else "LR", models.count_params(model), macs))
print(
    f"{'model':<12}{'convolutions run on':<20}{'parameters':>11}{'GMACs / 1080p frame':>21}{'MACs / output pixel':>21}"
)
for name, grid, params, macs in rows:
    print(f"{name:<12}{grid:<20}{params:>11,}{macs / 1e9:>21.2f}{macs / (out_h * out_w):>21,.0f}")
cost = {name: macs for name, _, _, macs in rows}
print(
    "SRCNN does "
    + ", ".join(f"{cost['srcnn-915'] / cost[name]:.1f}x {name}'s" for name in ["espcn", "fsrcnn", "fsrcnn-s"])
    + " arithmetic per output"
)
assert cost["espcn"] < cost["srcnn-915"] / 3, "ESPCN should need far fewer MACs than SRCNN for the same output"


# %% [markdown]
# ESPCN has almost three times SRCNN's parameters, yet needs about a third of its arithmetic, because its
# parameters are applied to 9× fewer pixels. FSRCNN goes further: a cheap 1×1 "shrinking" layer lets its
# mapping layers work on 12 channels instead of 56. (EDSR-small, lesson 07, needs about 11 times ESPCN's MACs
# per output pixel: depth costs arithmetic, and lesson 07 shows what it buys.) MACs predict time only roughly
# (memory traffic and how well a library runs each layer matter too), so section 5 measures time.
#
# ## 2. Upsampling inside the network, way 1: the transposed convolution (FSRCNN)
# A **transposed convolution** with stride $s$ (Keras `Conv2DTranspose`, once called "deconvolution") works
# the other way round from a convolution: every *input* pixel **stamps** the $k\times k$ kernel, times its
# value, onto the output, $s$ output pixels from its neighbours' stamps; overlapping stamps add up.
# (Equivalently: insert $s-1$ zeros between the input pixels, then convolve.) Where the stamps overlap
# unevenly, the output gets a periodic pattern. A kernel of ones on a constant image shows the overlap alone:
# each output pixel counts the stamps that cover it. FSRCNN's kernel is 9×9:


# %%
def overlap_counts(kernel, stride, size=12):
    """Stamps covering each output pixel: a ones-kernel transposed convolution of a constant image."""
    t = layers.Conv2DTranspose(1, kernel, strides=stride, padding="same", use_bias=False, kernel_initializer="ones")
    out = np.asarray(t(np.ones((1, size, size, 1), "float32")))[0, ..., 0]
    m = size * stride // 2 - stride  # an interior window, two periods wide
    return out[m : m + 2 * stride, m : m + 2 * stride]


fig, axes = plt.subplots(1, 3, figsize=(13, 4.3))
for ax, s in zip(axes, (2, 3, 4)):
    counts = overlap_counts(9, s)
    ax.imshow(counts, cmap="magma", vmin=0, vmax=25)
    for (i, j), v in np.ndenumerate(counts):
        ax.text(j, i, f"{v:.0f}", ha="center", va="center", color="white" if v < 15 else "black")
    ax.set_title(f"9x9 kernel, stride {s}: {'even' if counts.min() == counts.max() else 'UNEVEN'} overlap")
    ax.axis("off")
fig.suptitle("How many kernel stamps cover each output pixel (interior of a constant image)")
plt.tight_layout()
plt.show()
assert overlap_counts(9, 3).min() == overlap_counts(9, 3).max() == 9
assert overlap_counts(9, 2).max() / overlap_counts(9, 2).min() > 1.5

# %% [markdown]
# With stride 3 every output pixel is covered by exactly 3×3 = 9 stamps (3 divides 9); with strides 2 and 4
# the coverage alternates (16/20/25 and 4/6/9): a **checkerboard** is built into the layer. Training can
# learn kernels whose uneven sums cancel, but any imperfection shows as a grid with the period of the stride —
# a classic artefact of generator networks and of FSRCNN at ×2 and ×4. A fix at the design level: a kernel
# size divisible by the stride (needed, but not enough: section 3).
#
# FSRCNN itself, from srkit's source: a 5×5 feature extraction with $d$ filters, a 1×1 **shrink** to $s$
# channels, $m$ 3×3 mapping layers, a 1×1 **expand** back to $d$, and the 9×9 transposed convolution; PReLU
# activations. The paper counts kernel weights only: 12,464 for FSRCNN (56, 12, 4).

# %%
print(inspect.getsource(models.fsrcnn))
fsrcnn = models.build("fsrcnn", scale=SCALE)
print(
    f"FSRCNN(56, 12, 4): {models.count_params(fsrcnn, biases=False):,} kernel weights, "
    f"{models.count_params(fsrcnn):,} parameters with biases and PReLU slopes"
)
assert models.count_params(fsrcnn, biases=False) == 12_464, "Dong et al. 2016, Table 1"

# %% [markdown]
# ## 3. Way 2: the sub-pixel convolution (ESPCN)
# ESPCN ends with an ordinary convolution on the LR grid that outputs $s^2$ channels per colour channel, one
# for each of the $s\times s$ positions inside an enlarged pixel; a **pixel shuffle** (`depth_to_space`) then
# moves the channels into space: for one colour channel, channel $k = i\,s + j$ at LR pixel $(y, x)$ becomes
# HR pixel $(s y + i,\; s x + j)$. No arithmetic, only a rearrangement. A 2×2 LR image with 9 channels,
# numbered so you can follow each value:

# %%
lr_channels = np.arange(2 * 2 * 9, dtype="float32").reshape(1, 2, 2, 9)
shuffled = np.asarray(models.DepthToSpace(3)(lr_channels))[0, ..., 0]
print("LR pixel (0, 0) holds channels", lr_channels[0, 0, 0].astype(int).tolist())
print("after the shuffle, 6 x 6:")
print(shuffled.astype(int))
assert shuffled.shape == (6, 6) and shuffled[0, :3].tolist() == [0, 1, 2] and shuffled[1, :3].tolist() == [3, 4, 5]

# %% [markdown]
# srkit's `DepthToSpace` is a *registered* layer: Keras rebuilds it by name, so `load_model(...,
# safe_mode=True)` never has to run Python code stored in a model file (as a `Lambda` layer would). ESPCN is
# three convolutions and the shuffle:

# %%
print(inspect.getsource(models.DepthToSpace))
print(inspect.getsource(models.espcn))


# %% [markdown]
# A sub-pixel convolution is a transposed convolution in disguise ([Shi et al.](../course/references.md#shi-et-al-2016b), *Is the deconvolution layer
# the same as a convolutional layer?*, 2016): it equals one with a $3\,s\times 3\,s$ kernel and stride $s$
# whose interleaved 3×3 pieces are the $s^2$ channels' filters, the **sub-kernels**. The overlap is always
# even, yet a checkerboard appears whenever the sub-kernels respond differently — on a flat image, whenever
# their sums (plus biases) differ — and with a random initialisation they all do. (Keras's default, *Glorot*,
# draws each weight uniformly from $\pm\sqrt{6/(\text{fan}_\text{in}+\text{fan}_\text{out})}$, the fans
# being $k^2$ times the input and the output channels.) We measure the checkerboard on a **flat gray image**,
# whose output should be flat too: the spread between the brightest and the darkest of the $s^2$ output
# positions (the "phases"), each averaged over the image, in grey levels.


# %%
def phase_spread(model, scale, value=0.5, size=40, margin=8):
    """Checkerboard strength: max - min of the mean output at each of the scale x scale sub-pixel
    positions, for a flat input image (grey levels, 0..255), away from the borders."""
    out = np.asarray(model(np.full((1, size, size, 1), value, "float32")))[0, ..., 0]
    inner = out[margin * scale : -margin * scale, margin * scale : -margin * scale]
    h, w = inner.shape
    phases = inner.reshape(h // scale, scale, w // scale, scale).mean(axis=(0, 2))
    return 255 * float(phases.max() - phases.min())


def show_flat(ax, model, scale, title):
    out = np.asarray(model(np.full((1, 16, 16, 1), 0.5, "float32")))[0, 12:36, 12:36, 0]
    centre = out.mean()  # the same display range for every panel: mean +- 10 grey levels
    ax.imshow(out, cmap="gray", vmin=centre - 10 / 255, vmax=centre + 10 / 255, interpolation="nearest")
    ax.axis("off")
    ax.set_title(f"{title}\nphase spread {phase_spread(model, scale):.1f} grey levels")


keras.utils.set_random_seed(0)
espcn_random = models.build("espcn", scale=SCALE, icnr=False)  # default Glorot initialisation
keras.utils.set_random_seed(0)
espcn_icnr = models.build("espcn", scale=SCALE, icnr=True)  # srkit's default
resize_conv = keras.Sequential(
    [
        keras.Input((None, None, 1)),
        layers.UpSampling2D(SCALE, interpolation="bilinear"),
        layers.Conv2D(16, 3, padding="same", activation="tanh"),
        layers.Conv2D(1, 3, padding="same"),
    ]
)
fig, axes = plt.subplots(1, 3, figsize=(13, 4.9), layout="constrained")
show_flat(axes[0], espcn_random, SCALE, "ESPCN, random init")
show_flat(axes[1], espcn_icnr, SCALE, "ESPCN, ICNR init")
show_flat(axes[2], resize_conv, SCALE, "resize-convolution, random init")
fig.suptitle("Untrained networks on a flat gray image (shown: output mean +- 10 grey levels)")
plt.show()
assert phase_spread(espcn_random, SCALE) > 10 and phase_spread(espcn_icnr, SCALE) < 1e-3

# %% [markdown]
# Two remedies, both visible above:
# - **ICNR** (Aitken et al., *Checkerboard artifact free sub-pixel convolution*, 2017) initialises *one*
#   sub-kernel at random and copies it to all $s^2$ positions: the untrained ESPCN behaves like a convolution
#   followed by nearest-neighbour enlargement, and training starts from a smooth solution. srkit's ESPCN uses
#   it (its EDSR and U-Net upsamplers do not); Exercise 3 writes it.
# - **resize-convolution** (Odena et al. 2016): enlarge with a fixed interpolation first, then convolve. No
#   checkerboard is possible, but the convolutions run on the HR grid again — SRCNN's cost.
#
# ## 4. Training ESPCN, with and without ICNR
# ESPCN ×3 trained briefly (set by the budget) by `srkit.training.fit` from the same seed on the same patches
# (16×16 LR → 48×48 HR, Adam with a cosine decay), once with ICNR and once with the random initialisation;
# validation PSNR after every epoch (`ValidationMetrics`, lesson 05). This is the paper's ESPCN with tanh
# activations (`models.build("espcn")`'s default; the end of this section says why the shipped one uses ReLU).

# %%
steps = budget.pick(quick=210, cpu=3000, gpu=20_000)
epochs = budget.pick(quick=3, cpu=6, gpu=10)
train_pairs = data.make_pairs(data.bundled("train"), SCALE)
val_images = data.bundled("validation")
bicubic_val = evaluate(bicubic_upscaler(SCALE), val_images, scale=SCALE, crop_border=SCALE).mean_psnr

runs = {}
for label, icnr in [("ICNR", True), ("random init", False)]:
    keras.utils.set_random_seed(0)
    model = models.build("espcn", scale=SCALE, icnr=icnr)
    history = fit(model, train_pairs, steps=steps, epochs=epochs, loss="mse", validation=val_images)
    runs[label] = dict(model=model, spread=phase_spread(model, SCALE), **history)
    print(
        f"{label:<12} {steps} steps in {runs[label]['seconds']:.0f} s | validation PSNR "
        + " -> ".join(f"{p:.2f}" for p in runs[label]["val_psnr"])
        + f" dB (bicubic {bicubic_val:.2f}) | checkerboard {runs[label]['spread']:.2f} grey levels"
    )

# %%
fig, (ax_curve, ax_a, ax_b) = plt.subplots(1, 3, figsize=(15, 4.4), width_ratios=[1.4, 1, 1], layout="constrained")
at = [steps // epochs * (k + 1) for k in range(epochs)]
for label, run in runs.items():
    ax_curve.plot(at, run["val_psnr"], "o-", label=label)
ax_curve.axhline(bicubic_val, color="gray", ls="--", label="bicubic")
ax_curve.set_xlabel("training step")
ax_curve.set_ylabel("validation PSNR (dB)")
ax_curve.legend()
ax_curve.set_title("ESPCN x3, same seed and patches")
show_flat(ax_a, runs["ICNR"]["model"], SCALE, f"trained with ICNR ({steps} steps)")
show_flat(ax_b, runs["random init"]["model"], SCALE, f"trained from random init ({steps} steps)")
fig.suptitle("Flat gray image through the trained networks (output mean +- 10 grey levels)")
plt.show()

icnr_run, random_run = runs["ICNR"], runs["random init"]
assert icnr_run["val_psnr"][-1] > icnr_run["val_psnr"][0], "validation PSNR should rise during training"
assert icnr_run["spread"] < random_run["spread"], "the ICNR run should keep less checkerboard than the random-init run"

# %% [markdown]
# Training shrinks the random-init checkerboard (the loss punishes it), but spends steps undoing it; the ICNR
# run starts without one and stays closer to flat. A brief run may still be below the bicubic line: it must
# learn from scratch what bicubic already knows (lesson 07 adds bicubic back as a residual).
#
# On a real image: both trained networks enlarge a crop of a validation image (the rim of a white cup and its
# crema), shown twice as large (pixel repetition) so that single pixels show. Drag the line: ICNR on the
# left of it, random initialisation on the right.

# %%
cup_lr, cup_hr = data.make_pair(val_images["coffee"][60:240, 180:420], SCALE)  # a 180 x 240 crop
cup = {
    label: np.repeat(np.repeat(srkit.upscale(cup_lr, model=run["model"], scale=SCALE), 2, axis=0), 2, axis=1)
    for label, run in runs.items()
}
viz.swipe(cup["random init"], cup["ICNR"], labels=("random init", "ICNR"))

# %% [markdown]
# **Question.** Drag the line slowly across the bright rim of the cup and then over the crema. Where does the
# random-init network's checkerboard show most: on flat bright areas, on smooth gradients, or at edges? Its
# period is the scale: how many screen pixels is that here? Does the ICNR network show a pattern of its own
# (ICNR starts from a convolution followed by nearest-neighbour enlargement: section 3)?
#
# The shipped ESPCN trained far longer and, above all, with **ReLU instead of the paper's tanh**: with tanh,
# ESPCN ×3 stalled after a few thousand steps; with ReLU it kept learning, up to its paper's Set5 figure
# (see `MODEL_CARD.md`). Same parameters, cheaper to evaluate:
# `models.build("espcn", scale=3, activation="relu")`, the preset `espcn-x3`.
#
# ## 5. Speed against quality: the shipped models at ×3
# `benchmark.models_table` (behind `python -m srkit.benchmark models`) scores each shipped pretrained model on
# the test split with the protocol, and times a 512×512 output (510×510 at ×3: a 170×170 LR input) on this
# machine, median of 3 runs of the whole `srkit.upscale`, colour conversion and bicubic chroma included (they
# weigh most for the smallest networks). EDSR-small, the deeper residual network of lesson 07, marks the
# quality end of the range.

# %%
names = ["srcnn-x3", "fsrcnn-x3", "espcn-x3", "edsr-small-x3"]
table = benchmark.models_table(names, None, ["test"], repeats=3)
bicubic_test = table[0]["bicubic_psnr"]
print(f"{'model':<15}{'parameters':>11}{'test PSNR':>11}{'gain':>8}{'ms / 512x512':>14}")
for row in table:
    print(
        f"{row['model']:<15}{row['parameters']:>11,}{row['psnr']:>11.2f}{row['psnr'] - bicubic_test:>+8.2f}{row['ms_512']:>14.0f}"
    )
print(f"{'bicubic':<15}{0:>11}{bicubic_test:>11.2f}")
assert all(row["psnr"] > bicubic_test + 0.3 for row in table), "every shipped x3 model beats bicubic by > 0.3 dB"

# %%
fig, ax = plt.subplots(figsize=(7.5, 4.6))
for row in table:
    ax.scatter(row["ms_512"], row["psnr"], s=30 + row["parameters"] / 1500)
    ax.annotate(
        f"{row['model']}\n{row['parameters']:,} params",
        (row["ms_512"], row["psnr"]),
        textcoords="offset points",
        xytext=(8, -4),
        fontsize=9,
    )
ax.axhline(bicubic_test, color="gray", ls="--", label="bicubic")
ax.set_xscale("log")
ax.set_xlabel("ms per 512x512 output on this machine (log scale)")
ax.set_ylabel("mean PSNR on the test split (dB)")
ax.legend(loc="lower right")
ax.set_title("Speed vs quality at x3 (marker area ~ parameters)")
plt.tight_layout()
plt.show()

# %% [markdown]
# Read the plot from left to right, with the MACs of section 1 in mind: SRCNN pays for working on the HR grid;
# EDSR-small is the slowest and the best; the shipped ESPCN beats FSRCNN on both axes, faster although FSRCNN
# needs fewer MACs (its 8 thin layers use the CPU less efficiently than ESPCN's 3 wide ones). Timings on your
# machine differ (on a GPU, small networks spend most of their time copying images between CPU and GPU); the
# ranking by quality does not. For video on a CPU: ESPCN, exported to TensorFlow Lite (lesson 15 measures its
# speed per frame); for a photograph you will print: the deepest model you can afford.
#
# How do the learned upsamplers hold up at the other scales? The shipped ESPCN and FSRCNN at ×2, ×3 and ×4 on
# the test split, and the checkerboard that training left in each (flat-image phase spread, section 3):

# %%
test_images = data.bundled("test")
checkerboards = {}
print(f"{'scale':<7}{'bicubic':>9}{'ESPCN':>9}{'FSRCNN':>9}   checkerboard (grey levels): ESPCN  FSRCNN")
gains = {}
for s in (2, 3, 4):
    base = evaluate(bicubic_upscaler(s), test_images, scale=s, crop_border=s).mean_psnr
    scores, spreads = {}, {}
    for arch in ("espcn", "fsrcnn"):
        net = pretrained.load(f"{arch}-x{s}")
        scores[arch] = evaluate(
            lambda lr: srkit.upscale(lr, model=net, scale=s), test_images, scale=s, crop_border=s
        ).mean_psnr
        spreads[arch] = phase_spread(net, s)
        gains[arch, s] = scores[arch] - base
    print(
        f"x{s:<6}{base:>9.2f}{scores['espcn']:>9.2f}{scores['fsrcnn']:>9.2f}   {spreads['espcn']:>34.2f}{spreads['fsrcnn']:>8.2f}"
    )
    checkerboards[s] = spreads
assert all(g > 0.2 for g in gains.values()), f"every shipped ESPCN/FSRCNN beats bicubic on the test split: {gains}"
assert sorted(checkerboards) == [2, 3, 4]

# %% [markdown]
# Training has nearly cancelled the checkerboards: every phase spread is below that of the briefly trained
# random-init ESPCN of section 4 (both printed below), even FSRCNN's at ×2 and ×4, whose transposed
# convolution has uneven overlap built in (section 2): its learned kernels compensate. Nearly is not exactly:
# on smooth gradients or after strong sharpening a faint grid can still show, which is why kernel sizes
# divisible by the stride, ICNR or resize-convolution remain good practice.

# %%
worst = max(max(v.values()) for v in checkerboards.values())
print(
    f"largest phase spread of a shipped ESPCN/FSRCNN: {worst:.2f} grey levels "
    f"(random-init ESPCN of section 4: {random_run['spread']:.2f})"
)
assert worst < random_run["spread"], "training should have cancelled more of the checkerboard than a brief run"
assert worst < 2, "the shipped models should leave less than 2 grey levels of checkerboard on a flat image"


# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** Write `pixel_shuffle(x, s)` in NumPy with one `reshape`, one `transpose` and one `reshape`
# (no loops) for an array of shape (H, W, C·s²), in Keras/TensorFlow's channel order: channel
# $(i\,s + j)\,C + c$ of LR pixel $(y, x)$ becomes channel $c$ of HR pixel $(s y + i, s x + j)$ — the colour
# channel $c$ varies fastest. (PyTorch's `PixelShuffle` uses $c\,s^2 + i\,s + j$ instead: weights do not move
# between the two without reordering.) The check compares it with srkit's
# `DepthToSpace` on random data for several scales and channel counts.


# %% tags=["stub"]
def pixel_shuffle(x, s):
    raise NotImplementedError("Exercise 1: one reshape, one transpose, one reshape")


# %% tags=["solution"]
def pixel_shuffle(x, s):
    h, w, cs2 = x.shape
    c = cs2 // (s * s)
    # keras/TF order: channels are (i, j, c) with c fastest
    return x.reshape(h, w, s, s, c).transpose(0, 2, 1, 3, 4).reshape(h * s, w * s, c)


pixel_shuffle(np.arange(36).reshape(2, 2, 9), 3)[..., 0]

# %% tags=["check"]
rng = np.random.default_rng(1)
for s, c in [(2, 1), (3, 1), (4, 1), (2, 3), (3, 3)]:
    x = rng.normal(size=(5, 7, c * s * s)).astype("float32")
    expected = np.asarray(models.DepthToSpace(s)(x[None]))[0]
    got = pixel_shuffle(x, s)
    assert got.shape == expected.shape, f"s={s}, c={c}: shape {got.shape}, expected {expected.shape}"
    assert np.array_equal(got, expected), f"s={s}, c={c}: values in the wrong places"
print("Correct: a pixel shuffle is a reshape-transpose-reshape; it costs no arithmetic.")

# %% [markdown]
# **Exercise 2.** Write the transposed convolution of section 2 yourself, for one channel and without padding:
# `transposed_conv(x, kernel, s)` for an H × W image `x` and a k × k `kernel`, returning the
# (s(H − 1) + k) × (s(W − 1) + k) output. The check compares it with Keras's `Conv2DTranspose` (`padding="valid"`)
# for several kernel sizes and strides, with kernels that are not symmetric.


# %% tags=["stub"]
def transposed_conv(x, kernel, s):
    raise NotImplementedError("Exercise 2: the (s(H-1)+k) x (s(W-1)+k) output")


# %% tags=["solution"]
def transposed_conv(x, kernel, s):
    h, w = x.shape
    k = kernel.shape[0]
    out = np.zeros((s * (h - 1) + k, s * (w - 1) + k))
    for i in range(h):
        for j in range(w):
            out[s * i : s * i + k, s * j : s * j + k] += x[i, j] * kernel  # each input pixel stamps the kernel
    return out


transposed_conv(np.ones((3, 3)), np.ones((3, 3)), 2)

# %% tags=["check"]
rng = np.random.default_rng(2)
for k, s in [(3, 2), (4, 2), (9, 3), (5, 3), (3, 1)]:
    x, kernel = rng.normal(size=(4, 6)), rng.normal(size=(k, k))
    keras_t = layers.Conv2DTranspose(1, k, strides=s, padding="valid", use_bias=False)
    keras_t.build((None, None, None, 1))
    keras_t.set_weights([kernel[:, :, None, None]])
    expected = np.asarray(keras_t(x[None, ..., None].astype("float32")))[0, ..., 0]
    got = np.asarray(transposed_conv(x, kernel, s))
    assert got.shape == expected.shape, f"k={k}, s={s}, 4x6 input: output shape {got.shape}, expected {expected.shape}"
    assert np.abs(got - expected).max() < 1e-4, f"k={k}, s={s}: the values differ from Conv2DTranspose's"
print("Correct. A 3x3 kernel of ones at stride 2 on a constant 5x5 image (interior):")
print(transposed_conv(np.ones((5, 5)), np.ones((3, 3)), 2)[3:8, 3:8].astype(int))

# %% [markdown]
# **Exercise 3.** Write ICNR's kernel (section 3): `icnr(base, s)`, where `base` is a kernel of shape
# (k, k, n_in, C), one sub-kernel per colour channel, returns the kernel of shape (k, k, n_in, C·s²) of a
# sub-pixel convolution whose s² sub-kernels are all `base`, in Keras's channel order (Exercise 1). The check
# compares it with srkit's `ICNR` and runs it through `DepthToSpace` for one and three colour channels.


# %% tags=["stub"]
def icnr(base, s):
    raise NotImplementedError("Exercise 3: a (k, k, n_in, C * s * s) kernel made of copies of base")


# %% tags=["solution"]
def icnr(base, s):
    return np.tile(base, (1, 1, 1, s * s))  # channel (i s + j) C + c must hold base's filter c


icnr(np.ones((3, 3, 2, 1)), 2).shape


# %% tags=["check"]
class Given(keras.initializers.Initializer):
    """An initialiser that returns a given kernel (so that srkit's ICNR repeats a known base)."""

    def __init__(self, kernel):
        self.kernel = kernel

    def __call__(self, shape, dtype=None):
        return self.kernel


rng = np.random.default_rng(3)
for s, c in [(2, 1), (3, 1), (2, 3), (3, 3)]:
    base = rng.normal(size=(3, 3, 4, c)).astype("float32")
    got = np.asarray(icnr(base, s))
    assert got.shape == (3, 3, 4, c * s * s), f"s={s}, C={c}: shape {got.shape}, expected (3, 3, 4, C*s*s)"
    features = rng.normal(size=(1, 5, 6, 4)).astype("float32")
    conv = np.asarray(keras.ops.conv(features, got.astype("float32"), padding="same"))
    out = np.asarray(models.DepthToSpace(s)(conv))[0]
    blocks = out.reshape(5, s, 6, s, c)
    assert np.abs(blocks - blocks[:, :1, :, :1]).max() < 1e-4, (
        f"s={s}, C={c}: an s x s block of the shuffled output is not flat: which channel feeds which position?"
    )
    assert np.abs(got - np.asarray(models.ICNR(s, initializer=Given(base))(got.shape))).max() < 1e-6, (
        f"s={s}, C={c}: not srkit's ICNR of the same base"
    )
print("Correct: every sub-pixel position starts with the same filter, so the untrained layer cannot paint a grid.")

# %% [markdown]
# ## Summary
# - **Cost:** a convolution costs $f^2 n_\text{in} n_\text{out}$ MACs per output pixel; on the LR grid, with
#   $s^2$ times fewer pixels, ESPCN and FSRCNN do several times less arithmetic than SRCNN, with more parameters.
# - **Transposed convolution** (FSRCNN): input pixels stamp the kernel $s$ pixels apart; unless $s$ divides the
#   kernel size, the stamps overlap unevenly: a built-in checkerboard.
# - **Sub-pixel convolution** (ESPCN): a convolution to $C s^2$ channels on the LR grid, then a pixel shuffle
#   (pure rearrangement). Its checkerboard comes from differing sub-kernels: **ICNR** starts them equal,
#   **resize-convolution** avoids them at SRCNN's cost.
# - **Measured:** untrained, ESPCN has no checkerboard with ICNR (over 10 grey levels without); after the same
#   training it keeps less; every shipped ×2/×3/×4 ESPCN and FSRCNN beats bicubic on the test split.
# - **Choosing:** ESPCN for speed, the deeper models of lesson 07 for quality; measure on your own hardware.
#
# ## Questions you should now be able to answer
# 1. Why does ESPCN need fewer MACs than SRCNN although it has more parameters?
# 2. What does a transposed convolution with stride 2 and a 3×3 kernel do to a constant image, and why?
# 3. What is a pixel shuffle, and why is it free in arithmetic?
# 4. Where does the checkerboard of an untrained sub-pixel convolution come from, and how does ICNR remove it?
# 5. Why is a resize-convolution checkerboard-free, and what does it cost?
# 6. You must upscale 1080p video at 30 frames per second on a laptop: which model of the table, and what
#    would you measure before promising it?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. Cost is paid per pixel the convolutions run on. SRCNN runs all three on the HR grid; ESPCN runs them on
#    the LR grid, which has $s^2$ times fewer pixels, and only its last layer grows (with $s^2$ outputs). More
#    weights, each used far fewer times (section 1's table).
# 2. Each input pixel stamps the 3×3 kernel onto the output 2 pixels apart, so the stamps overlap on every
#    other row and column: output pixels receive 1, 2 or 4 contributions (2 does not divide 3). A constant
#    input therefore comes out as a grid of 3 levels, a checkerboard, before any training (section 2's
#    `overlap_counts`).
# 3. A fixed rearrangement: channel $(i\,s + j)\,C + c$ of LR pixel $(y, x)$ becomes channel $c$ of HR pixel
#    $(s y + i, s x + j)$. No value is multiplied or added (Exercise 1 writes it as reshape–transpose–reshape),
#    so it costs memory traffic only.
# 4. The $s^2$ sub-kernels that produce the $s^2$ positions of each HR block start from different random
#    values, so a flat LR image gives a different value at each position: a periodic pattern. ICNR initialises
#    them all to the same kernel (one kernel repeated $s^2$ times), so at the start the layer is a
#    nearest-neighbour enlargement of one convolution, with no pattern; training can then move them apart only
#    where the data asks for it.
# 5. It first enlarges with a fixed, smooth resize (every HR pixel is treated alike), then convolves with one
#    kernel: nothing depends on the position inside an $s \times s$ block. The cost: the convolution runs on
#    the HR grid, as in SRCNN, $s^2$ times more arithmetic than on the LR grid.
# 6. ESPCN (the fastest of section 5's plot with a clear gain over bicubic), exported to TensorFlow Lite
#    (lesson 15). Before promising it: time whole frames of the real size on the laptop itself (colour
#    conversion, copies and tiling included, not the network alone), over many frames after a warm-up, with
#    the other work the laptop does running, and check the quality on frames of the real video, not on photos.
