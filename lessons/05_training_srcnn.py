# %% [markdown]
# # 05 · Training SRCNN: optimisation, test and application
#
# Lesson 04 prepared everything SRCNN needs except training: the patches of Y, the network and the loss (the
# MSE, PSNR in disguise on a batch). This lesson takes the last three steps of the project, **optimisation → test → apply**: it trains
# SRCNN with two optimisers on the same budget, gives it a head start from weights that already know how to
# sharpen, scores it on images that played no part in training or selection against bicubic and the shipped
# pretrained SRCNN, and upscales colour and gray images with it.
#
# **What you will learn**
# - to train SRCNN with SGD and with Adam on the same budget, and to read training curves scored with the
#   published protocol;
# - why a freshly initialised SRCNN starts below bicubic, and what a start from trained weights buys;
# - to test on held-out images against bicubic, to compare with the shipped pretrained SRCNN, and to upscale
#   colour and gray images of your own.
#
# **Time needed:** about 40 minutes to read (exercises not counted); the code runs in about 3 min
# with the `cpu` budget (measured on a 2-core CPU): about 43 minutes in all.

# %% [markdown]
# ## Set-up
# The same first cell as in every lesson, then this lesson's imports and what it takes over from lesson 04: the
# ×3 training pairs and the validation images.

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

from srkit import data, models, pretrained, viz
from srkit.color import rgb2ycbcr
from srkit.evaluate import bicubic_upscaler, evaluate
from srkit.metrics import psnr
from srkit.training import fit

SCALE = 3  # SRCNN's headline factor; everything below is x3
train_pairs = data.make_pairs(data.bundled("train"), SCALE)
val_images = data.bundled("validation")
print(f"{len(train_pairs)} training pairs at x{SCALE}; validation images: {', '.join(val_images)}")

# %% [markdown]
# ## 1. Optimisation: SGD against Adam
# The optimiser turns gradients into weight updates. **SGD** steps against the gradient, times a learning
# rate; with **momentum** (0.9, as in the SRCNN paper) it keeps 90 % of its previous step, which speeds it along
# consistent directions. **Adam** ([Kingma & Ba, 2015](../course/references.md#kingma-and-ba-2015)) also divides each parameter's step by a running estimate
# of that parameter's gradient size, so layers with small gradients are not left behind. We train the same
# network from the **same initial weights**, on the **same patches in the same order**, for the same number of
# steps (set by the budget); only the optimiser differs. Both start from a standard learning rate (SGD: 0.01,
# Adam: 0.001) and lower it along a **cosine decay**: after step $t$ of $T$ the rate is
# $\eta_t = \eta_\text{end} + (\eta_0 - \eta_\text{end})\,\tfrac12\bigl(1 + \cos(\pi t / T)\bigr)$, with
# $\eta_\text{end}$ 10 % of $\eta_0$: large steps while the weights are far from good, small ones at the end,
# where large steps would only jump around the minimum. (Keras: `keras.optimizers.schedules.CosineDecay`.)

# %%
steps = budget.pick(quick=90, cpu=1500, gpu=20_000)
epochs = budget.pick(quick=3, cpu=10, gpu=10)  # validation points
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
# Same network, data and steps: Adam learns faster here. SGD can come close with a tuned learning rate (the
# SRCNN authors used per-layer rates and trained for days on a GPU); Adam works with its usual starting rate.

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
# learn to reproduce its input, then to improve on it, and a short run spends most of its steps on that. Section 2 starts from weights that
# already pass the image through; lesson 07 shows another remedy, residual learning: predict only the
# difference from bicubic.
#
# The same story in pictures: a callback kept each run's output on a validation crop (Grace Hopper's glasses)
# before training and after every epoch; the viewer shows them with PSNR/SSIM against HR (bicubic's is printed
# above it).

