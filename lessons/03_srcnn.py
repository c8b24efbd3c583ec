# %% [markdown]
# # 03 · SRCNN: the first super-resolution network, in six steps
#
# SRCNN (Dong, Loy, He & Tang, *Learning a Deep Convolutional Network for Image Super-Resolution*, ECCV 2014)
# was the first convolutional neural network trained end to end for super-resolution: three convolutions,
# 8,129 parameters, and a clear gain over bicubic interpolation. It is small enough to train on a laptop, and
# it goes through every step of a supervised deep-learning project, which this lesson follows in order:
# **data → network → loss → optimisation → test → apply**.
#
# **What you will learn**
# - how SR training data is made: aligned LR/HR patches of the luma channel, with SRCNN's bicubic pre-upsampling;
# - why a classification network (pooling, a dense layer, softmax) cannot produce an image, and what makes
#   SRCNN *fully convolutional* (any input size, an output of the same size);
# - the roles of SRCNN's three layers, its parameter count and its receptive field;
# - why the mean squared error is the loss, and how it maps one-to-one to PSNR;
# - to train SRCNN with SGD and with Adam on the same budget, and to read training curves scored with the
#   published protocol;
# - to test on held-out images against bicubic, to compare with the shipped pretrained SRCNN, and to upscale
#   colour and gray images of your own.
#
# **Time needed:** about 55 minutes to read (exercises not counted); the code runs in about 4 min
# with the `cpu` budget (measured on a 2-core CPU): about 59 minutes in all.

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
from srkit.evaluate import bicubic_upscaler, evaluate
from srkit.metrics import psnr
from srkit.training import fit

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
# convolution runs on the HR-sized image, 9 times more pixels than the LR image at ×3; lesson 04's networks
# avoid it.) The paper trained on
# 33×33 sub-images; `patch_dataset` cuts random aligned 33×33 crops (with a random flip or rotation) from the
# cached images, in batches, forever.

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
# that it works on Y and takes a pre-upsampled input (`srcnn-955`, the TPAMI 2016 version, has a 5×5 middle
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
# That is why we watch training with `srkit.training.ValidationMetrics`: after every epoch it upscales the
# **full validation images** and reports the protocol PSNR (Y, 3 pixels cropped, mean of per-image values),
# not a number derived from the loss.
#
# ## 4. Optimisation: SGD against Adam
# The optimiser turns gradients into weight updates. **SGD** steps against the gradient, times a learning
# rate; with **momentum** (0.9, as in the SRCNN paper) it keeps 90 % of its previous step, which speeds it along
# consistent directions. **Adam** (Kingma & Ba, 2015) also divides each parameter's step by a running estimate
# of that parameter's gradient size, so layers with small gradients are not left behind. We train the same
# network from the **same initial weights**, on the **same patches in the same order**, for the same number of
# steps (set by the budget); only the optimiser differs. Both start from a standard learning rate (SGD: 0.01,
# Adam: 0.001) and lower it along a **cosine decay**: after step $t$ of $T$ the rate is
# $\eta_t = \eta_\text{end} + (\eta_0 - \eta_\text{end})\,\tfrac12\bigl(1 + \cos(\pi t / T)\bigr)$, with
# $\eta_\text{end}$ 10 % of $\eta_0$: large steps while the weights are far from good, small ones at the end,
# where large steps would only jump around the minimum. (Keras: `keras.optimizers.schedules.CosineDecay`.)

# %%
steps = budget.pick(quick=200, cpu=1500, gpu=20_000)
epochs = budget.pick(quick=4, cpu=10, gpu=10)  # validation points
per_epoch = steps // epochs


def schedule(start):
    return keras.optimizers.schedules.CosineDecay(start, decay_steps=steps, alpha=0.1)


optimizers = {
    "SGD": lambda: keras.optimizers.SGD(schedule(0.01), momentum=0.9),
    "Adam": lambda: keras.optimizers.Adam(schedule(0.001)),
}

