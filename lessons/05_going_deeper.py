# %% [markdown]
# # 05 · Going deeper: residual learning, EDSR and the U-Net
#
# SRCNN, FSRCNN and ESPCN have three to eight layers. Deeper networks see more of the image and model more
# complicated mappings, but they are harder to train. Three ideas made depth work for SR: **residual
# learning** (VDSR: Kim, Lee & Lee, *Accurate Image Super-Resolution Using Very Deep Convolutional Networks*,
# CVPR 2016), **residual blocks without batch normalisation** (EDSR: Lim, Son, Kim, Nah & Lee, *Enhanced Deep
# Residual Networks for Single Image Super-Resolution*, CVPRW 2017) and, borrowed from segmentation, the
# **U-Net** (Ronneberger, Fischer & Brox, MICCAI 2015), which sees far by working at coarser resolutions.
# This lesson measures each idea on small networks that train on a CPU, then uses the shipped models for the
# full-quality results.
#
# **What you will learn**
# - how depth grows the receptive field, and what it costs in parameters and arithmetic;
# - why predicting the *residual* over bicubic trains much faster than predicting the image (VDSR);
# - what an EDSR residual block is, and why EDSR removed batch normalisation (measured: a conv + BN layer in
#   training mode cannot see a brightness or contrast change of the batch);
# - the U-Net variant: downsampling, skip connections and a sub-pixel tail;
# - how quality grows with capacity, on a brief in-budget sweep and on the shipped models;
# - to fine-tune a ×4 model from the shipped ×2 model (transfer learning), and to measure what data
#   augmentation buys, in training and at test time (self-ensemble).
#
# **Time needed:** about 55 minutes to read (exercises not counted); the code runs in about 26 min
# with the `cpu` budget (measured on a 2-core CPU): about 81 minutes in all.

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
# Every experiment below trains with `srkit.training.fit` (lesson 03 printed its source): Adam with a cosine
# decay of the learning rate, random 16 × 16 LR patches with flips and rotations, the validation PSNR after each
# epoch, and the **L1 loss** — the mean absolute error $\frac1N\sum|y - \hat y|$, EDSR's choice — unless another
# is named (lesson 06 compares L1 with L2, the mean squared error). So the experiments differ only in what they
# compare.
#
# ## 1. What depth buys: the receptive field
# An output pixel can only depend on the input pixels within its **receptive field**. Lesson 03 computed it
# from the kernel sizes (the *theoretical* receptive field); here we *measure* it, the way lesson 03's exercise
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
# copy its input (lesson 03: untrained SRCNN starts far below bicubic). A network that outputs only the
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
steps = budget.pick(quick=300, cpu=3000, gpu=20_000)
epochs = budget.pick(quick=3, cpu=10, gpu=20)  # first validation after 100, 300 or 1,000 steps
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
# a sub-pixel upsampler ends the network. srkit's block and model:

# %%
edsr_module = importlib.import_module("srkit.models.edsr")
print(inspect.getsource(edsr_module._res_block))
print(inspect.getsource(edsr_module.edsr))

# %% [markdown]
# The residual blocks of SRResNet (Ledig et al., 2017; after ResNet, He et al., 2016), which EDSR modified,
# have **batch normalisation** (BN) after each convolution. EDSR removed it: "batch normalization layers
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
assert bn_change < 0.01, "BN (batch statistics) removes any affine change of the input"
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
# kernel size divisible by the stride, so no overlap checkerboard (lesson 04). Its input must be a multiple of 4 (two
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
sweep_steps = budget.pick(quick=50, cpu=1500, gpu=20_000)
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
kept = {}  # each model's outputs on the test split, in the order of test_images, to look at in section 7


