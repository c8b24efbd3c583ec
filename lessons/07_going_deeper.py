# %% [markdown]
# # 07 · Going deeper: residual learning, EDSR and the U-Net
#
# SRCNN, FSRCNN and ESPCN have three to eight layers. Deeper networks see more of the image and model more
# complicated mappings, but they are harder to train. Three ideas made depth work for SR: **residual
# learning** (VDSR: [Kim, Lee & Lee](../course/references.md#kim-et-al-2016), *Accurate Image Super-Resolution Using Very Deep Convolutional Networks*,
# CVPR 2016), **residual blocks without batch normalisation** (EDSR: [Lim, Son, Kim, Nah & Lee](../course/references.md#lim-et-al-2017), *Enhanced Deep
# Residual Networks for Single Image Super-Resolution*, CVPRW 2017) and, borrowed from segmentation, the
# **U-Net** ([Ronneberger, Fischer & Brox, MICCAI 2015](../course/references.md#ronneberger-et-al-2015)), which sees far by working at coarser resolutions.
# This lesson measures each idea on small networks that train on a CPU, then uses the shipped models for the
# full-quality results.
#
# **What you will learn**
# - how depth grows the receptive field, and what it costs in parameters and arithmetic;
# - why predicting the *residual* over bicubic trains much faster than predicting the image (VDSR);
# - what an EDSR residual block is, and why EDSR removed batch normalisation (measured: a conv + BN layer in
#   training mode cannot see a brightness or contrast change of the batch);
# - the U-Net variant: downsampling, skip connections and a sub-pixel tail;
# - how quality grows with capacity, on a brief in-budget sweep and on the shipped models.
#
# **Time needed:** about 40 minutes to read (exercises not counted); the code runs in about 4 min
# with the `cpu` budget (measured on a 2-core CPU): about 44 minutes in all.

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
import importlib
import inspect

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers

from srkit import data, models, pretrained, viz
from srkit.color import to_y
from srkit.evaluate import bicubic_upscaler, evaluate
from srkit.resize import imresize
from srkit.training import fit

SCALE = 3
train_pairs = data.make_pairs(data.bundled("train"), SCALE)
val_images, test_images = data.bundled("validation"), data.bundled("test")
bicubic_val = evaluate(bicubic_upscaler(SCALE), val_images, scale=SCALE, crop_border=SCALE).mean_psnr


# %% [markdown]
# Every experiment below trains with `srkit.training.fit` (lesson 05 printed its source): Adam with a cosine
# decay of the learning rate, random 16 × 16 LR patches with flips and rotations, the validation PSNR after each
# epoch, and the **L1 loss** — the mean absolute error $\frac1N\sum|y - \hat y|$, EDSR's choice — unless another
# is named (lesson 09 compares L1 with L2, the mean squared error). So the experiments differ only in what they
# compare.
#
# ## 1. What depth buys: the receptive field
# An output pixel can only depend on the input pixels within its **receptive field**. Lesson 04 computed it
# from the kernel sizes (the *theoretical* receptive field); here we *measure* it, the way an exercise of lesson 04
# checked it: change one pixel of a 48×48 LR image and see how far the output changes by more than $10^{-6}$
# (networks with their initial random weights). The measured extent can be smaller than the theoretical one
# (tiny contributions fall under the threshold, and the U-Net's is capped by the 48-pixel image), but the
# ranking is the architecture's. For the models that take a bicubic-enlarged input, one LR pixel first spreads
# over the bicubic kernel (11 HR pixels at ×3).