keras.utils.set_random_seed(0)
untrained = models.build("srcnn-915", scale=SCALE)
bicubic_val = evaluate(bicubic_upscaler(SCALE), val_images, scale=SCALE, crop_border=SCALE).mean_psnr
untrained_val = evaluate(
    lambda lr: srkit.upscale(lr, model=untrained, scale=SCALE), val_images, scale=SCALE, crop_border=SCALE
).mean_psnr
print(
    f"{steps} steps in {epochs} epochs of {per_epoch} | validation PSNR: bicubic {bicubic_val:.2f} dB, "
    f"untrained SRCNN {untrained_val:.2f} dB"
)

# %% [markdown]
# Now the two runs. `srkit.training.fit` is what every lesson from here on trains with: it compiles the model
# with the loss and the optimiser, cuts random patches with `patch_dataset` (33 × 33 HR here: 11 LR pixels
# times the scale), and calls Keras' `model.fit` for the steps, split into epochs that each end with
# `ValidationMetrics` on the validation images. Its source is a page of plain Keras:

# %%
print(inspect.getsource(fit))

# %% [markdown]
# (`jit_compile=True`, its default, asks for **XLA** compilation: TensorFlow compiles the whole training step into
# one optimised program, fusing its operations, instead of running them one by one. The first step waits for the
# compiler; the others are faster.)

# %%
view_lr, view_hr = data.make_pair(val_images["grace_hopper"][150:330, 160:340], SCALE)  # a 180 x 180 crop
snapshots = {}  # (optimizer, step) -> the model's output on that crop, for the viewer of this section


def keep_outputs(name, model):
    """A callback that keeps the model's output on the crop before training and after every epoch."""

    def keep(step):
        snapshots[name, step] = srkit.upscale(view_lr, model=model, scale=SCALE)

    return keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: keep(0), on_epoch_end=lambda epoch, logs: keep(per_epoch * (epoch + 1))
    )


runs = {}
for name, make_optimizer in optimizers.items():
    keras.utils.set_random_seed(0)  # the same initial weights and the same patches
    model = models.build("srcnn-915", scale=SCALE)
    print(f"--- {name}")
    history = fit(
        model,
        train_pairs,
        steps=steps,
        epochs=epochs,
        loss="mse",
        optimizer=make_optimizer(),
        lr_patch=33 // SCALE,
        validation=val_images,
        callbacks=[keep_outputs(name, model)],  # only looks at the model: training is unchanged
        verbose=2,
    )
    runs[name] = dict(model=model, **history)

for name, run in runs.items():
    print(
        f"{name:<5} final loss {run['loss'][-1]:.5f} | validation PSNR "
        + " -> ".join(f"{p:.2f}" for p in run["val_psnr"])
        + f" dB | {run['seconds']:.0f} s"
    )

# %% [markdown]
# The curves: the training loss (the mean MSE of each epoch's patches, log scale) and the protocol PSNR on the
# validation images after each epoch, with bicubic for reference (the untrained network's PSNR, far below, is in
# the title).

# %%
at = [per_epoch * (k + 1) for k in range(epochs)]
fig, (ax_loss, ax_psnr) = plt.subplots(1, 2, figsize=(13, 4.2))
for name, run in runs.items():
    ax_loss.plot(at, run["loss"], "o-", label=name)
    ax_psnr.plot(at, run["val_psnr"], "o-", label=name)  # step 0 (untrained) is far below: in the title
ax_loss.set_yscale("log")
ax_loss.set_xlabel("training step")
ax_loss.set_ylabel("MSE (epoch mean)")
ax_loss.set_title("training loss")
ax_loss.legend()
ax_psnr.axhline(bicubic_val, color="gray", ls="--", label="bicubic")
shown = [p for run in runs.values() for p in run["val_psnr"]] + [bicubic_val]
ax_psnr.set_ylim(min(shown) - 0.5, max(shown) + 0.5)  # every point and the bicubic line inside the axes
ax_psnr.set_xlabel("training step")
ax_psnr.set_ylabel("PSNR (dB), Y, border cropped")
ax_psnr.set_title(f"validation PSNR (protocol, full images)\nat step 0 (untrained): {untrained_val:.1f} dB")
ax_psnr.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# Same network, same data, same steps: Adam learns faster here. SGD is not hopeless — with a larger learning
# rate it can come close — but it has to be tuned (the SRCNN authors used SGD with per-layer learning rates and
# trained for days on a GPU), while Adam works with its usual starting rate (here 1e-3, decayed along a cosine).