def keeping(label, net, **options):
    # an upscaler for `evaluate` that also keeps what it returns in kept[label]
    kept[label] = []

    def run(lr):
        kept[label].append(srkit.upscale(lr, model=net, scale=SCALE, **options))
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
# 6.4 times EDSR-small, trained in mixed precision (`--precision mixed_bfloat16`, lesson 09). On our test split it
# is no better than EDSR-small (the assert above): with 15 training images a network this size starts to
# memorise, and its validation PSNR can fall while its training loss still falls (`MODEL_CARD.md` shows the
# shipped model's runs). The published EDSR (43
# million parameters, trained on 800 2K images for days on GPUs) reaches 34.65 dB on Set5 ×3, where VDSR (0.67 M,
# 291 images) has 33.66 (the papers' figures): on our 15 training images, more parameters have almost stopped
# paying.
#
# ## 6. Transfer: a ×4 model fine-tuned from the ×2 model
# An EDSR body does not depend on the scale; only the upsampler does (×4 is two ×2 stages). EDSR trained its ×3
# and ×4 models starting from the ×2 model. `pretrained.transfer(source, target)` copies every layer that
# has the same name and shapes — for ×2 → ×4, everything but the second upsampling stage — and
# `srkit.train.train(..., init_from="edsr-small-x2")` (or `--init-from` on the command line) does it for you.
# We compare fine-tuning with training from scratch, same steps, same patches, validation at ×4.

# %%
ft_steps = budget.pick(quick=45, cpu=900, gpu=10_000)
train_pairs_x4 = data.make_pairs(data.bundled("train"), 4)
val_x4_bicubic = evaluate(bicubic_upscaler(4), val_images, scale=4, crop_border=4).mean_psnr
transfer_runs = {}
for label in ("from scratch", "fine-tuned from x2"):
    keras.utils.set_random_seed(0)
    net = models.build("edsr-small", scale=4)
    if label != "from scratch":
        copied = pretrained.transfer("edsr-small-x2", net)
        print(
            f"copied {len(copied)} layers from edsr-small-x2; learned anew: "
            f"{[layer.name for layer in net.layers if layer.trainable_weights and layer.name not in copied]}"
        )
    start_psnr = evaluate(
        lambda lr: srkit.upscale(lr, model=net, scale=4), val_images, scale=4, crop_border=4
    ).mean_psnr
    run = fit(net, train_pairs_x4, steps=ft_steps, epochs=3, validation=val_images)
    transfer_runs[label] = [start_psnr] + run["val_psnr"]
    print(
        f"{label:<20} validation x4: "
        + " -> ".join(f"{p:.2f}" for p in transfer_runs[label])
        + f" dB (bicubic {val_x4_bicubic:.2f})"
    )
shipped_x4 = pretrained.load("edsr-small-x4")
shipped_x4_psnr = evaluate(
    lambda lr: srkit.upscale(lr, model=shipped_x4, scale=4), val_images, scale=4, crop_border=4
).mean_psnr
stages = pretrained.training_stages("edsr-small-x4")  # one record per training run, first run first
print(
    f"shipped edsr-small-x4 (from scratch, {sum(s['steps'] for s in stages):,} steps in {len(stages)} runs): {shipped_x4_psnr:.2f} dB"
)
assert transfer_runs["fine-tuned from x2"][-1] > transfer_runs["from scratch"][-1], (
    "fine-tuning should win on the same budget"
)
assert transfer_runs["fine-tuned from x2"][-1] > val_x4_bicubic, "the fine-tuned model should beat bicubic at x4"