# %%
def influence(model, scale, pre_upsampled, lr_size=48):
    """Side (in HR output pixels) of the square of outputs changed by one LR input pixel."""
    rng = np.random.default_rng(0)
    lr = rng.uniform(0.4, 0.6, (lr_size, lr_size)).astype("float32")
    bumped = lr.copy()
    bumped[lr_size // 2, lr_size // 2] += 0.3

    def run(im):  # the network itself (srkit.upscale would clip an untrained network's output to [0, 1])
        x = imresize(im.astype(float), scale) if pre_upsampled else im
        return np.asarray(model(x[None, ..., None].astype("float32")))[0, ..., 0]

    changed = np.abs(run(bumped) - run(lr)) > 1e-6
    rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    return max(rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)


print(f"{'model':<14}{'conv layers':>12}{'parameters':>12}{'MACs / HR pixel':>17}{'outputs changed by 1 LR pixel':>32}")
depth_table = {}
for name in ["srcnn-915", "espcn", "fsrcnn", "edsr-small", "unet", "vdsr"]:
    keras.utils.set_random_seed(0)
    net = models.build(name, scale=SCALE)
    pre = models.REGISTRY[name].pre_upsampled
    convs = sum(isinstance(layer, (layers.Conv2D, layers.Conv2DTranspose)) for layer in net.layers)
    side = 48 * SCALE if pre else 48
    macs = models.count_macs(net, (side, side)) / (48 * SCALE) ** 2
    extent = influence(net, SCALE, pre)
    depth_table[name] = extent
    print(f"{name:<14}{convs:>12}{models.count_params(net):>12,}{macs:>17,.0f}{extent:>24} x {extent}")
assert (
    depth_table["vdsr"] > depth_table["srcnn-915"]
    and depth_table["unet"] > depth_table["edsr-small"] > depth_table["espcn"]
)
assert depth_table["edsr-small"] > depth_table["vdsr"], (
    "EDSR-small's LR-grid convolutions reach further than VDSR's HR ones"
)

# %% [markdown]
# VDSR's 20 layers reach twice as far as SRCNN's three (theory: 11 + 2·20 = 51 HR pixels against
# 11 + 8 + 4 = 23) — at 80 times SRCNN's
# arithmetic (every layer runs on the HR grid with 64 channels: too slow to train in a lesson on a CPU, so we
# show it but do not train it). EDSR-small sees about twice as far as VDSR for a small fraction of its
# arithmetic: its 3×3 convolutions run on the LR grid, where one pixel step is `SCALE` HR pixels. The U-Net sees
# furthest, because two of its levels work at ½ and ¼ of the LR resolution.
#
# ## 2. Residual learning (VDSR)
# The bicubic image is already close to the HR image; what is missing is a small **residual**, HR − bicubic,
# mostly near zero except at edges and textures. A network that outputs the whole image must first learn to
# copy its input (lesson 05: untrained SRCNN starts far below bicubic). A network that outputs only the
# residual, added to the bicubic image, starts close to bicubic (exactly at it if its last layer starts at
# zero), and outputting "almost nothing" is easy to learn. How small is the residual?

# %%
lr_v, hr_v = data.make_pair(val_images["coffee"], SCALE)
y_hr = to_y(hr_v).astype(float)
y_bicubic = to_y(bicubic_upscaler(SCALE)(lr_v)).astype(float)
residual = y_hr - y_bicubic
small = np.mean(np.abs(residual) < 4)
print(f"Y of the HR image: standard deviation {y_hr.std():.1f} grey levels")
print(
    f"residual HR - bicubic: standard deviation {residual.std():.1f}, {small:.0%} of its pixels within +-4 grey levels"
)
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
axes[0].imshow(y_hr, cmap="gray")
axes[0].set_title("Y of the HR image (the target)")
axes[1].imshow(y_bicubic, cmap="gray")
axes[1].set_title("Y of bicubic (the input)")
shown = axes[2].imshow(residual, cmap="RdBu_r", vmin=-40, vmax=40)
axes[2].set_title("residual HR - bicubic")
fig.colorbar(shown, ax=axes[2], fraction=0.035)
for ax in axes:
    ax.axis("off")
plt.tight_layout()
plt.show()
assert residual.std() < y_hr.std() / 3 and small > 0.5

# %% [markdown]
# VDSR adds its input (the bicubic image) to the output of its last layer: one `Add`, and the 20 layers learn
# the residual. Here is srkit's VDSR:

# %%
print(inspect.getsource(models.vdsr))
assert models.count_params(models.build("vdsr", scale=SCALE)) == 665_921

# %% [markdown]
# An experiment we can afford: the same ESPCN trained twice, from the same seed on the same patches, once as
# in its paper (output = image) and once with `bicubic_residual=True` (output = bicubic + network; srkit adds
# the bicubic enlargement with its fixed `Upsample` layer, no extra parameters).

# %%
steps = budget.pick(quick=300, cpu=1500, gpu=20_000)
epochs = budget.pick(quick=3, cpu=5, gpu=20)  # first validation after 100, 300 or 1,000 steps
residual_runs = {}
for label, res in [("image (paper)", False), ("residual over bicubic", True)]:
    keras.utils.set_random_seed(0)
    net = models.build("espcn", scale=SCALE, bicubic_residual=res)
    residual_runs[label] = fit(net, train_pairs, steps=steps, epochs=epochs, loss="mse", validation=val_images)
    print(
        f"{label:<22} validation PSNR "
        + " -> ".join(f"{p:.2f}" for p in residual_runs[label]["val_psnr"])
        + f" dB (bicubic {bicubic_val:.2f})"
    )
plain, resid = residual_runs["image (paper)"], residual_runs["residual over bicubic"]
assert resid["val_psnr"][0] > plain["val_psnr"][0] + 0.3, "residual learning should be well ahead after the first epoch"
assert resid["val_psnr"][0] > bicubic_val - 0.2, "a residual network starts close to bicubic"

# %% [markdown]
# After the first epoch the residual network is already close to bicubic or above, while the plain one is
# still learning to reproduce its input. With enough steps the two meet,
# so residual learning is above all a **faster, easier optimisation**.
# That is what let VDSR train 20 layers (together with a high learning rate and gradient clipping), and the
# far deeper networks after it.
#
# ## 3. EDSR: residual blocks, and no batch normalisation
# EDSR stacks **residual blocks**: conv → ReLU → conv, optionally scaled by a small factor (`res_scale`, 0.1 in
# the large EDSR to keep training stable), added to the block's input. A long skip spans the whole body, and
# a sub-pixel upsampler ends the network. srkit's model (its `_res_block` is yours to write in Exercise 1):

# %%
edsr_module = importlib.import_module("srkit.models.edsr")
print(inspect.getsource(edsr_module.edsr))

# %% [markdown]
# The residual blocks of SRResNet ([Ledig et al., 2017](../course/references.md#ledig-et-al-2017); after ResNet, [He et al., 2016](../course/references.md#he-et-al-2016a)), which EDSR modified,
# have **[batch normalisation](../course/references.md#ioffe-and-szegedy-2015)** (BN) after each convolution. EDSR removed it: "batch normalization layers
# normalize the features, they get rid of range flexibility from networks", and, the EDSR paper reports,
# dropping them saved about 40 % of SRResNet's memory in training. The first half of that sentence can be
# measured. In training
# (`training=True`), BN subtracts each channel's mean over the batch (all its images and positions) and divides by its standard deviation
# (then multiplies by a learned $\gamma$ and adds a learned $\beta$; at test time it uses running averages
# stored during training instead). So if every image of the batch is made darker and less contrasted, the
# output of a conv + BN layer does not change **at all** — that layer can no longer tell how bright the
# images were, which SR must reproduce (in a real network the skip connections still carry it around BN, at
# the cost of extra work):

# %%
keras.utils.set_random_seed(0)
# unpadded convolutions (zero padding at the border is not affected by brightness, which would blur the point);
# pixel values 0..255 as in the EDSR code (BN's small epsilon, added to the variance, is then negligible)
conv_bn = keras.Sequential([keras.Input((None, None, 1)), layers.Conv2D(16, 3), layers.BatchNormalization()])
conv_only = keras.Sequential([keras.Input((None, None, 1)), layers.Conv2D(16, 3)])
lr_batch = next(iter(data.patch_dataset(train_pairs, scale=SCALE, patch_size=48, batch_size=8, color="y", seed=1)))[0]
batch = 255 * np.asarray(lr_batch)
darker = 0.5 * batch + 25  # half the contrast, a different brightness

for name, net in [("conv + BN (training mode)", conv_bn), ("conv alone", conv_only)]:
    change = np.abs(np.asarray(net(darker, training=True)) - np.asarray(net(batch, training=True))).max()
    print(f"{name:<26} largest change of any feature: {change:.2e}")
bn_change = np.abs(np.asarray(conv_bn(darker, training=True)) - np.asarray(conv_bn(batch, training=True))).max()
alone = np.asarray(conv_bn(batch[:1], training=True)) - np.asarray(conv_bn(batch, training=True))[:1]
print(
    f"BN in training mode also makes one image's features depend on the others in its batch: "
    f"change {np.abs(alone).max():.2f} when it is processed alone"
)
assert bn_change < 0.01, "BN (batch statistics) hides a darker, lower-contrast batch"
assert np.abs(alone).max() > 0.1

# %% [markdown]
# (At test time BN uses running averages instead of batch statistics, so the network behaves differently in
# training and in use — another source of trouble that a plain residual block does not have.) For
# classification the invariance is welcome: a darker cat is still a cat. For SR it is information the network
# must route around BN.
#
# ## 4. The U-Net variant
# srkit's U-Net goes **down** (strided convolutions halve the resolution and double the channels; the original
# U-Net, Ronneberger et al. 2015, used max-pooling), **across** (a bottleneck), and **up** (transposed
# convolutions), with **skip connections** that concatenate each level's
# features to the upward path, so the fine detail of the high-resolution levels is not lost. For SR we add a
# sub-pixel tail and a residual over bicubic (srkit's `unet`): the coarse levels see far, the skips keep the
# detail. The *bottleneck* is the coarsest level. On the way up, the 2×2, stride-2 transposed convolutions have a
# kernel size divisible by the stride, so no overlap checkerboard (lesson 06). Its input must be a multiple of 4 (two
# halvings): a small registered layer pads it, another crops the result.

# %%
unet = models.build("unet", scale=SCALE)
print(inspect.getsource(importlib.import_module("srkit.models.unet").unet))
print(f"U-Net (16 filters, 2 levels): {models.count_params(unet):,} parameters")

# %% [markdown]
# ## 5. Capacity against quality
# Does a bigger network do better? First a brief in-budget sweep: EDSR-style networks of growing width and
# depth, and the U-Net, trained with the same steps on the same patches (L1 loss, as EDSR). Then the shipped
# models, each trained to convergence (or close), on the test split.

# %%
sweep_steps = budget.pick(quick=50, cpu=300, gpu=20_000)
configs = {
    "EDSR 2x16": ("edsr-small", dict(blocks=2, filters=16)),
    "EDSR 4x32": ("edsr-small", dict(blocks=4, filters=32)),
    "EDSR 8x32": ("edsr-small", dict(blocks=8, filters=32)),
    "U-Net 16": ("unet", {}),
}
sweep = {}
for label, (name, hp) in configs.items():
    keras.utils.set_random_seed(0)
    net = models.build(name, scale=SCALE, **hp)
    run = fit(net, train_pairs, steps=sweep_steps, validation=val_images)
    sweep[label] = dict(params=models.count_params(net), psnr=run["val_psnr"][-1], seconds=run["seconds"])
    print(
        f"{label:<10} {sweep[label]['params']:>8,} parameters: validation {sweep[label]['psnr']:.2f} dB "
        f"after {sweep_steps} steps ({run['seconds']:.0f} s)"
    )

# %%
shipped = ["espcn-x3", "fsrcnn-x3", "srcnn-x3", "edsr-small-x3", "edsr-medium-x3"]
bicubic_test = evaluate(bicubic_upscaler(SCALE), test_images, scale=SCALE, crop_border=SCALE).mean_psnr
kept = {}  # each model's outputs on the test split, in the order of test_images, to look at below


def keeping(label, net):
    # an upscaler for `evaluate` that also keeps what it returns in kept[label]
    kept[label] = []

    def run(lr):
        kept[label].append(srkit.upscale(lr, model=net, scale=SCALE))
        return kept[label][-1]

    return run


shipped_scores = {}
for name in shipped:
    net = pretrained.load(name)
    shipped_scores[name] = (
        models.count_params(net),
        evaluate(keeping(name, net), test_images, scale=SCALE, crop_border=SCALE).mean_psnr,
    )
minutes = [sum(s["seconds"] for s in pretrained.training_stages(name)) / 60 for name in shipped]  # as recorded

fig, (ax_sweep, ax_shipped) = plt.subplots(1, 2, figsize=(14, 4.6))
for label, r in sweep.items():
    ax_sweep.scatter(r["params"], r["psnr"])
    ax_sweep.annotate(label, (r["params"], r["psnr"]), xytext=(6, -3), textcoords="offset points")
ax_sweep.axhline(bicubic_val, color="gray", ls="--", label="bicubic")
ax_sweep.set_xscale("log")
ax_sweep.set_title(f"brief sweep: {sweep_steps} steps each (validation split)")
ax_sweep.set_xlabel("parameters")
ax_sweep.set_ylabel("PSNR (dB)")
ax_sweep.legend()
for name, (params, score) in shipped_scores.items():
    ax_shipped.scatter(params, score)
    ax_shipped.annotate(name, (params, score), xytext=(6, -3), textcoords="offset points")
ax_shipped.axhline(bicubic_test, color="gray", ls="--", label="bicubic")
ax_shipped.set_xscale("log")
ax_shipped.set_title(f"shipped models, trained {min(minutes):.0f} min to {max(minutes) / 60:.1f} h each (test split)")
ax_shipped.set_xlabel("parameters")
ax_shipped.set_ylabel("PSNR (dB)")
ax_shipped.legend()
plt.tight_layout()
plt.show()
for name, (params, score) in shipped_scores.items():
    print(f"{name:<15}{params:>9,} parameters  test {score:.2f} dB ({score - bicubic_test:+.2f} over bicubic)")
small, medium = shipped_scores["edsr-small-x3"][1], shipped_scores["edsr-medium-x3"][1]
assert all(min(small, medium) > score for name, (_, score) in shipped_scores.items() if "edsr" not in name), (
    "both EDSR models should beat the three-to-eight-layer networks on the test split"
)
assert abs(medium - small) < 0.1, "6.4x the parameters should buy (almost) nothing on our test split"

# %% [markdown]
# In a brief run the ranking is not settled: bigger networks need more steps (and a few seconds more each) before
# their capacity shows, and the smallest may even lead early on. Trained long enough, capacity wins — up to a
# point. EDSR-small (241,057 parameters, 20 convolutions, 10 times ESPCN's parameters) beats the small networks
# clearly (above). EDSR-medium is EDSR-baseline's body (16 blocks × 64 filters) on Y: 1.55 million parameters,
# 6.4 times EDSR-small, trained in mixed precision (`--precision mixed_bfloat16`, lesson 16). On our test split it
# is no better than EDSR-small (the assert above): with 15 training images a network this size starts to
# memorise, and its validation PSNR can fall while its training loss still falls (`MODEL_CARD.md` shows the
# shipped model's runs). The published EDSR (43
# million parameters, trained on 800 2K images for days on GPUs) reaches 34.65 dB on Set5 ×3, where VDSR (0.67 M,
# 291 images) has 33.66 (the papers' figures): on our 15 training images, more parameters have almost stopped
# paying.

# %% [markdown]
# Now look at what depth changes. The flip-book below steps through the outputs kept above on one crop of the
# `coins` test image, from bicubic through the shipped models in order of size (fewest parameters first); the
# caption gives the crop's PSNR / SSIM against HR.

# %%
where, view = "coins", np.s_[60:180, 60:180]  # rows, columns: rims, relief and flat background
index = list(test_images).index(where)
lr_c, hr_c = data.make_pair(test_images[where], SCALE)
by_size = sorted(shipped, key=lambda name: shipped_scores[name][0])
frames = {"bicubic": imresize(lr_c, SCALE)}
frames.update({f"{name} ({shipped_scores[name][0]:,} parameters)": kept[name][index] for name in by_size})
frames = {label: image[view] for label, image in frames.items()}
viz.flipbook(frames, names=("model",), reference=hr_c[view], width=360)

# %% [markdown]
# **Question.** Step the slider from bicubic to EDSR-medium. Where does depth help: on the coins' rims, on the
# relief inside them, or on the flat background? At which model does your eye stop seeing a difference, and does
# the caption's PSNR keep rising after that?

# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** Write the EDSR residual block of section 3 in the Keras functional API:
# `res_block(x, filters, res_scale)` takes a Keras tensor `x` with `filters` channels and returns the block's
# output tensor, of the same shape. The check builds it for several widths and residual scales, gives it
# random weights, copies them into srkit's own block and compares the outputs.


# %% tags=["stub"]
def res_block(x, filters, res_scale):
    raise NotImplementedError("Exercise 1: return the output tensor of one residual block applied to x")


# %% tags=["solution"]
def res_block(x, filters, res_scale):
    y = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    y = layers.Conv2D(filters, 3, padding="same")(y)
    return layers.Add()([x, layers.Rescaling(res_scale)(y)])  # the skip carries x past the two convolutions


res_block

# %% tags=["check"]
rng = np.random.default_rng(0)
for filters, res_scale in [(8, 1.0), (16, 0.1), (4, 0.5)]:
    x_in, ref_in = keras.Input((None, None, filters)), keras.Input((None, None, filters))
    yours = keras.Model(x_in, res_block(x_in, filters, res_scale))
    ref = keras.Model(ref_in, edsr_module._res_block(ref_in, filters, res_scale, name=f"check{filters}"))
    shapes = [tuple(w.shape) for w in yours.trainable_weights]
    assert shapes == [tuple(w.shape) for w in ref.trainable_weights], (
        f"filters={filters}: your block's weights have the shapes {shapes}, not those of an EDSR block"
    )
    assert not any(type(layer).__name__ == "Lambda" for layer in yours.layers), "no Lambda layers (safe_mode)"
    yours.set_weights([0.1 * rng.normal(size=w.shape) for w in yours.get_weights()])
    ref.set_weights(yours.get_weights())
    x = rng.normal(size=(2, 9, 11, filters)).astype("float32")
    got, expected = np.asarray(yours(x)), np.asarray(ref(x))
    assert got.shape == expected.shape, f"filters={filters}: output shape {got.shape}, expected the input's"
    assert np.abs(got - expected).max() < 1e-5, (
        f"filters={filters}, res_scale={res_scale}: with the same weights, the output differs from an EDSR block's"
    )
print("Correct: two convolutions and a skip; set the second convolution to zero and the block is the identity.")

# %% [markdown]
# **Exercise 2.** Which input changes does a conv + BN layer (batch statistics) **not** notice? For each
# transformation in `transforms` (applied to the whole batch), predict whether the output array of
# `conv_bn` stays identical, pixel for pixel: give the set `invisible` of names. Then the check measures it with
# `conv_bn` from section 3.

# %%
transforms = {
    "brighter": lambda x: x + 50,
    "more contrast": lambda x: 2.0 * x,
    "inverted": lambda x: 255 - x,
    "gamma 2.2": lambda x: 255 * (x / 255) ** 2.2,
    "flipped": lambda x: x[:, :, ::-1],
    "first image brighter": lambda x: x + 50 * (np.arange(len(x)) == 0)[:, None, None, None],
}

# %% tags=["stub"]
invisible = set()  # the names from `transforms` whose change conv_bn's output does not show

# %% tags=["solution"]
invisible = {"brighter", "more contrast"}  # affine maps a*x + b with a > 0 are normalised away;
# inverting (a < 0) flips each feature's sign; gamma is not affine; a flip moves the features
invisible

# %% tags=["check"]
assert isinstance(invisible, (set, frozenset, list, tuple)), "give `invisible` as a set of names from `transforms`"
reference = np.asarray(conv_bn(batch, training=True))
measured = {
    name
    for name, t in transforms.items()
    if np.abs(np.asarray(conv_bn(np.ascontiguousarray(t(batch)), training=True)) - reference).max() < 0.01
}
missing, wrong = measured - set(invisible), set(invisible) - measured
assert not missing and not wrong, (
    f"{len(missing)} invisible change(s) missing, {len(wrong)} of yours do change the output: write what the conv "
    "does to a*x + b, then what subtracting the batch mean and dividing by the standard deviation leaves"
)
print("Correct: any a*x + b with a > 0 is invisible after BN with batch statistics.")


# %% [markdown]
# **Exercise 3.** A layer whose weights all reach zero (it "dies") cuts the signal, unless a skip carries the
# signal around it. Take an untrained EDSR-small ×3 (section 3's source; Keras starts every bias at zero) and
# set the weights and biases of one layer to zero. For which layers in `candidates` does the network then
# output exactly the bicubic enlargement of its input? Give the set `bicubic_exactly`. The check zeroes each
# layer in turn in a fresh network and compares its output with `imresize`.

# %%
candidates = ["head", "block1_conv1", "block8_conv2", "body_end", "up1_conv", "tail"]

# %% tags=["stub"]
bicubic_exactly = set()  # the names from `candidates` whose zeroing leaves exactly bicubic

# %% tags=["solution"]
bicubic_exactly = {"head", "up1_conv", "tail"}  # on the path that no skip bypasses (zero in, zero out after head)
# a block's convolutions and body_end sit inside a residual branch: the skips still carry head's features
bicubic_exactly

# %% tags=["check"]
assert isinstance(bicubic_exactly, (set, frozenset, list, tuple)), "give `bicubic_exactly` as a set of layer names"
x = np.random.default_rng(0).uniform(size=(20, 17)).astype("float32")
measured = set()
for name in candidates:
    keras.utils.set_random_seed(0)
    net = models.build("edsr-small", scale=3)
    net.get_layer(name).set_weights([np.zeros_like(w) for w in net.get_layer(name).get_weights()])
    out = np.asarray(net(x[None, ..., None]))[0, ..., 0]
    if np.abs(out - imresize(x.astype(float), 3)).max() < 1e-5:
        measured.add(name)
missing, wrong = measured - set(bicubic_exactly), set(bicubic_exactly) - measured
assert not missing and not wrong, (
    f"{len(missing)} layer(s) missing, {len(wrong)} of yours still change the output: follow the signal from "
    "the input to the output, and see which paths avoid the zeroed layer"
)
print("Correct: inside a residual branch a dead layer only removes a correction; on the main path it cuts everything.")

# %% [markdown]
# ## Summary
# - **Depth** widens the receptive field (measured in section 1: one LR pixel changes about twice as many rows and
#   columns of VDSR's output as of SRCNN's) at a price in arithmetic; the U-Net sees furthest for its cost by
#   working at coarser resolutions.
# - **Residual learning:** predicting HR − bicubic (mostly near zero) instead of the image starts training at
#   close to bicubic; the residual ESPCN was clearly ahead after the first epoch (section 2 prints both curves),
#   the plain one catching up only with many more steps.
# - **EDSR** stacks conv-ReLU-conv residual blocks **without batch normalisation**: a conv + BN layer with
#   batch statistics cannot see brightness or contrast (measured: a darker, lower-contrast batch leaves its output
#   unchanged) and couples the images of a batch.
# - **Capacity:** trained long enough, the bigger network wins (EDSR-small beats the three-layer networks); in a
#   brief run it may not yet. Beyond that, data limits: EDSR-medium, with 6.4 times EDSR-small's parameters, is
#   no better on the test split (section 5), and the flip-book shows where the extra depth is (not) visible.
#
# Lesson 08 reuses what a trained EDSR body has learned at another scale (transfer learning) and makes more of
# scarce data with augmentation, in training and at test time.
#
# ## Questions you should now be able to answer
# 1. Why does a network that predicts the residual start training close to bicubic quality?
# 2. What exactly does batch normalisation remove from the features, and why is that harmful for SR but not
#    for classification?
# 3. Why does the U-Net see further than EDSR-small with an eighth of its arithmetic?
# 4. The published EDSR has 43 M parameters. Why would training it on our 15 images disappoint?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. Its output is the bicubic enlargement plus what the network adds, and a freshly initialised network adds
#    little (nothing at all if its last layer starts at zero: Exercise 3 zeroes the tail). So it starts at about
#    bicubic's PSNR and only has to learn the residual HR − bicubic, which is small and mostly near zero
#    (section 2 prints its spread against the image's); a plain network must first learn to copy its input.
# 2. With batch statistics, BN subtracts each channel's mean over the batch and divides by its standard
#    deviation, so any change $a\,x + b$ with $a > 0$ of the whole batch (brightness, contrast) vanishes from its
#    output (section 3, Exercise 2); it also makes one image's features depend on the rest of its batch. SR must
#    reproduce absolute grey levels, so that information has to be carried around BN by the skips; a classifier
#    wants the invariance (a darker cat is still a cat).
# 3. Its 3×3 convolutions run at three resolutions: at ½ and ¼ of the LR grid, one pixel step covers 2 and 4 LR
#    pixels, so a few layers there reach far, and a layer there runs on a quarter or a sixteenth of the LR
#    positions. EDSR-small keeps all its 3×3 layers at LR resolution, so its reach grows by one LR pixel per
#    layer and every layer pays full price (section 1's table: extent and MACs per HR pixel).
# 4. It would memorise: already EDSR-medium, several times EDSR-small's size, is no better on the test split
#    (section 5), and 43 M parameters fitted to 15 images would learn those images, not the mapping. The
#    published model needed 800 2K images and days of GPU training; on a CPU the steps alone would be out of reach.