# %%
adam, sgd = runs["Adam"], runs["SGD"]
assert adam["val_psnr"][-1] > untrained_val + 3, "training should have raised the validation PSNR by several dB"
assert adam["val_psnr"][-1] > adam["val_psnr"][0] + 0.5, (
    "Adam's validation PSNR should keep rising after the first epoch"
)
assert adam["loss"][-1] < sgd["loss"][-1], "on the same budget Adam should reach a lower training loss than SGD"
assert adam["val_psnr"][-1] > sgd["val_psnr"][-1], (
    "on the same budget Adam should end above SGD on the validation images"
)
print(
    f"Adam ends {adam['val_psnr'][-1] - sgd['val_psnr'][-1]:+.2f} dB above SGD, "
    f"{adam['val_psnr'][-1] - bicubic_val:+.2f} dB from bicubic"
)

# %% [markdown]
# Look at the right-hand plot against the bicubic line. SRCNN starts far *below* bicubic: its input is
# already the bicubic image, but a freshly initialised network does not even pass it through — it must first
# learn to reproduce its input, then to improve on it. In the `quick` budget (200 steps) it stays well below
# bicubic; in the `cpu` budget (1,500 steps) the Adam run ends just above it; the pretrained model of the next
# section trained for much longer. (Lesson 05 shows the remedy, residual learning: predict only the difference from
# bicubic.)
#
# The same story in pictures: during both runs a callback kept the model's output on a crop of a validation
# image (Grace Hopper's glasses) before training and after every epoch. The viewer shows them with PSNR/SSIM
# against the HR crop (Y, border cropped) under the sliders; bicubic on the same crop is printed above it.

# %%
bicubic_view = bicubic_upscaler(SCALE)(view_lr)
print(
    f"bicubic on this crop: {psnr(view_hr, bicubic_view, crop_border=SCALE, y_channel=True):.2f} dB "
    f"(the captions: the model at that step, against HR)"
)
viz.flipbook(snapshots, names=("optimizer", "step"), reference=view_hr, crop_border=SCALE, width=360)

# %% [markdown]
# **Question.** Choose Adam and step through training. What does the untrained network (step 0) make of the
# bicubic image it is given, and where does the little colour that is left come from (section 1: SRCNN works
# on Y only)? From which step on does the caption beat bicubic's PSNR printed above, if it does in this
# budget? At the last step, where does the output still differ most from HR: the frames of the glasses, the
# wrinkles, or the flat background? Then switch to SGD at the same step: what has it not learned yet?
#
# ## 5. Test: on images never used for training or selection
# Now, and only now, the test split, with the protocol of published tables (`evaluate` with the `rgb`
# protocol: the RGB image is degraded, `srkit.upscale` runs SRCNN on Y and bicubic on Cb/Cr, PSNR/SSIM on Y,
# 3 pixels cropped). We compare bicubic, the Adam model just trained, and the **shipped pretrained SRCNN**,
# trained by the course maintainers with `srkit.train` for much longer (its record is in the manifest).

# %%
srcnn_pretrained = pretrained.load("srcnn-x3")
stages = pretrained.training_stages("srcnn-x3")  # one training record per run, first run first


def options(command, leave_out=("--preset", "--steps", "--seed", "--init-from", "--out")):
    # the command's options (each with its values), without the ones every run has
    groups = []
    for word in command.split()[3:]:  # after "python -m srkit.train"
        if word.startswith("--"):
            groups.append([word])
        elif groups:
            groups[-1].append(word)
    return " ".join(" ".join(g) for g in groups if g[0] not in leave_out) or "-"