# %%
fig, ax = plt.subplots(figsize=(7.5, 4.3))
at = [0] + [ft_steps // 3 * (k + 1) for k in range(3)]
for label, curve in transfer_runs.items():
    ax.plot(at, curve, "o-", label=label)
ax.axhline(val_x4_bicubic, color="gray", ls="--", label="bicubic x4")
ax.axhline(shipped_x4_psnr, color="green", ls=":", label="shipped edsr-small-x4")
ax.set_ylim(min(min(curve) for curve in transfer_runs.values()) - 0.5, shipped_x4_psnr + 0.5)
ax.set_xlabel("training step at x4")
ax.set_ylabel("validation PSNR (dB)")
ax.legend()
ax.set_title("x4 from the x2 model vs from scratch")
plt.tight_layout()
plt.show()

# %% [markdown]
# Compare the first points (step 0, before any training; the first value of each row printed above): the
# transferred model starts within a dB or so of bicubic (its second upsampling stage is random, and the tail
# receives its features), the fresh one far below (its last layer is random, not zero, so its residual starts
# as noise added to bicubic); and it stays ahead of the network trained from scratch for the same steps. That is the
# cheap scalability win of pretrained weights: the expensive part of training, the body, is done once.
#
# ## 7. Data augmentation: in training and at test time
# `patch_dataset` applies one of the 8 flips and rotations of the square to each patch (`augment=True`). With
# 15 training images and a small network the effect is hard to see, so we make data scarce on purpose: an
# EDSR 4×32 network trained on **one 192×192 crop** of one training image, with and without augmentation.

# %%
crop = data.bundled("train")["astronaut"][:192, 96:288]
one_crop = data.make_pairs({"astronaut crop": crop}, SCALE)
aug_steps = budget.pick(quick=200, cpu=600, gpu=3000)
aug_runs = {}
for label, augment in [("8 symmetries", True), ("no augmentation", False)]:
    keras.utils.set_random_seed(0)
    net = models.build("edsr-small", scale=SCALE, blocks=4, filters=32)
    aug_runs[label] = fit(net, one_crop, steps=aug_steps, epochs=2, augment=augment, validation=val_images)
    print(
        f"{label:<16} training loss {aug_runs[label]['loss'][-1]:.4f} | validation "
        + " -> ".join(f"{p:.2f}" for p in aug_runs[label]["val_psnr"])
        + " dB"
    )
gain_aug = aug_runs["8 symmetries"]["val_psnr"][-1] - aug_runs["no augmentation"]["val_psnr"][-1]
print(f"augmentation: {gain_aug:+.2f} dB on the validation images")
assert gain_aug > 0.05, "with one training crop, augmentation should help on unseen images"

# %% [markdown]
# Without augmentation the network memorises the crop (look at the training loss against the validation PSNR);
# the 8 symmetries (4 rotations, each mirrored or not) give it 8 times more distinct examples of edges in every
# orientation. The same symmetries help at **test** time: run the network on the 8 flipped/rotated versions of
# the input, undo each on the output and average (geometric **self-ensemble**, Timofte et al. 2016; "EDSR+" in
# the EDSR paper).
# `srkit.upscale(..., self_ensemble=True)` does it, for 8 times the arithmetic (8 passes through the network):

# %%
edsr3 = pretrained.load("edsr-small-x3")
single = evaluate(lambda lr: srkit.upscale(lr, model=edsr3, scale=SCALE), test_images, scale=SCALE, crop_border=SCALE)
ensemble = evaluate(
    keeping("edsr-small-x3 + self-ensemble", edsr3, self_ensemble=True), test_images, scale=SCALE, crop_border=SCALE
)
for name in test_images:
    print(
        f"{name:<9} single {single.psnr[name]:.3f} dB   self-ensemble {ensemble.psnr[name]:.3f} dB   "
        f"({ensemble.psnr[name] - single.psnr[name]:+.3f})"
    )
print(
    f"mean      {single.mean_psnr:.3f} -> {ensemble.mean_psnr:.3f} dB; time per image {single.mean_seconds:.2f} -> {ensemble.mean_seconds:.2f} s"
)
assert ensemble.mean_psnr > single.mean_psnr, "the self-ensemble should raise the mean test PSNR"

# %% [markdown]
# Now look at what depth and the ensemble change. The flip-book below steps through the outputs kept above on one
# crop of the `coins` test image, from bicubic through the shipped models in order of size (fewest parameters
# first) to the self-ensemble; the caption gives the crop's PSNR / SSIM against HR.

# %%
where, view = "coins", np.s_[60:180, 60:180]  # rows, columns: rims, relief and flat background
index = list(test_images).index(where)
lr_c, hr_c = data.make_pair(test_images[where], SCALE)
by_size = sorted(shipped, key=lambda name: shipped_scores[name][0])
frames = {"bicubic": imresize(lr_c, SCALE)}
frames.update({f"{name} ({shipped_scores[name][0]:,} parameters)": kept[name][index] for name in by_size})
frames["edsr-small-x3 + self-ensemble"] = kept["edsr-small-x3 + self-ensemble"][index]
frames = {label: image[view] for label, image in frames.items()}
viz.flipbook(frames, names=("model",), reference=hr_c[view], width=360)

# %% [markdown]
# **Question.** Step the slider from bicubic to EDSR-medium. Where does depth help: on the coins' rims, on the
# relief inside them, or on the flat background? At which model does your eye stop seeing a difference, and does the
# caption's PSNR keep rising after that? Then compare EDSR-small with its self-ensemble: can you point at any
# pixel that changed, for eight times the arithmetic?

# %% [markdown]
# A third augmentation works on the **training images themselves: shrink them**. FSRCNN (Dong, Loy & Tang,
# ECCV 2016) shrank each of its 91 photographs by 0.9, 0.8, 0.7 and 0.6. A shrunk photograph is a new HR image
# whose details are finer and sharper (camera blur and JPEG blocks shrink with it), so there is more in it for
# the network to learn. `data.downscaled_copies` makes the copies with the protocol's bicubic, and
# `python -m srkit.train … --hr-scales 0.9 0.8 0.7 0.6 0.5` trains on the originals plus their copies.
# "More to learn" can be measured: it is how far bicubic ×3 falls short on an image.

# %%
shrunk = data.downscaled_copies(data.bundled("train"), [0.5])
halves = {name: image for name, image in shrunk.items() if name.endswith("@0.5")}
originals = {name: image for name, image in shrunk.items() if name not in halves}
room = {
    label: evaluate(bicubic_upscaler(SCALE), images, scale=SCALE, crop_border=SCALE)
    for label, images in [("originals", originals), ("shrunk to 0.5", halves)]
}
for label, result in room.items():
    print(f"{label:<14} {len(result.psnr)} images, bicubic x{SCALE}: {result.mean_psnr:.2f} dB")
for name in ("astronaut", "brick", "text"):
    print(f"  {name:<10} {room['originals'].psnr[name]:.2f} -> {room['shrunk to 0.5'].psnr[name + '@0.5']:.2f} dB")
assert room["originals"].mean_psnr - room["shrunk to 0.5"].mean_psnr > 1.0, (
    "shrunk photographs should be harder for bicubic"
)

# %% [markdown]
# Bicubic loses more on the half-size copies (above): each of their pixels carries more detail, so they are a
# cheap way to show a network harder examples (the shipped models were trained with them; `MODEL_CARD.md` lists
# what each run gained). The copies are not new photographs, though: on 15 images, data remains the limit.

# %% [markdown]
# A fourth augmentation changes **where the LR grid falls**. `make_pair` keeps one HR pixel in `scale`, on a
# grid that starts at the top-left corner, so every edge of a training image is seen through one sampling
# phase only; a flip or a rotation turns the grid with the image and gives no new phase. Dropping the first
# `dy` rows and `dx` columns of the HR image before degrading it (0 ≤ dy, dx < scale) gives `scale²` LR
# images of the same scene, one per phase: `data.shifted_copies`, or `python -m srkit.train … --hr-shifts`.
# Is a shifted copy new information, or just the old LR image moved by a fraction of a pixel? Predict it from
# the unshifted LR image with the best tool we have, bicubic interpolation, and measure what is left:

# %%
scene = data.bundled("train")["astronaut"]
phases = data.shifted_copies({"astronaut": scene}, SCALE)  # the scene through all 9 phases at x3
lr = {name: pair[0] for name, pair in zip(phases, data.make_pairs(phases, SCALE))}  # uint8 LR images
base, moved = lr["astronaut"].astype(float), lr["astronaut+0,1"].astype(float)  # the second: HR shifted by one pixel
# LR pixel j of `moved` sits 1/3 of an LR pixel right of pixel j of `base`: bicubic-enlarge `base` x3 and
# read it there (row 3i+1 is base's row i, column 3j+2 is a third of a pixel to the right of its column j)
guess = imresize(lr["astronaut"], SCALE).astype(float)[1::SCALE, 2::SCALE]
width = min(guess.shape[1], moved.shape[1])
unexplained = np.abs(moved[:, :width] - guess[:, :width]).mean()
print(
    f"{len(phases)} LR images of one scene; the one shifted by one HR pixel differs from the unshifted one "
    f"by {np.abs(moved - base).mean():.2f} grey levels on average,"
)
print(f"and from bicubic's prediction of it, made from the unshifted LR image, by {unexplained:.2f}")
assert len(phases) == SCALE**2 and unexplained > 0.5, (
    "a new sampling phase should hold detail that interpolation cannot predict"
)

# %% [markdown]
# What bicubic could not predict from the unshifted image (the second number above) is detail that fell
# between its samples (aliasing), and every phase catches a different part of it. (Burst photography builds
# its super-resolution on exactly this, with many shifted frames of one scene.) Shifted copies add most at ×4,
# which has 16 phases against 4 at ×2 (the shipped models were trained with them; `MODEL_CARD.md` lists each
# run). Whatever the augmentation, choose checkpoints on validation images, never on Set5: choosing on Set5
# would make every Set5 number in this course meaningless. The copies are new views of the same 15 scenes, not
# new scenes.

# %% [markdown]
# ## Exercises
# Each exercise has a worked solution in the cell below it, so that the lesson runs from top to bottom. To
# practise, cover it: write your own answer in its place (keeping the name it defines), run the check cell, then
# compare with the solution (undo your edit to get it back).
#
# **Exercise 1.** Count the parameters of srkit's EDSR-small at ×3 by hand (`edsr_small_params`): on Y
# (1 channel), `filters = 32`, 8 residual blocks of two 3×3 convolutions, a 3×3 head (1 → 32), a 3×3 `body_end`
# (32 → 32), an upsampler convolution 3×3 (32 → 32·9) followed by a pixel shuffle, and a 3×3 tail (32 → 1);
# every convolution has biases. (The bicubic `Upsample` layer has no trainable weights.)

# %%
f, blocks, s = 32, 8, 3
conv = lambda k, n_in, n_out: k * k * n_in * n_out + n_out
edsr_small_params = conv(3, 1, f) + blocks * 2 * conv(3, f, f) + conv(3, f, f) + conv(3, f, f * s * s) + conv(3, f, 1)
edsr_small_params

# %%
expected = models.count_params(models.build("edsr-small", scale=3))
assert edsr_small_params == expected, (
    f"expected {expected:,}, got {edsr_small_params:,}: check the upsampler (32 x 9 filters)"
)
print(f"Correct: {expected:,} parameters, {blocks * 2 * conv(3, f, f) / expected:.0%} of them in the residual blocks.")

# %% [markdown]
# **Exercise 2.** Which input changes does a conv + BN layer (batch statistics) **not** notice? For each
# transformation in `transforms` (applied to the whole batch), predict whether the output array of
# `conv_bn` stays identical, pixel for pixel: give the set `invisible` of names. Then the check measures it with `conv_bn` from section 3.

# %%
transforms = {
    "brighter": lambda x: x + 50,
    "more contrast": lambda x: 2.0 * x,
    "inverted": lambda x: 255 - x,
    "gamma 2.2": lambda x: 255 * (x / 255) ** 2.2,
    "flipped": lambda x: x[:, :, ::-1],
}
invisible = {"brighter", "more contrast"}  # affine maps a*x + b with a > 0 are normalised away;
# inverting (a < 0) flips each feature's sign; gamma is not affine; a flip moves the features
invisible

# %%
reference = np.asarray(conv_bn(batch, training=True))
measured = {
    name
    for name, t in transforms.items()
    if np.abs(np.asarray(conv_bn(np.ascontiguousarray(t(batch)), training=True)) - reference).max() < 0.01
}
assert set(invisible) == measured, f"measured: BN does not notice {sorted(measured)}; you said {sorted(invisible)}"
print("Correct: any a*x + b with a > 0 is invisible after BN with batch statistics.")


# %% [markdown]
# **Exercise 3.** Make any image network residual. Write `with_bicubic_residual(body, scale)`: a Keras model
# that takes an LR image, computes `body(lr)` (an enlarged image of the same channels) and adds srkit's fixed
# bicubic enlargement `models.Upsample(scale)` of the input. The check gives it a body whose last layer is
# zero, so the result must equal MATLAB-bicubic exactly — and nothing in it may be a `Lambda` layer.


# %%
def with_bicubic_residual(body, scale):
    x_in = keras.Input((None, None, 1))
    return keras.Model(x_in, layers.Add()([models.Upsample(scale)(x_in), body(x_in)]))


with_bicubic_residual

# %%
body = models.build("espcn", scale=3)
last = body.get_layer("subpixel_conv")
last.set_weights([np.zeros_like(w) for w in last.get_weights()])
net = with_bicubic_residual(body, 3)
x = np.random.default_rng(0).uniform(size=(20, 17)).astype("float32")
out = np.asarray(net(x[None, ..., None]))[0, ..., 0]
assert out.shape == (60, 51), f"output shape {out.shape}"
assert np.abs(out - imresize(x.astype(float), 3)).max() < 1e-5, "with a zero residual the output must be bicubic"
assert not any(type(layer).__name__ == "Lambda" for layer in net.layers), (
    "no Lambda layers (they break safe_mode loading)"
)
print("Correct: a residual network starts from bicubic and only learns what bicubic misses.")

# %% [markdown]
# **Exercise 4.** Which layers can a ×3 EDSR-small take from the shipped **×2** model? Predict the list of
# layer names that `pretrained.transfer("edsr-small-x2", x3_model)` copies (`predicted`), from what you know
# of the architecture (`x3_model.layers` lists the names; layers without trainable weights, such as the fixed
# bicubic layer, are never copied across scales: their shapes depend on the scale). The check runs the transfer.

# %%
x3_model = models.build("edsr-small", scale=3)
predicted = ["head"] + [f"block{i}_conv{j}" for i in range(1, 9) for j in (1, 2)] + ["body_end", "tail"]
# not up1_conv: at x2 it has 32 * 4 filters, at x3 32 * 9; the fixed bicubic layer's kernel differs too
len(predicted)

# %%
copied = pretrained.transfer("edsr-small-x2", x3_model)
assert sorted(predicted) == sorted(copied), (
    f"transfer copied {sorted(set(copied) - set(predicted))} more and "
    f"{sorted(set(predicted) - set(copied))} fewer than predicted"
)
print(f"Correct: {len(copied)} layers; only the upsampler must be learned anew for x3.")

# %% [markdown]
# ## Summary
# - **Depth** widens the receptive field (measured in section 1: one LR pixel changes about twice as many rows and
#   columns of VDSR's output as of SRCNN's) at a price in arithmetic; the U-Net sees furthest for its cost by
#   working at coarser resolutions.
# - **Residual learning:** predicting HR − bicubic (mostly near zero) instead of the image starts training at
#   close to bicubic; the residual ESPCN was clearly ahead after the first epoch (section 2 prints both curves),
#   the plain one catching up only with many more steps.
# - **EDSR** stacks conv-ReLU-conv residual blocks **without batch normalisation**: a conv + BN layer with
#   batch statistics cannot see brightness or contrast (measured: an affine change of the batch leaves its output
#   unchanged) and couples the images of a batch.
# - **Capacity:** trained long enough, the bigger network wins (EDSR-small beats the three-layer networks); in a
#   brief run it may not yet. Beyond that, data limits: EDSR-medium, with 6.4 times EDSR-small's parameters, is
#   no better on the test split (section 5), and the flip-book shows where the extra depth is (not) visible.
# - **Transfer:** a ×4 network initialised from the ×2 model beats one trained from scratch for the same steps.
# - **Augmentation:** the 8 symmetries help most when data is scarce (one crop: measured above), and again at
#   test time as a self-ensemble (8 passes through the network for a small, reliable gain); shrunk copies of
#   the training photographs (`--hr-scales`) hold finer detail (bicubic ×3 loses clearly more on them: section 7)
#   and still taught the converged ESPCN a little more; shifted copies (`--hr-shifts`) show each scene through every phase of the LR
#   grid, which helped at ×4 and was within noise at ×2 and ×3.
#
# ## Questions you should now be able to answer
# 1. Why does a network that predicts the residual start training close to bicubic quality?
# 2. What exactly does batch normalisation remove from the features, and why is that harmful for SR but not
#    for classification?
# 3. Why can the ×2 EDSR body and its ×2 upsampling stage be reused at ×4, while the second ×2 stage must be
#    learned anew?
# 4. When does data augmentation matter most, and what is the cost of the self-ensemble?
# 5. Why does the U-Net see further than EDSR-small with an eighth of its arithmetic?
# 6. The published EDSR has 43 M parameters. Why would training it on our 15 images disappoint?
