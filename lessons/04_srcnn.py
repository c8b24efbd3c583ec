# %% [markdown]
# # 04 · SRCNN: data, network and loss
#
# SRCNN ([Dong, Loy, He & Tang](../course/references.md#dong-et-al-2014), *Learning a Deep Convolutional Network for Image Super-Resolution*, ECCV 2014)
# was the first convolutional neural network trained end to end for super-resolution: three convolutions,
# 8,129 parameters, and a clear gain over bicubic interpolation. It is small enough to train on a laptop, and
# it goes through every step of a supervised deep-learning project: **data → network → loss → optimisation →
# test → apply**. This lesson takes the first three steps: it turns the training images of lesson 02 into
# SRCNN's examples, builds the network and sees why it looks nothing like the image classifiers of a first
# deep-learning course, and chooses the loss that training will minimise. Lesson 05 trains it, tests it and
# applies it.
#
# **What you will learn**
# - how SR training data is made: aligned LR/HR patches of the luma channel, with SRCNN's bicubic pre-upsampling;
# - why a classification network (pooling, a dense layer, softmax) cannot produce an image, and what makes
#   SRCNN *fully convolutional* (any input size, an output of the same size);
# - the roles of SRCNN's three layers, its parameter count and its receptive field;
# - why the mean squared error is the loss, how it maps one-to-one to PSNR, and why the loss of a batch is not
#   the PSNR a paper reports.
#
# **Time needed:** about 35 minutes to read (exercises not counted); the code runs in about 1 min
# with the `cpu` budget (measured on a 2-core CPU): about 36 minutes in all.

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
import math

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers

from srkit import data, models, pretrained, viz
from srkit.color import rgb2ycbcr, to_y
from srkit.evaluate import bicubic_upscaler
from srkit.metrics import psnr

SCALE = 3  # SRCNN's headline factor; everything below is x3

# %% [markdown]
# ## 1. Data: aligned LR/HR patches
# A network learns the mapping LR → HR from examples, so we need pairs made with the degradation we want to
# invert (MATLAB bicubic ×3, lesson 01), from the **training split only** — the validation images choose
# between models and the test images are kept for the final score. `make_pairs` modcrops each HR image and
# makes its LR image.

# %%
train_pairs = data.make_pairs(data.bundled("train"), SCALE)
lr0, hr0 = train_pairs[0]
print(f"{len(train_pairs)} training pairs, e.g. LR {lr0.shape} -> HR {hr0.shape}, {lr0.dtype}")

# %% [markdown]
# SRCNN makes two choices to notice: it works on the **luma channel Y** only (the eye is much less sensitive
# to colour detail; Cb and Cr are enlarged with bicubic; FSRCNN, ESPCN and VDSR do the same), and its input is
# the LR image **already enlarged with bicubic** to the HR size — the network only has to sharpen (VDSR keeps
# this too; FSRCNN and ESPCN drop it). (The price: every
# convolution runs on the HR-sized image, 9 times more pixels than the LR image at ×3; lesson 06's networks
# avoid it.) The paper trained on
# 33×33 sub-images; `patch_dataset` (lesson 02) cuts random aligned 33×33 crops (with a random flip or
# rotation) from the cached images, in batches, forever.

# %%
patches = data.patch_dataset(
    train_pairs, scale=SCALE, patch_size=33, batch_size=16, color="y", upsample_input=True, seed=0
)
inputs, targets = (np.asarray(t) for t in next(iter(patches)))
print(
    f"one batch: inputs {inputs.shape}, targets {targets.shape}, {inputs.dtype}, "
    f"targets in [{targets.min():.2f}, {targets.max():.2f}]"
)
assert inputs.shape == targets.shape == (16, 33, 33, 1), "pre-upsampled input and target have the same size"

# %% [markdown]
# The first six pairs of the batch: the network sees the top row and must produce the bottom row. The PSNR
# above each input is how far bicubic already gets on that patch. Many random patches are nearly flat or dark
# (the highest PSNRs in the titles: bicubic is already almost perfect there) and teach the network little; the
# patches with edges and texture carry most of the learning signal. A third of the training split's area is the nearly flat `retina`,
# so `python -m srkit.train … --min-std 0.04` can skip every patch whose HR standard deviation (on 0..1) is
# below 0.04. The shipped `srcnn-x3` was trained that way; `MODEL_CARD.md` records what skipping
# flat patches changed, chosen on the *validation* PSNR, the only score we select on.