print(f"first run: {stages[0]['command']}")
print(f"{'run':>3}{'steps':>9}{'min':>6}{'best val PSNR':>15}  other options")
for k, record in enumerate(stages, 1):
    print(
        f"{k:>3}{record['steps']:>9,}{record['seconds'] / 60:>6.0f}{record['best_val_psnr']:>12.2f} dB  "
        + options(record["command"])
    )
print(
    f"pretrained srcnn-x3: {sum(r['steps'] for r in stages):,} steps in {len(stages)} runs, "
    f"{sum(r['seconds'] for r in stages) / 60:.0f} min in all"
)

# %% [markdown]
# The three methods on the test split (the lambda adapts each model to `evaluate`'s "LR image in, SR image
# out" interface):

# %%
test_images = data.bundled("test")
methods = {
    "bicubic": bicubic_upscaler(SCALE),
    f"SRCNN, {steps} steps": lambda lr: srkit.upscale(lr, model=adam["model"], scale=SCALE),
    "SRCNN, pretrained": lambda lr: srkit.upscale(lr, model=srcnn_pretrained, scale=SCALE),
}
results = {name: evaluate(upscaler, test_images, scale=SCALE, crop_border=SCALE) for name, upscaler in methods.items()}

print(f"{'test image':<12}" + "".join(f"{name:>22}" for name in results))
for image in test_images:
    print(f"{image:<12}" + "".join(f"{r.psnr[image]:>13.2f} / {r.ssim[image]:.4f}" for r in results.values()))
print(f"{'mean':<12}" + "".join(f"{r.mean_psnr:>13.2f} / {r.mean_ssim:.4f}" for r in results.values()))

# %%
bicubic_test, pretrained_test = results["bicubic"], results["SRCNN, pretrained"]
gain = pretrained_test.mean_psnr - bicubic_test.mean_psnr
print(
    f"pretrained SRCNN vs bicubic on the test split: {gain:+.2f} dB PSNR, "
    f"{pretrained_test.mean_ssim - bicubic_test.mean_ssim:+.4f} SSIM"
)
assert gain > 0.35, f"the pretrained SRCNN should beat bicubic by a clear margin on the test split, got {gain:+.2f} dB"
assert all(pretrained_test.psnr[n] > bicubic_test.psnr[n] for n in test_images), "it should win on every test image"

# %% [markdown]
# For scale: on Set5 at ×3 the paper's 9-1-5 network, trained on 91 photographs, gained 2.0 dB over bicubic
# (32.39 against 30.39 dB). The shipped model, trained on only 15 images of mixed kinds (photographs,
# micrographs, textures, a scanned page), comes close to the paper's figure on Set5 (its score is in
# `MODEL_CARD.md`; lesson 07 measures it when Set5 is available). On our test split the gain printed above is
# smaller: those images are harder (texture, and a gray cameraman). Numbers are averages; zoomed crops show what changed.
# The PSNR under each title is that of the whole image.

# %%
crops = {"china": (250, 420, 90), "chelsea": (60, 160, 90)}  # (top, left, size) in HR pixels
fig, axes = plt.subplots(len(crops), 4, figsize=(15, 8.6), layout="constrained")
for row, (image, (y0, x0, size)) in zip(axes, crops.items()):
    lr, hr = data.make_pair(test_images[image], SCALE)
    panels = [("HR\n(ground truth)", hr, None)] + [
        (name, upscaler(lr), results[name].psnr[image]) for name, upscaler in methods.items()
    ]
    for ax, (title, im, score) in zip(row, panels):
        ax.imshow(im[y0 : y0 + size, x0 : x0 + size], interpolation="nearest")
        ax.set_title(title if score is None else f"{title}\n{score:.2f} dB")
        ax.axis("off")