# %%
bicubic_view = bicubic_upscaler(SCALE)(view_lr)
print(
    f"bicubic on this crop: {psnr(view_hr, bicubic_view, crop_border=SCALE, y_channel=True):.2f} dB "
    f"(the captions: the model at that step, against HR)"
)
viz.flipbook(snapshots, names=("optimizer", "step"), reference=view_hr, crop_border=SCALE, width=360)

# %% [markdown]
# **Question.** Choose Adam and step through training. What does the untrained network (step 0) make of the
# bicubic image it is given, and where does the little colour that is left come from (lesson 04, section 1:
# SRCNN works on Y only)? From which step on does the caption beat bicubic's PSNR printed above, if it does in this
# budget? At the last step, where does the output still differ most from HR: the frames of the glasses, the
# wrinkles, or the flat background? Then switch to SGD at the same step: what has it not learned yet?
#
# ## 2. A head start: weights that already sharpen
# A freshly initialised SRCNN spends its first steps learning to copy its input. The shipped `srcnn-x2` is the
# same 9-1-5 network trained on the same split for ×2: its input is a bicubic-enlarged image too, so it already
# passes the image through and steepens its edges. SRCNN has no layer that depends on the scale, so
# `pretrained.transfer` copies all three layers into a fresh ×3 network (lesson 08 does this for networks
# whose last layers depend on the scale). We score that start at ×3 on the validation images, then train it at
# ×3 like section 1's Adam run (same patches, same learning rate and cosine decay: `fit`'s default
# optimiser), for fewer steps.

# %%
head_steps = budget.pick(quick=40, cpu=500, gpu=5000)

keras.utils.set_random_seed(0)
head_start = models.build("srcnn-915", scale=SCALE)
copied = pretrained.transfer("srcnn-x2", head_start)
start_val = evaluate(
    lambda lr: srkit.upscale(lr, model=head_start, scale=SCALE), val_images, scale=SCALE, crop_border=SCALE
).mean_psnr
print(f"copied from srcnn-x2: {copied}; validation PSNR at x3 before any x3 step: {start_val:.2f} dB")
head = fit(
    head_start,
    train_pairs,
    steps=head_steps,
    loss="mse",
    learning_rate=0.001,  # Adam, cosine decay to a tenth over the steps: section 1's Adam run
    lr_patch=33 // SCALE,
    validation=val_images,
    verbose=2,
)
head_val = head["val_psnr"][-1]
print(
    f"validation PSNR: bicubic {bicubic_val:.2f}, x2 weights {start_val:.2f}, after {head_steps} steps {head_val:.2f} dB"
)
assert len(copied) == 3, "SRCNN has no scale-dependent layer: all three convolutions are copied"
assert start_val > bicubic_val + 0.1, "the x2 weights should already beat bicubic at x3 before any x3 step"
assert head_val > start_val + 0.05, "training at x3 should add to what the x2 weights give"
assert head_val > bicubic_val + 0.2, "started from the x2 weights, a short run should beat bicubic on validation"

# %% [markdown]
# The ×2 weights start above bicubic at ×3 before a single ×3 step, and the steps at ×3 add to that: they adapt
# the filters to the wider blur of a ×3 image. Section 3 tests the model you have just trained.
#
# ## 3. Test: on images never used for training or selection
# Now, and only now, the test split, with the protocol of published tables (`evaluate` with the `rgb`
# protocol: the RGB image is degraded, `srkit.upscale` runs SRCNN on Y and bicubic on Cb/Cr, PSNR/SSIM on Y,
# 3 pixels cropped). We compare bicubic, the two Adam models of sections 1 and 2, and the **shipped pretrained
# SRCNN**, trained by the course maintainers with `srkit.train` for much longer (its record is in the manifest).