# %%
fig, axes = plt.subplots(2, 6, figsize=(15, 5.6), layout="constrained")
for k in range(6):
    db = psnr(targets[k], inputs[k], crop_border=0, y_channel=False)
    axes[0, k].imshow(inputs[k, ..., 0], cmap="gray", vmin=0, vmax=1)
    axes[0, k].set_title(f"input (bicubic)\n{db:.1f} dB")
    axes[1, k].imshow(targets[k, ..., 0], cmap="gray", vmin=0, vmax=1)
    axes[1, k].set_title("target (HR)")
for ax in axes.ravel():
    ax.axis("off")
fig.suptitle("Training pairs: 33x33 patches of Y, input enlarged x3 with bicubic")
plt.show()


# %% [markdown]
# ## 2. The network
# ### Why not the network you already know?
# Many first deep-learning tutorials build an image **classifier**: convolutions, max-pooling, a flatten, a
# dense layer and a softmax. Here is one for 33×33 gray patches (it is not part of srkit: we build it only to
# see why SR cannot use it).


# %%
def classifier(input_shape=(33, 33, 1), classes=10):
    """A classic small image classifier: conv -> max-pool -> conv -> max-pool -> flatten -> dense -> softmax."""
    x_in = keras.Input(input_shape)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x_in)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    return keras.Model(x_in, layers.Dense(classes, activation="softmax")(x), name="classifier")


keras.utils.set_random_seed(0)
clf = classifier()
clf.summary()
probabilities = np.asarray(clf(inputs[:1]))
print(f"output for one patch: shape {probabilities.shape}, sum {probabilities.sum():.6f}")
print(np.round(probabilities, 3))
assert probabilities.shape == (1, 10) and abs(probabilities.sum() - 1) < 1e-5

# %% [markdown]
# Its output is **ten class probabilities that sum to 1**, not an image. Two more of its habits work against SR. **Max-pooling throws resolution away**: each 2×2 pooling keeps one value
# out of four, so after two of them the network reasons on an 8×8 grid, while SR must *add* detail. Here is a
# crop of a training image (dark handwriting on paper) after two max-poolings, enlarged back with bicubic:

# %%
crop = data.to_float(data.bundled("train")["text"][30:126, 220:316])  # 96 x 96, gray, in [0, 1]
pooled = layers.MaxPooling2D(2)(layers.MaxPooling2D(2)(crop[None, ..., None]))
back = keras.ops.image.resize(pooled, crop.shape, interpolation="bicubic")
pooled, back = np.asarray(pooled)[0, ..., 0], np.clip(np.asarray(back)[0, ..., 0], 0, 1)
fig, axes = plt.subplots(1, 3, figsize=(12, 4.3))
for ax, (title, im) in zip(
    axes,
    [
        (f"crop, {crop.shape[1]}x{crop.shape[0]}", crop),
        (f"after 2 max-poolings, {pooled.shape[1]}x{pooled.shape[0]}", pooled),
        (f"enlarged back: {psnr(crop, back, crop_border=0, y_channel=False):.1f} dB", back),
    ],
):
    ax.imshow(im, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# Each maximum kept the bright paper of its block and dropped the thin dark strokes: the handwriting is gone,
# and no later layer can bring it back. And **the dense layer ties the network to one input size**. Convolutions and pooling work on any size, but
# flattening a 100×80 image gives more numbers than the 4,096 the dense layer was built for. We feed a
# 100×80 image through the layers one by one and catch the error; building the classifier for "any size"
# fails as well, because a dense layer needs to know how many inputs it has.

# %%
x = np.zeros((1, 100, 80, 1), dtype="float32")
try:
    for layer in clf.layers[1:]:
        x = layer(x)
        print(f"{layer.name:<16} -> {tuple(x.shape)}")
except ValueError as error:
    print(f"{layer.name:<16} -> ValueError: {error}")
try:
    classifier(input_shape=(None, None, 1))
except ValueError as error:
    print(f"\nbuilding it for any size -> ValueError: {error}")

# %% [markdown]
# ### SRCNN: three convolutions, nothing else
# Dong et al. built SRCNN as a network version of sparse-coding SR, one layer per step:
#
# 1. **patch extraction and representation** — $n_1 = 64$ filters of $f_1 \times f_1 = 9\times 9$ describe the
#    patch around every pixel by 64 numbers (a learned "dictionary" of edges and textures);
# 2. **non-linear mapping** — $n_2 = 32$ filters of $f_2\times f_2 = 1\times 1$ map each 64-vector to a 32-vector:
#    the representation of the *HR* patch;
# 3. **reconstruction** — one $f_3 \times f_3 = 5\times 5$ filter averages the overlapping HR-patch predictions
#    into the output pixel (a linear layer: no ReLU, the output is an intensity).
#
# No pooling, no dense layer, no softmax; `padding="same"` keeps the size, so the output is an image as large
# as the input. (The paper used unpadded convolutions, so a 33×33 patch gave a 21×21 output compared with the
# centre of the target; zero padding only changes the outputs within 6 pixels of the border. Training the
# paper's unpadded way changed little, not worth a second code path; `MODEL_CARD.md` has the measurement.) Here is the real source in srkit:

# %%
print(inspect.getsource(models.srcnn))

# %% [markdown]
# `models.build("srcnn-915", scale=3)` builds the 9-1-5 network of the ECCV paper; the registry also records
# that it works on Y and takes a pre-upsampled input (`srcnn-955`, [the TPAMI 2016 version](../course/references.md#dong-et-al-2016a), has a 5×5 middle
# layer).

# %%
srcnn = models.build("srcnn-915", scale=SCALE)
srcnn.summary()
arch = models.REGISTRY["srcnn-915"]
print(f"colour space: {arch.color} | pre-upsampled input: {arch.pre_upsampled} | paper: {arch.paper}")
print(f"trainable parameters: {models.count_params(srcnn):,} (the classifier above: {models.count_params(clf):,})")
assert models.count_params(srcnn) == 8129, "SRCNN 9-1-5 on one channel has 8,129 parameters (Dong et al. 2014)"

# %% [markdown]
# Because every layer is a convolution, SRCNN is **fully convolutional**: it takes any image size and
# returns the same size — a patch in training, a whole photograph at test time.

# %%
for h, w in [(33, 33), (100, 80), (427, 640)]:
    out = srcnn(np.zeros((1, h, w, 1), dtype="float32"))
    print(f"input {h}x{w} -> output {out.shape}")
    assert out.shape == (1, h, w, 1)

# %% [markdown]
# ## 3. The loss: mean squared error, which is PSNR in disguise
# SRCNN is trained to minimise the **mean squared error** between its output and the HR patch. For images in
# $[0, 1]$, $\mathrm{PSNR} = 10\log_{10}(1/\mathrm{MSE})$ — the $255^2$ of lesson 00 is the same formula for
# 0..255 images. PSNR is a decreasing function of MSE, so minimising the MSE *is* maximising the PSNR of
# the training patches. We check it on a validation image: Y of HR and of bicubic, as floats in $[0, 1]$.

# %%
val_images = data.bundled("validation")
lr_v, hr_v = data.make_pair(val_images["coffee"], SCALE)
y_hr = rgb2ycbcr(hr_v)[..., 0] / 255.0  # MATLAB Y (uint8, 16..235) as floats in [0, 1]
y_bicubic = rgb2ycbcr(bicubic_upscaler(SCALE)(lr_v))[..., 0] / 255.0
mse = np.mean((y_hr - y_bicubic) ** 2)
print(f"MSE = {mse:.6f}  ->  10 log10(1 / MSE) = {10 * np.log10(1 / mse):.4f} dB")
print(
    f"srkit.metrics.psnr (uint8, Y, no crop):   {psnr(hr_v, bicubic_upscaler(SCALE)(lr_v), crop_border=0, y_channel=True):.4f} dB"
)
assert abs(10 * np.log10(1 / mse) - psnr(hr_v, bicubic_upscaler(SCALE)(lr_v), crop_border=0, y_channel=True)) < 1e-6

# %% [markdown]
# The scale is logarithmic: every tenfold reduction of the MSE is +10 dB, and +1 dB means an MSE
# $10^{-0.1} = 0.79$ times smaller (21 % less error).

# %%
for m in (1e-2, 1e-3, 2e-3, 1e-4):
    print(f"MSE {m:<7g} -> {10 * math.log10(1 / m):5.2f} dB")

# %% [markdown]
# One trap: the loss Keras reports is the MSE averaged over all pixels of a batch or an epoch,
# and the PSNR of an averaged MSE is **not** the mean of per-image PSNRs that papers report; the error of a
# hard image dominates the average MSE. Bicubic on the 15 training images (from flat microscope images to
# gravel texture):

# %%
c = SCALE  # border crop
mse_per_image = {}
for name, (lr_i, hr_i) in zip(data.SPLITS["train"], train_pairs):
    y_h, y_b = to_y(hr_i) / 255.0, to_y(bicubic_upscaler(SCALE)(lr_i)) / 255.0  # a gray image is its own Y
    mse_per_image[name] = np.mean((y_h[c:-c, c:-c] - y_b[c:-c, c:-c]) ** 2)
psnr_per_image = {name: 10 * np.log10(1 / m) for name, m in mse_per_image.items()}
print(", ".join(f"{name} {p:.1f}" for name, p in sorted(psnr_per_image.items(), key=lambda kv: kv[1])), "dB")
mean_of_psnrs = np.mean(list(psnr_per_image.values()))
psnr_of_mean = 10 * np.log10(1 / np.mean(list(mse_per_image.values())))
print(f"mean of the PSNRs: {mean_of_psnrs:.2f} dB (the protocol) | PSNR of the mean MSE: {psnr_of_mean:.2f} dB")
assert mean_of_psnrs > psnr_of_mean + 1, "log is concave: the mean of PSNRs exceeds the PSNR of the mean MSE"

# %% [markdown]
# That is why lesson 05 watches training with `srkit.training.ValidationMetrics`: after every epoch it upscales
# the **full validation images** and reports the protocol PSNR (Y, 3 pixels cropped, mean of per-image values),
# not a number derived from the loss.
#
# Within one image, too, the squared error is far from evenly spread. Here is a crop of the validation image
# above (the spoon, the rim of the cup, the saucer and the wood), in Y: bicubic, the network's input, against
# HR, its target. The cell prints the crop's MSE and how much of it the tenth of the pixels with the largest
# errors holds; the slider moves the divider between the two images.

# %%
top, left, size = 120, 300, 180
window = (slice(top, top + size), slice(left, left + size))
crop_bicubic, crop_hr = y_bicubic[window], y_hr[window]
squared_error = np.sort(((crop_hr - crop_bicubic) ** 2).ravel())[::-1]  # largest first
worst_tenth = squared_error[: squared_error.size // 10].sum() / squared_error.sum()
print(
    f"crop MSE {squared_error.mean():.6f} ({10 * np.log10(1 / squared_error.mean()):.2f} dB); "
    f"the 10 % of pixels with the largest errors hold {worst_tenth:.0%} of it"
)
assert worst_tenth > 0.5, "a few pixels (edges, fine texture) should hold most of the squared error"
viz.swipe(crop_bicubic, crop_hr, labels=("bicubic (input)", "HR (target)"), width=540)

# %% [markdown]
# **Question.** Drag the divider slowly across the crop. Where do the two images differ visibly: along the
# edge of the spoon and the rim, in the wood grain, or in the smooth coffee and saucer? Those pixels hold most
# of the MSE printed above, so they decide the loss. Which of the patches of section 1's figure (high or low
# PSNR in their title) would they give, and what does that say about the patches that teach SRCNN the most?

# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** Write `srcnn_params(f1, f2, f3, n1, n2, channels=1)`: the number of trainable parameters
# (weights and biases) of an SRCNN with those filter sizes and numbers of filters on `channels` channels,
# counted by hand, not with Keras (`srcnn.summary()` above shows each layer's count for 9-1-5). The check
# compares it with `models.count_params` for 9-1-5, 9-5-5 and a few other shapes.


# %% tags=["stub"]
def srcnn_params(f1, f2, f3, n1, n2, channels=1):
    raise NotImplementedError("Exercise 1: the weights and biases of the three layers")


# %% tags=["solution"]
def srcnn_params(f1, f2, f3, n1, n2, channels=1):
    extract = n1 * (f1 * f1 * channels + 1)
    mapping = n2 * (f2 * f2 * n1 + 1)
    reconstruct = channels * (f3 * f3 * n2 + 1)
    return extract + mapping + reconstruct


srcnn_params(9, 1, 5, 64, 32)

# %% tags=["check"]
for shape in [
    dict(f1=9, f2=1, f3=5, n1=64, n2=32),
    dict(f1=9, f2=5, f3=5, n1=64, n2=32),
    dict(f1=9, f2=3, f3=5, n1=32, n2=16),
    dict(f1=9, f2=1, f3=5, n1=64, n2=32, channels=3),
]:
    expected = models.count_params(models.srcnn(SCALE, **shape))
    got = srcnn_params(**shape)
    assert got == expected, (
        f"{shape}: your count is too {'large' if got > expected else 'small'}: how many weights does one filter "
        "of each layer have, and how many filters (and biases) does each layer have?"
    )
print("Correct: 9-1-5 has 8,129 parameters and 9-5-5 57,281; the 9x9 first layer holds most of 9-1-5's.")

# %% [markdown]
# **Exercise 2.** Predict, without running anything, what the classifier of section 2 does with other input
# sizes. Give `flat_length`, the length of its flattened feature vector (before the dense layer) for a
# **120×90** input (a 2×2 pooling of an odd size rounds down), and `accepted_sizes`, the set of the (height,
# width) pairs in `candidates` that it can classify at all: its dense layer takes exactly 4,096 inputs.

# %%
candidates = [(33, 33), (36, 36), (35, 34), (32, 31), (64, 16), (16, 64), (66, 18), (130, 9), (100, 80), (120, 90)]

# %% tags=["stub"]
flat_length = None  # a whole number
accepted_sizes = set()  # the (height, width) pairs from `candidates` that the classifier accepts

# %% tags=["solution"]
flat_length = (120 // 2 // 2) * (90 // 2 // 2) * 64  # 120 -> 60 -> 30, 90 -> 45 -> 22, 64 channels
# two poolings leave (h // 4) x (w // 4) positions of 64 channels: the count must be 8 * 8 * 64 = 4,096
accepted_sizes = {(h, w) for h, w in candidates if (h // 4) * (w // 4) * 64 == 4096}
flat_length, sorted(accepted_sizes)

# %% tags=["check"]
assert isinstance(flat_length, (int, np.integer)), "give `flat_length` as a whole number"
x = np.zeros((1, 120, 90, 1), dtype="float32")
for layer in clf.layers[1:-1]:  # everything up to the dense layer
    x = layer(x)
assert flat_length == x.shape[-1], (
    "flat_length is off: each 2x2 pooling halves the height and the width (rounding down), "
    "and the last convolution has 64 channels"
)


def classifies(h, w):
    """Whether the classifier runs on an h x w input."""
    x = np.zeros((1, h, w, 1), dtype="float32")
    try:
        for layer in clf.layers[1:]:
            x = layer(x)
    except ValueError:
        return False
    return True


measured = {(h, w) for h, w in candidates if classifies(h, w)}
missing, wrong = measured - set(accepted_sizes), set(accepted_sizes) - measured
assert not missing and not wrong, (
    f"{len(missing)} size(s) the classifier accepts are missing, and it rejects {len(wrong)} of yours: "
    "count the positions left after two poolings"
)
print("Correct: the dense layer checks only how many numbers arrive, not the image's shape:")
print("it takes a 130 x 9 strip but not a 36 x 36 square. SRCNN, without it, takes every size.")

# %% [markdown]
# **Exercise 3.** The **receptive field** of an output pixel is the set of input pixels that can change it.
# Write `receptive_field(f1, f2, f3)`: the side, in pixels, of the (square) receptive field of an SRCNN with
# kernel sizes f1, f2 and f3, worked out from how far each convolution reaches. Then measure it on the shipped
# trained SRCNN (`srcnn_pretrained`, lesson 05 tests it): perturb the centre pixel of `probe`, a 41×41 noisy gray
# image, find which output pixels change at all, and store the height and width of the changed region in
# `changed_extent`. The check measures the receptive fields of several SRCNN shapes in its own way.

# %%
srcnn_pretrained = pretrained.load("srcnn-x3")
probe = (0.5 + np.random.default_rng(0).uniform(-0.1, 0.1, (1, 41, 41, 1))).astype("float32")


# %% tags=["stub"]
def receptive_field(f1, f2, f3):
    raise NotImplementedError("Exercise 3: the side of the square of inputs one output sees")


changed_extent = None  # (height, width) of the region of outputs that change


# %% tags=["solution"]
def receptive_field(f1, f2, f3):
    return 1 + (f1 - 1) + (f2 - 1) + (f3 - 1)  # one pixel, and each f x f layer reaches (f - 1) / 2 further each way


bumped = probe.copy()
bumped[0, 20, 20, 0] += 0.3
changed = np.abs(np.asarray(srcnn_pretrained(bumped)) - np.asarray(srcnn_pretrained(probe)))[0, ..., 0] > 0
rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
changed_extent = (int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1))
receptive_field(9, 1, 5), changed_extent

# %% tags=["check"]
import tensorflow as tf


def side(net):
    """Side of the square of inputs on which the centre output's gradient is not zero."""
    x = tf.constant(probe)
    with tf.GradientTape() as tape:
        tape.watch(x)
        centre = net(x)[0, 20, 20, 0]
    seen = np.flatnonzero(np.abs(np.asarray(tape.gradient(centre, x))[0, ..., 0]).sum(axis=0))
    return int(seen.max() - seen.min() + 1)


keras.utils.set_random_seed(0)
for f in [(9, 1, 5), (9, 5, 5), (3, 3, 3), (5, 1, 1)]:
    assert receptive_field(*f) == side(models.srcnn(SCALE, f1=f[0], f2=f[1], f3=f[2])), (
        "receptive_field({}, {}, {}) is off: how far from its centre does each convolution reach?".format(*f)
    )
assert np.shape(changed_extent) == (2,), "give `changed_extent` as (height, width)"
assert tuple(changed_extent) == (side(srcnn_pretrained),) * 2, (
    "changed_extent is not the trained SRCNN's receptive field: perturb one pixel far from the border, and count "
    "every output that changes at all"
)
print(f"Correct: one input pixel influences a {changed_extent[0]}x{changed_extent[1]} square of outputs.")
print("With bicubic pre-upsampling that is only about 13 / 3 + 3 = 7 LR pixels (bicubic's 4 taps add 3) - a reason")
print("later networks go deeper.")


# %% [markdown]
# ## Summary
# - **Data:** aligned LR/HR pairs from the training split only; SRCNN takes 33×33 patches of Y, the LR patch
#   enlarged with bicubic to the HR size.
# - **Network:** a classifier's pooling, dense layer and softmax turn an image into a few class probabilities
#   and fix the input size. SRCNN is three convolutions (patch extraction 9×9×64, non-linear mapping 1×1×32,
#   reconstruction 5×5): 8,129 parameters, a 13×13 receptive field, any input size, an output of the same size.
# - **Loss:** MSE; on $[0,1]$ images PSNR $= 10\log_{10}(1/\mathrm{MSE})$, so lowering the loss raises PSNR —
#   but the protocol averages per-image PSNRs on full images, which the loss does not; and within an image, a
#   few pixels at edges and in texture hold most of the squared error.
#
# Lesson 05 trains this network with two optimisers, tests it on held-out images and applies it.
#
# ## Questions you should now be able to answer
# 1. Why does SRCNN take a bicubic-enlarged image as input, and what does that cost in computation compared with
#    working on the LR image?
# 2. Which three habits of classification networks does SRCNN avoid, and why would each of them hurt SR?
# 3. What do SRCNN's three layers do, and how many parameters does each have?
# 4. Why is minimising the MSE the same as maximising PSNR on a batch, but not the same as maximising the mean
#    PSNR of a test set?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. SRCNN has no layer that enlarges: bicubic makes the input as large as the output, so the network only
#    has to sharpen, and input and target patches are aligned pixel for pixel. The cost: all three
#    convolutions run on the HR grid, $s^2$ times as many pixels as the LR image (nine at ×3), so the
#    arithmetic grows with the output size; lesson 06's networks work on the LR grid instead.
# 2. Pooling keeps one value of each block and drops the rest (section 2's handwriting vanished), while SR must
#    add detail; the dense layer fixes how many numbers may arrive, so the input size is fixed (Exercise 2);
#    the softmax outputs class probabilities that sum to 1, not an image of intensities.
# 3. Patch extraction, 64 filters of 9×9 over 1 channel: $64 \times (81 + 1) = 5248$; non-linear mapping,
#    32 filters of 1×1 over 64 channels: $32 \times (64 + 1) = 2080$; reconstruction, 1 filter of 5×5 over 32
#    channels, linear: $25 \times 32 + 1 = 801$. Together 8,129, most of them in the first layer.
# 4. On a batch, PSNR $= 10\log_{10}(1/\mathrm{MSE})$ is a decreasing function of the MSE, so lowering one
#    raises the other. The test score is the mean of per-image PSNRs of full images (Y, border cropped): a log
#    per image, and the log is concave, so an image with a large error weighs more in a pooled MSE than in
#    the mean PSNR (section 3 printed both). The loss also sees random patches, not whole test images.