fig.suptitle("Test images at x3, zoomed (PSNR on Y of the whole image, border cropped)")
plt.show()

# %% [markdown]
# ## 6. Apply: your own images
# `srkit.upscale(image, model=..., scale=...)` takes a plain uint8 (or float) image and returns one `scale`
# times larger, of the same kind. For a Y-only model like SRCNN it does what the paper did for colour images:
# convert to YCbCr, run the network on the bicubic-enlarged **Y**, enlarge **Cb and Cr with bicubic**, convert
# back. A gray image is its own Y. Here we enlarge photographs as they are (there is no HR image to compare
# with): a colour crop and a gray one.

# %%
photo = test_images["chelsea"][40:140, 140:290]  # colour, 100 x 150
gray = test_images["camera"][60:160, 180:280]  # gray, 100 x 100 (2-D)
enlarged = {
    name: (srkit.upscale(im, model=srcnn_pretrained, scale=SCALE), bicubic_upscaler(SCALE)(im))
    for name, im in [("colour", photo), ("gray", gray)]
}
for name, im in [("colour", photo), ("gray", gray)]:
    sr = enlarged[name][0]
    print(f"{name:<7} {im.shape} {im.dtype} -> {sr.shape} {sr.dtype}")
assert enlarged["colour"][0].shape == (300, 450, 3) and enlarged["gray"][0].shape == (300, 300)
assert enlarged["colour"][0].dtype == np.uint8, "uint8 in, uint8 out"

# %% [markdown]
# Where did SRCNN change the bicubic result, and in which channel? The last column shows the difference in Y
# (red: brighter than bicubic, blue: darker): SRCNN sharpens edges by steepening them. Cb and Cr stay (up
# to rounding) those of bicubic.

# %%
fig, axes = plt.subplots(2, 4, figsize=(16, 8.4))
for row, (name, im) in zip(axes, [("colour", photo), ("gray", gray)]):
    sr, bic = enlarged[name]
    kw = {} if name == "colour" else dict(cmap="gray", vmin=0, vmax=255)
    row[0].imshow(im, interpolation="nearest", **kw)
    row[0].set_title(f"input {im.shape[1]}x{im.shape[0]}")
    row[1].imshow(bic, **kw)
    row[1].set_title("bicubic x3")
    row[2].imshow(sr, **kw)
    row[2].set_title("SRCNN x3 (pretrained)")
    y_sr = rgb2ycbcr(sr)[..., 0] if sr.ndim == 3 else sr
    y_bic = rgb2ycbcr(bic)[..., 0] if bic.ndim == 3 else bic
    shown = row[3].imshow(y_sr.astype(float) - y_bic, cmap="RdBu_r", vmin=-20, vmax=20)
    row[3].set_title("Y: SRCNN - bicubic")
    fig.colorbar(shown, ax=row[3], fraction=0.046)
    for ax in row:
        ax.axis("off")
plt.tight_layout()
plt.show()

change = np.abs(rgb2ycbcr(enlarged["colour"][0]).astype(float) - rgb2ycbcr(enlarged["colour"][1])).mean(axis=(0, 1))
print(f"mean change from bicubic: Y {change[0]:.2f}, Cb {change[1]:.2f}, Cr {change[2]:.2f} grey levels")
assert change[0] > 2 * max(change[1], change[2]), "SRCNN works on Y; Cb and Cr come from bicubic"


# %% [markdown]
# ## Exercises
# Each exercise has a worked solution in the cell below it: read the task, try your own answer in that cell,
# then run the check cell.
#
# **Exercise 1.** A convolution with $n_\text{out}$ filters of size $f \times f$ over $n_\text{in}$ channels has
# $n_\text{out}(f^2 n_\text{in} + 1)$ parameters (weights plus one bias per filter). Write
# `srcnn_params(f1, f2, f3, n1, n2, channels=1)` that counts SRCNN's parameters by hand. The check compares
# it with `models.count_params` for 9-1-5, 9-5-5 and a few other shapes.