# %%
srcnn_pretrained = pretrained.load("srcnn-x3")
stages = pretrained.training_stages("srcnn-x3")  # one training record per run, first run first
print(f"first run: {stages[0]['command']}\nlast run:  {stages[-1]['command']}")
print(
    f"pretrained srcnn-x3: {sum(r['steps'] for r in stages):,} steps in {len(stages)} runs, "
    f"{sum(r['seconds'] for r in stages) / 60:.0f} min in all; best validation PSNR after each run: "
    + ", ".join(f"{r['best_val_psnr']:.2f}" for r in stages)
    + " dB"
)

# %% [markdown]
# The four methods on the test split (the lambda adapts each model to `evaluate`'s "LR image in, SR image
# out" interface):

# %%
test_images = data.bundled("test")
methods = {
    "bicubic": bicubic_upscaler(SCALE),
    f"SRCNN, {steps} steps": lambda lr: srkit.upscale(lr, model=adam["model"], scale=SCALE),
    f"SRCNN, x2 + {head_steps} steps": lambda lr: srkit.upscale(lr, model=head_start, scale=SCALE),
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

own_test = results[f"SRCNN, x2 + {head_steps} steps"]
own_gain = {n: own_test.psnr[n] - bicubic_test.psnr[n] for n in test_images}
print(
    "the SRCNN you trained from the x2 weights vs bicubic: "
    + ", ".join(f"{n} {g:+.2f}" for n, g in own_gain.items())
    + f" dB; mean {own_test.mean_psnr - bicubic_test.mean_psnr:+.2f} dB"
)
assert max(own_gain.values()) > 0.2, "the SRCNN trained from the x2 weights should beat bicubic clearly on a test image"
assert own_test.mean_psnr > bicubic_test.mean_psnr + 0.1, "... and on the test split as a whole"

# %% [markdown]
# For scale: on [Set5](../course/references.md#bevilacqua-et-al-2012) at ×3 the paper's 9-1-5 network, trained on [91 photographs](../course/references.md#yang-et-al-2010), gained 2.0 dB over bicubic
# (32.39 against 30.39 dB). The shipped model, trained on only 15 images of mixed kinds, comes close to that on
# Set5 (`MODEL_CARD.md`; lesson 12 measures it when Set5 is available). On our test split the gain printed above is
# smaller: those images are harder (texture, and a gray cameraman). The model you trained from the ×2 weights
# beats bicubic too: the second line printed above gives its gain on each test image. Zoomed crops show what
# changed; the PSNR under each title is the whole image's.

# %%
crops = {"china": (250, 420, 90), "chelsea": (60, 160, 90)}  # (top, left, size) in HR pixels
fig, axes = plt.subplots(len(crops), 5, figsize=(18, 8.2), layout="constrained")
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
# ## 4. Apply: your own images
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
# The last column shows where SRCNN changed the bicubic result in Y (red: brighter, blue: darker): it sharpens
# edges by steepening them. Cb and Cr stay (up to rounding) those of bicubic.

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
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1 (a start that is already bicubic).** A fresh SRCNN starts far below bicubic because it does
# not pass its input through (section 1). Write `identity_srcnn()`: a 9-1-5 SRCNN
# (`models.build("srcnn-915", scale=SCALE)`) whose weights you set by hand (`layer.get_weights()` and
# `layer.set_weights`) so that its output equals its input for every image in $[0, 1]$. Where would training
# start from it?


# %% tags=["stub"]
def identity_srcnn():
    raise NotImplementedError("Exercise 1: an SRCNN whose output is its input")


# %% tags=["solution"]
def identity_srcnn():
    model = models.build("srcnn-915", scale=SCALE)
    for layer in model.layers[1:]:  # extract, map, reconstruct
        kernel, bias = layer.get_weights()  # kernel: (f, f, channels in, filters)
        kernel[:] = 0
        kernel[kernel.shape[0] // 2, kernel.shape[1] // 2, 0, 0] = 1  # channel 0 -> channel 0, centre tap only
        layer.set_weights([kernel, np.zeros_like(bias)])  # inputs >= 0 pass the ReLUs unchanged
    return model


# %% tags=["check"]
net = identity_srcnn()
assert models.count_params(net) == 8129, "start from the 9-1-5 SRCNN of models.build"
for h, w in [(33, 33), (50, 70)]:
    x = np.random.default_rng(h).uniform(0, 1, (1, h, w, 1)).astype("float32")
    off = float(np.abs(np.asarray(net(x)) - x).max())
    assert off < 1e-5, f"on a {h}x{w} input in [0, 1] the output differs from the input by up to {off:.3f}"
print("Correct: this network *is* bicubic; training from it starts at bicubic's PSNR, not far below it.")

# %% [markdown]
# **Exercise 2 (why Adam learned faster).** Take **one** training step from the same initial weights
# (`keras.utils.set_random_seed(0)`, then `models.build`) on the batch `x_batch, y_batch` below with each
# optimiser of section 1 (`model.compile(optimizer=optimizers[name](), loss="mse")`, then
# `model.train_on_batch`), and store in `step_size` the mean absolute change of the kernel of each of the three
# layers: `{"SGD": [extract, map, reconstruct], "Adam": [...]}`. How large is each layer's step under each one?

# %%
x_batch, y_batch = next(
    iter(data.patch_dataset(train_pairs, scale=SCALE, patch_size=33, color="y", upsample_input=True, seed=0))
)

# %% tags=["stub"]
step_size = {"SGD": None, "Adam": None}  # three numbers each

# %% tags=["solution"]
step_size = {}
for name, make_optimizer in optimizers.items():
    keras.utils.set_random_seed(0)
    model = models.build("srcnn-915", scale=SCALE)
    before = [layer.get_weights()[0] for layer in model.layers[1:]]
    model.compile(optimizer=make_optimizer(), loss="mse")
    model.train_on_batch(x_batch, y_batch)
    step_size[name] = [float(np.mean(np.abs(layer.get_weights()[0] - w))) for layer, w in zip(model.layers[1:], before)]
step_size

# %% tags=["check"]
import tensorflow as tf

assert all(np.shape(step_size.get(k)) == (3,) for k in ("SGD", "Adam")), "give three numbers for each optimiser"
keras.utils.set_random_seed(0)
fresh = models.build("srcnn-915", scale=SCALE)
with tf.GradientTape() as tape:
    loss = tf.reduce_mean((fresh(x_batch) - y_batch) ** 2)
gradients = [np.abs(np.asarray(g)) for g in tape.gradient(loss, [layer.kernel for layer in fresh.layers[1:]])]
for layer, sgd_step, adam_step, g in zip(
    ["extract", "map", "reconstruct"], step_size["SGD"], step_size["Adam"], gradients
):
    assert abs(sgd_step - 0.01 * g.mean()) < 1e-3 * sgd_step, f"SGD's step in {layer} is not what one step changes"
    assert 0.5e-3 < adam_step <= 1e-3, f"Adam's step in {layer} is not what one step from seed 0 changes"
sgd, adam = np.array(step_size["SGD"]), np.array(step_size["Adam"])
print(f"Correct: SGD's steps follow the gradients, {sgd.max() / sgd.min():.0f}x apart between layers and")
print(f"{adam.mean() / sgd.mean():.0f}x smaller than Adam's, whose first step moves every weight by about its rate.")

# %% [markdown]
# **Exercise 3.** Write `upscale_colour(image, model)`: what `srkit.upscale` does with a uint8 RGB `image` and a
# Y-only model such as SRCNN (section 4), without calling it, in floats until the final rounding to a uint8 RGB
# image `SCALE` times larger. The check runs it on `photo` with the pretrained SRCNN and compares it with
# section 4's `srkit.upscale` result.

# %%
from srkit.color import ycbcr2rgb


# %% tags=["stub"]
def upscale_colour(image, model):
    raise NotImplementedError("Exercise 3: section 4's colour pipeline")


# %% tags=["solution"]
def upscale_colour(image, model):
    ycc = rgb2ycbcr(image / 255.0)  # floats: Y in [16/255, 235/255]
    big = bicubic_upscaler(SCALE)(ycc)  # Cb and Cr stay bicubic
    big[..., 0] = np.asarray(model(big[None, ..., :1].astype("float32")))[0, ..., 0]  # the network sharpens Y
    return data.to_uint8(np.clip(ycbcr2rgb(big), 0, 1))


upscale_colour(photo, srcnn_pretrained).shape

# %% tags=["check"]
mine = np.asarray(upscale_colour(photo, srcnn_pretrained))
reference, bicubic_colour = enlarged["colour"]  # srkit.upscale and bicubic, section 4
assert mine.shape == reference.shape and mine.dtype == np.uint8, (
    "return a uint8 RGB image SCALE times larger than the input"
)
difference = np.abs(mine.astype(int) - reference.astype(int))
nearer_bicubic = np.abs(mine.astype(int) - bicubic_colour.astype(int)).mean() < difference.mean()
assert difference.max() <= 1 and difference.mean() < 0.01, (
    "that is close to bicubic: replace the enlarged Y by the network's output"
    if nearer_bicubic
    else "not srkit.upscale's result: stay in floats until the end, run the network on the enlarged Y only, and "
    "keep Cb and Cr from bicubic"
)
print("Correct: the network touches Y only; colour comes from bicubic, as the paper did.")

# %% [markdown]
# ## Summary
# - **Optimisation:** on the same budget, Adam's per-parameter step sizes learned faster than SGD with momentum;
#   both lower the learning rate along a cosine. A freshly initialised SRCNN starts far below bicubic: it must
#   first learn to copy its input.
# - **Head start:** SRCNN has no scale-dependent layer, so the weights of the ×2 SRCNN load into a ×3 network
#   unchanged; they beat bicubic at ×3 from the start, and a short run at ×3 adds to them and beats bicubic on
#   test images too.
# - **Test:** on unseen images, the pretrained SRCNN beats bicubic on every test image, most visibly at edges.
# - **Apply:** `srkit.upscale` runs SRCNN on Y and bicubic on Cb/Cr, for colour and gray images alike.
#
# ## Questions you should now be able to answer
# 1. What does Adam do with each parameter's step that SGD with momentum does not, and why lower the learning
#    rate towards the end of training?
# 2. Why can a freshly initialised SRCNN score far below bicubic, although bicubic is its input?
# 3. Why can the weights of a ×2 SRCNN start a ×3 training run, and what does that start save?
# 4. Why must the learning-rate and optimiser comparison be made on validation images, never on test images?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. Adam divides each parameter's step by a running estimate of the size of that parameter's gradient (and
#    averages the gradients like momentum), so every parameter moves at a similar pace, even in layers whose
#    gradients are small; SGD with momentum uses one learning rate for all, with steps proportional to the
#    gradient. The rate is lowered at the end because large steps would only jump around the minimum; small
#    ones settle into it (the cosine decay to a tenth of the start rate).
# 2. Random initial weights do not implement the identity: the network's first output is an arbitrary filtered
#    version of its input (at step 0 of the flip-book, nothing like the image), so its PSNR is far below that
#    of the bicubic image it was given. It must first learn to pass the image through, then to improve on it.
# 3. SRCNN's three convolutions have the same shapes at every scale, and at ×2 and ×3 alike the input is a
#    bicubic-enlarged image of the HR size: the ×2 weights already copy it and steepen its edges, a good
#    start for ×3. That start saves the steps a fresh network spends learning to copy its input; section 2's
#    start already beats bicubic before any ×3 step.
# 4. The test images must give an unbiased estimate of the quality on new images. Choosing the optimiser or the
#    learning rate by their test score makes the test split part of the selection: the winner's score is then
#    optimistic. Choose on validation, and score on the test split once, at the end.