# %%
def srcnn_params(f1, f2, f3, n1, n2, channels=1):
    extract = n1 * (f1 * f1 * channels + 1)
    mapping = n2 * (f2 * f2 * n1 + 1)
    reconstruct = channels * (f3 * f3 * n2 + 1)
    return extract + mapping + reconstruct


srcnn_params(9, 1, 5, 64, 32)

# %%
for shape in [
    dict(f1=9, f2=1, f3=5, n1=64, n2=32),
    dict(f1=9, f2=5, f3=5, n1=64, n2=32),
    dict(f1=9, f2=3, f3=5, n1=32, n2=16),
    dict(f1=9, f2=1, f3=5, n1=64, n2=32, channels=3),
]:
    expected = models.count_params(models.srcnn(SCALE, **shape))
    assert srcnn_params(**shape) == expected, f"{shape}: expected {expected:,}, got {srcnn_params(**shape):,}"
print("Correct: 9-1-5 has 8,129 parameters and 9-5-5 57,281; the 9x9 first layer holds most of 9-1-5's.")

# %% [markdown]
# **Exercise 2.** Predict, without running anything, what happens to a **120×90** input: the length of the
# classifier's flattened feature vector (`flat_length`, before the dense layer; remember that a 2×2 pooling of
# an odd size rounds down), whether the classifier can classify it (`classifier_accepts`, True or False), and the
# shape of SRCNN's output (`srcnn_shape`, with the batch axis).

# %%
flat_length = (120 // 2 // 2) * (90 // 2 // 2) * 64  # 120 -> 60 -> 30, 90 -> 45 -> 22, 64 channels
classifier_accepts = False  # the dense layer was built for 8 * 8 * 64 = 4,096 inputs
srcnn_shape = (1, 120, 90, 1)  # fully convolutional: same size, one channel (Y)
flat_length, classifier_accepts, srcnn_shape

# %%
x = np.zeros((1, 120, 90, 1), dtype="float32")
for layer in clf.layers[1:-1]:  # everything up to the dense layer
    x = layer(x)
assert flat_length == x.shape[-1], f"the flattened vector has {x.shape[-1]:,} values, not {flat_length:,}"
try:
    clf.layers[-1](x)
    accepted = True
except ValueError:
    accepted = False
assert classifier_accepts == accepted, "the dense layer expects exactly 4,096 inputs"
assert tuple(srcnn_shape) == tuple(srcnn(np.zeros((1, 120, 90, 1), "float32")).shape), (
    "SRCNN keeps the size of its input"
)
print("Correct: pooling shrinks, flattening ties the size; SRCNN maps 120x90 to 120x90.")

# %% [markdown]
# **Exercise 3.** The **receptive field** of an output pixel is the set of input pixels that can change it.
# A single pixel sees itself (1 pixel), and each $f \times f$ convolution widens that by $f - 1$ pixels.
# Compute SRCNN 9-1-5's `receptive_field` (its side, in pixels) from this rule, then check it empirically with
# the pretrained model: perturb the
# centre pixel of a 41×41 noisy gray image, find which output pixels change at all, and store the height and
# width of the changed region in `changed_extent`.

# %%
receptive_field = 9 + 1 + 5 - 2
probe = (0.5 + np.random.default_rng(0).uniform(-0.1, 0.1, (1, 41, 41, 1))).astype("float32")
bumped = probe.copy()
bumped[0, 20, 20, 0] += 0.3
changed = np.abs(np.asarray(srcnn_pretrained(bumped)) - np.asarray(srcnn_pretrained(probe)))[0, ..., 0] > 0
rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
changed_extent = (int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1))
receptive_field, changed_extent

# %%
assert receptive_field == 13, "each f x f layer adds f - 1 pixels: 1 + (9 - 1) + (1 - 1) + (5 - 1) = 13"
assert tuple(changed_extent) == (13, 13), (
    f"the changed region is {changed_extent}; did you perturb one pixel away from the border?"
)
print("Correct: one input pixel influences a 13x13 square of outputs, and each output sees 13x13 inputs.")
print(
    "With bicubic pre-upsampling that is only about 13 / 3 + 3 = 7 LR pixels (bicubic's 4 taps add 3) - a reason later networks go deeper."
)


# %% [markdown]
# **Exercise 4.** Keras reported a training loss (the MSE of the last epoch's patches, in $[0,1]$) for the
# Adam run. Write `psnr_from_mse(mse, peak=1.0)`, convert that loss to a PSNR (`loss_psnr`), and compute the
# MSE a model 1 dB better would need (`mse_one_db_better`). Why is `loss_psnr` not the validation PSNR?


# %%
def psnr_from_mse(mse, peak=1.0):
    return 10 * math.log10(peak**2 / mse)


final_loss = adam["loss"][-1]
loss_psnr = psnr_from_mse(final_loss)
mse_one_db_better = final_loss * 10**-0.1
print(f"loss {final_loss:.5f} -> {loss_psnr:.2f} dB; 1 dB better needs MSE {mse_one_db_better:.5f}")

# %%
assert abs(psnr_from_mse(1e-3) - 30) < 1e-9 and abs(psnr_from_mse(65.025, peak=255) - 30) < 1e-9, (
    "PSNR = 10 log10(peak^2 / MSE): 0.001 on [0, 1] images, or 65.025 on 0..255 images, is 30 dB"
)
assert abs(loss_psnr - 10 * math.log10(1 / adam["loss"][-1])) < 1e-9, "convert adam['loss'][-1], the last epoch"
assert abs(psnr_from_mse(mse_one_db_better) - loss_psnr - 1) < 1e-9, "+1 dB is an MSE 10**-0.1 = 0.79 times smaller"
print(
    f"Correct. {loss_psnr:.2f} dB (loss) vs {adam['val_psnr'][-1]:.2f} dB (validation) measure different things: the loss pools"
)
print("the errors of random patches of the *training* images into one MSE (section 3); the validation PSNR is the mean")
print("of per-image PSNRs of whole, unseen validation images, border cropped, after rounding to uint8.")

# %% [markdown]
# ## Summary
# - **Data:** aligned LR/HR pairs from the training split only; SRCNN takes 33×33 patches of Y, the LR patch
#   enlarged with bicubic to the HR size.
# - **Network:** a classifier's pooling, dense layer and softmax turn an image into a few class probabilities
#   and fix the input size. SRCNN is three convolutions (patch extraction 9×9×64, non-linear mapping 1×1×32,
#   reconstruction 5×5): 8,129 parameters, a 13×13 receptive field, any input size, an output of the same size.
# - **Loss:** MSE; on $[0,1]$ images PSNR $= 10\log_{10}(1/\mathrm{MSE})$, so lowering the loss raises PSNR —
#   but the protocol averages per-image PSNRs on full images, which the loss does not.
# - **Optimisation:** on the same budget, Adam's per-parameter step sizes learned faster than SGD with momentum.
#   In the `quick` budget the briefly trained SRCNN is still below bicubic: it must first learn to copy its input.
# - **Test:** on unseen images, the pretrained SRCNN beats bicubic on every test image, most visibly at edges.
# - **Apply:** `srkit.upscale` runs SRCNN on Y and bicubic on Cb/Cr, for colour and gray images alike.
#
# ## Questions you should now be able to answer
# 1. Why does SRCNN take a bicubic-enlarged image as input, and what does that cost in computation compared with
#    working on the LR image?
# 2. Which three habits of classification networks does SRCNN avoid, and why would each of them hurt SR?
# 3. What do SRCNN's three layers do, and how many parameters does each have?
# 4. Why is minimising the MSE the same as maximising PSNR on a batch, but not the same as maximising the mean
#    PSNR of a test set?
# 5. Why can a freshly initialised SRCNN score far below bicubic, although bicubic is its input?
# 6. Why must the learning-rate and optimiser comparison be made on validation images, never on test images?
