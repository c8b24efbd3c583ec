# %% [markdown]
# # 14 · Real-world degradations: blur, noise, JPEG and a model fine-tuned for them
#
# Lesson 13 applied the shipped models to your own images, to whole folders and to scientific images. Like
# every model so far, they were trained on the benchmarks' clean bicubic LR (lessons 11 and 12), and a photo
# from a phone or the web is not made that way. This lesson measures what the mismatch costs the shipped models,
# fine-tunes one of them on a camera-like degradation, and shows why a model meant for such images must also be
# *selected* on that degradation. Lesson 15 then deploys the models.
#
# **What you will learn**
# - what a "real-world" degradation is, and why bicubic-trained models lose their whole gain on it (measured);
# - how fine-tuning a shipped model on that degradation wins part of it back, and why its pretrained weights
#   are a head start that training from scratch does not have;
# - why the model must be *selected* on the degradation it will meet, not on the benchmark's yardstick;
# - to measure which model suits your images although they have no ground truth (a smaller copy of your image
#   has one).
#
# **Time needed:** about 40 minutes to read (exercises not counted); the code runs in about 3 min
# with the `cpu` budget (measured on a 2-core CPU): about 43 minutes in all.

# %% [markdown]
# ## Set-up
# The same first cell as in every lesson (JupyterLab or Colab), then the imports of this lesson and your image
# from lesson 13: the first image in `data/my_images/` (an upload is not kept between lessons: put your image
# into that folder), else the bundled test image `chelsea`.

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
import contextlib
import io
import shutil
import tempfile
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from srkit import data, download, pretrained, train, viz
from srkit.color import to_y
from srkit.evaluate import evaluate
from srkit.metrics import psnr
from srkit.resize import imresize, modcrop

tf.get_logger().setLevel("ERROR")  # no INFO lines from TensorFlow in the outputs below
SCALE = 3
WORK = Path(tempfile.mkdtemp(prefix="srkit-lesson14-"))  # everything this lesson writes goes here
test_images, val_images = data.bundled("test"), data.bundled("validation")
MY_IMAGES = download.data_dir() / "my_images"  # lesson 13, section 1
if MY_IMAGES.is_dir() and any(p.suffix.lower() in data.IMAGE_SUFFIXES for p in MY_IMAGES.iterdir()):
    name, mine = next(iter(data.load_folder(MY_IMAGES).items()))
else:
    name, mine = "chelsea", test_images["chelsea"]
h, w = mine.shape[:2]
side = min(180, h, w)  # a central crop, as in lesson 13
crop = mine[(h - side) // 2 : (h - side) // 2 + side, (w - side) // 2 : (w - side) // 2 + side]
print(f"your image: {name}, {w} x {h} pixels; this lesson writes only into {WORK}")

# %% [markdown]
# ## 1. Real LR images: blur, noise and JPEG
# Every model so far learned one mapping: from LR images made by MATLAB-bicubic downscaling back to HR. Real
# LR images are made differently: a lens and a sensor blur, the sensor adds noise, and the file is
# JPEG-compressed (JPEG codes each 8×8 block of pixels on its own and drops its finest detail, so at low
# quality the block edges show). `srkit.data.degrade(hr, scale, kind="real")` is a fixed version of the
# first-order model of Real-ESRGAN ([Wang et al., ICCVW 2021](../course/references.md#wang-et-al-2021); "first-order": the chain is applied once, where
# Real-ESRGAN applies it twice): Gaussian blur (σ = 1.0), bicubic downscaling, Gaussian noise (σ = 5
# grey levels), JPEG at quality 40. The two LR images below come from the same HR image:

# %%
hr_china = modcrop(test_images["china"], SCALE)
lr_clean = data.degrade(hr_china, SCALE, kind="bicubic")
lr_real = data.degrade(hr_china, SCALE, kind="real", seed=0)
y0, x0, n = 40, 120, 48
fig, axes = plt.subplots(1, 3, figsize=(13, 4.4))
axes[0].imshow(lr_clean[y0 : y0 + n, x0 : x0 + n], interpolation="nearest")
axes[0].set_title("bicubic LR (the benchmarks)")
axes[1].imshow(lr_real[y0 : y0 + n, x0 : x0 + n], interpolation="nearest")
axes[1].set_title("'real' LR: blur, noise, JPEG q40")
difference = to_y(lr_real).astype(float) - to_y(lr_clean).astype(float)
shown = axes[2].imshow(difference[y0 : y0 + n, x0 : x0 + n], cmap="RdBu_r", vmin=-25, vmax=25)
axes[2].set_title("difference of Y (real - bicubic)")
fig.colorbar(shown, ax=axes[2], fraction=0.046)
for ax in axes:
    ax.axis("off")
plt.tight_layout()
plt.show()
print(f"the two LR images differ by {np.abs(difference).mean():.1f} grey levels on average (Y)")


# %% [markdown]
# How do the shipped models, all trained on bicubic LR, cope? We score them on the four test images with both
# kinds of LR (PSNR on Y, border cropped; the noise is seeded, so the numbers repeat). `evaluate(..., degradation=, seed=)` makes
# the LR images of either kind; a small function fixes the other arguments:


# %%
def score_on(upscaler, degradation, images=test_images, seed=100):
    # mean PSNR (Y, crop = scale) with srkit.evaluate, on LR images made with `degradation` (seed + i for image i)
    return evaluate(upscaler, images, scale=SCALE, crop_border=SCALE, degradation=degradation, seed=seed).mean_psnr


shipped = {n: pretrained.load(n) for n in ["espcn-x3", "fsrcnn-x3", "edsr-small-x3"]}
upscalers = {
    "bicubic": lambda lr: imresize(lr, SCALE),
    **{n: (lambda lr, m=m: srkit.upscale(lr, model=m, scale=SCALE)) for n, m in shipped.items()},
}
real_table = {n: {d: score_on(up, d) for d in ("bicubic", "real")} for n, up in upscalers.items()}
base = real_table["bicubic"]
print(f"{'test split, x3':<16}{'bicubic LR':>12}{'gain':>8}{'real LR':>11}{'gain':>8}")
for n, row in real_table.items():
    print(
        f"{n:<16}{row['bicubic']:>12.2f}{row['bicubic'] - base['bicubic']:>+8.2f}{row['real']:>11.2f}"
        f"{row['real'] - base['real']:>+8.2f}"
    )
assert all(real_table[n]["bicubic"] - base["bicubic"] > 0.4 for n in shipped), "on bicubic LR every model gains"
assert all(real_table[n]["real"] - base["real"] < 0.1 for n in shipped), "on real LR the gain is gone"

# %% [markdown]
# On the degradation they were trained for, every model gains clearly over bicubic (the first gain column); on
# the realistic one **their whole gain is gone** — they do no better than bicubic, EDSR-small included. A network learns the
# statistics of its training inputs: in bicubic LR every fine variation is signal, so the model sharpens it;
# noise and JPEG's 8×8 blocks look like texture to it, and it sharpens them too (exercise 1 finds which step
# hurts most). Bicubic interpolation, which barely sharpens (its kernel's negative lobes are small), smooths them a little.

# %% [markdown]
# ## 2. Fine-tuning on the degradation you will meet
# The remedy is to **train on the degradation you will meet**. `srkit.train.train(..., degradation="real")`
# makes the training LR images with it (4 noise realisations per image). Starting from the shipped
# `fsrcnn-x3` (`init_from=`) is much cheaper than starting from scratch: the network already knows about edges.
# One more thing matters: which checkpoint to keep. The benchmark's yardstick (PSNR on bicubic validation LR)
# is the wrong one for a model meant for real LR, so `train` validates on LR made with the degradation it
# trains on (fixed seeds) and keeps the best weights by *that* measure. To see how far the two yardsticks
# disagree, we add a callback that also scores each epoch on the bicubic validation LR.


# %%
real_steps = budget.pick(quick=200, cpu=2000, gpu=20_000)


class BicubicValidation(keras.callbacks.Callback):
    # after each epoch: PSNR on the validation images with the benchmarks' bicubic LR (train() itself
    # validates, and keeps its best.keras, on the degradation it trains on: 'real', seeds 1000, 1001, ...)
    def __init__(self):
        super().__init__()
        self.psnr = []

    def on_epoch_end(self, epoch, logs=None):
        self.psnr.append(
            score_on(lambda lr: srkit.upscale(lr, model=self.model, scale=SCALE, tile=None), "bicubic", val_images)
        )


real_runs = {}
for label, init in [("fine-tuned from fsrcnn-x3", "fsrcnn-x3"), ("from scratch", None)]:
    on_bicubic = BicubicValidation()
    with contextlib.redirect_stdout(io.StringIO()):  # train() prints one line per epoch
        net, record = train.train(
            "fsrcnn-x3",
            steps=real_steps,
            degradation="real",
            init_from=init,
            verbose=0,
            out=WORK / f"real-{label.split()[0]}",
            extra_callbacks=[on_bicubic],
        )
    real_runs[label] = dict(
        model=net, real_val=record["history"]["val_psnr"], bicubic_val=on_bicubic.psnr, seconds=record["seconds"]
    )
    print(
        f"{label:<26} {real_steps} steps in {record['seconds']:.0f} s; validation PSNR on real LR: "
        + " -> ".join(f"{p:.2f}" for p in record["history"]["val_psnr"][::3])
        + " dB"
    )

# %%
at = np.arange(0, 11) * real_steps // 10  # step 0: the shipped fsrcnn-x3, where fine-tuning starts
fine, scratch = real_runs["fine-tuned from fsrcnn-x3"], real_runs["from scratch"]
start_real = score_on(upscalers["fsrcnn-x3"], "real", val_images, seed=1000)  # train()'s validation LR
start_bicubic = score_on(upscalers["fsrcnn-x3"], "bicubic", val_images)
fig, (ax_real, ax_bic) = plt.subplots(1, 2, figsize=(13, 4.2))
ax_real.plot(at, [start_real] + fine["real_val"], "o-", label="fine-tuned from fsrcnn-x3")
ax_real.plot(at[1:], scratch["real_val"], "o-", label="from scratch")
ax_real.axhline(score_on(upscalers["bicubic"], "real", val_images, seed=1000), color="gray", ls="--", label="bicubic")
ax_bic.plot(at, [start_bicubic] + fine["bicubic_val"], "o-", label="fine-tuned from fsrcnn-x3")
ax_bic.axhline(score_on(upscalers["bicubic"], "bicubic", val_images), color="gray", ls="--", label="bicubic")
ax_real.set_title("validation on REAL LR (what train() selects on)")
ax_bic.set_title("validation on BICUBIC LR (the benchmarks' yardstick)")
for ax in (ax_real, ax_bic):
    ax.set_xlabel("training step (0: the shipped model)")
    ax.set_ylabel("PSNR (dB)")
    ax.legend()
plt.tight_layout()
plt.show()
print(
    f"fine-tuned, on real LR: shipped {start_real:.2f} dB -> best {max(fine['real_val']):.2f} dB (epoch "
    f"{int(np.argmax(fine['real_val'])) + 1} of 10); on bicubic LR: shipped {start_bicubic:.2f} dB -> "
    f"{fine['bicubic_val'][-1]:.2f} dB at the end"
)
assert fine["bicubic_val"][-1] < start_bicubic, "specialising on real LR costs PSNR on bicubic LR"

# %% [markdown]
# Two ideas in one figure. **Pretrained weights are the cheap win**: after a possible short dip (the first steps
# at Adam's full learning rate shake the weights), the fine-tuned model overtakes the shipped one on real LR,
# while the same network trained from scratch for the same steps stays behind (with the `quick` budget, far
# below bicubic). And
# **specialisation has a price**: as the model learns to remove noise and JPEG blocks, it gets *worse* on clean
# bicubic LR than the shipped model it started from. By the benchmark's yardstick, fine-tuning did harm (the
# right panel ends below its step 0) — had `train` selected its `best.keras` on bicubic validation, it would
# have preferred the epochs that had adapted least.
# That is why `train(degradation=...)` validates on LR images made with the same degradation (fixed seeds),
# and `srkit.evaluate(..., degradation=...)` scores any model that way.
#
# ## 3. On images that neither training nor selection saw
# The test split, scored with both kinds of LR as in section 1, then one test image and your own:


# %%
tuned = fine["model"]
tuned_up = lambda lr: srkit.upscale(lr, model=tuned, scale=SCALE)
tuned_scores = {d: score_on(tuned_up, d) for d in ("bicubic", "real")}
print(f"{'test split, x3':<28}{'bicubic LR':>11}{'real LR':>10}")
for n in ("bicubic", "fsrcnn-x3", "edsr-small-x3"):
    print(f"{n:<28}{real_table[n]['bicubic']:>11.2f}{real_table[n]['real']:>10.2f}")
print(f"{'fsrcnn fine-tuned on real':<28}{tuned_scores['bicubic']:>11.2f}{tuned_scores['real']:>10.2f}")
gain_real = tuned_scores["real"] - real_table["fsrcnn-x3"]["real"]
print(
    f"on real LR: {gain_real:+.2f} dB over the shipped fsrcnn-x3, "
    f"{tuned_scores['real'] - base['real']:+.2f} dB over bicubic"
)
assert gain_real > 0.1, "the model trained for the real degradation should beat the bicubic-trained one on it"
assert tuned_scores["real"] > base["real"] + 0.05
# the head start of the pretrained weights shrinks as training runs longer: from scratch catches up given many steps
assert max(fine["real_val"]) > max(scratch["real_val"]) + budget.pick(quick=1.0, cpu=0.2, gpu=-0.3), (
    "fine-tuning should win (with the long gpu budget, from scratch may catch up to within 0.3 dB)"
)

# %%
lr_t, hr_t = data.make_pair(test_images["china"], SCALE, degradation="real", seed=101)
panels = {
    "HR": hr_t,
    "bicubic": imresize(lr_t, SCALE),
    "shipped fsrcnn-x3": upscalers["fsrcnn-x3"](lr_t),
    "fine-tuned on real": tuned_up(lr_t),
}
viz.compare(panels, zoom=(110, 170, 80, 80), crop_border=SCALE, panel_size=4.0)
plt.show()
viz.compare(
    {
        "bicubic": imresize(crop, SCALE),
        "edsr-small-x3 (bicubic-trained)": upscalers["edsr-small-x3"](crop),
        "fsrcnn fine-tuned on real": tuned_up(crop),
    },
    zoom=(side * SCALE // 2 - 60, side * SCALE // 2 - 60, 120, 120),
    panel_size=4.2,
)
plt.suptitle(f"your image: {name}")
plt.show()

# %% [markdown]
# Compare the two models directly on the same degraded input, at full resolution: the slider reveals the
# fine-tuned model on the left of the divider and the shipped one on the right.

# %%
roi = (slice(186, 426), slice(40, 340))  # a 240 x 300 region of china: tiled roofs, trees, water
viz.swipe(
    panels["shipped fsrcnn-x3"][roi],
    panels["fine-tuned on real"][roi],
    labels=("shipped fsrcnn-x3", "fine-tuned on real"),
    width=600,
)

# %% [markdown]
# **Question.** Drag the divider slowly across the tiled roofs and the trees. Where does the shipped model turn
# noise and JPEG's 8×8 blocks into crisp speckles and grid lines, and the fine-tuned model smooth them away?
# Does the fine-tuned model pay for it anywhere — a roof edge or a line of tiles that the shipped model kept
# sharper?

# %% [markdown]
# The gain over the shipped model (the line printed under the test table above) is modest — on noisy,
# compressed input much of the detail is simply gone, and a short fine-tune of a 13k-parameter network is a
# start, not Real-ESRGAN — but it is measured on images the model never saw. On one image, as the PSNRs under
# the first comparison's panels say, the differences are small: no model restores what blur, noise and JPEG
# removed. (Real-ESRGAN trades PSNR for plausible texture with the adversarial losses of
# lesson 10 — and invents detail, which the scientific images of lesson 13, section 3, cannot afford.)
# With the `cpu` or `gpu` budget the fine-tune runs for more steps.
#
# Which model suits *your* image? It has no ground truth, but a smaller copy of it has one: the image itself.
# `score_on` degrades your image, enlarges the copy with each model and scores it against the image, once for
# each way the image may have been made:

# %%
for kind in ("bicubic", "real"):
    margin = score_on(tuned_up, kind, {name: mine}) - score_on(upscalers["fsrcnn-x3"], kind, {name: mine})
    print(f"{kind} LR of your image ({name}): the fine-tuned model {margin:+.2f} dB against the shipped fsrcnn-x3")

# %% [markdown]
# The answer depends on how the image was made: a clean, downscaled image wants the shipped model, a phone photo
# the fine-tuned one. The measurement is only as good as your guess of the degradation (exercise 3 looks for one
# trace of it, JPEG's blocks).

# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** The real degradation has three harmful steps: blur (σ = 1 before the bicubic downscaling),
# noise (σ = 5) and JPEG (quality 40). Which one, applied **alone**, costs the shipped `espcn-x3` most of its
# gain over bicubic? The cell below gives each step alone as a function `make_lr(hr, seed)` that turns a
# modcropped HR image into its LR image. Write `gain_under(make_lr)`: `espcn-x3`'s mean gain over bicubic in dB
# on the test split (`test_images`), with the protocol of section 1: modcrop each image to `SCALE`, make its LR
# with `make_lr(hr, 100 + i)` for the `i`-th image (the seeds of `score_on`), enlarge it with
# `upscalers["espcn-x3"]` and with bicubic, and score both with PSNR on Y, `SCALE` border pixels cropped. The
# check first gives it the whole real chain (its gain is in section 1's table), then the three steps alone.

# %%
alone = {  # each harmful step of the real chain alone: (modcropped HR image, seed) -> LR image
    "blur": lambda hr, seed: data.degrade(hr, SCALE, kind="real", noise_sigma=0, jpeg_quality=95, seed=seed),
    "noise": lambda hr, seed: data.degrade(hr, SCALE, kind="noise", noise_sigma=5, seed=seed),
    "jpeg": lambda hr, seed: data.jpeg(imresize(hr, 1 / SCALE), 40),
}  # blur alone: no noise, and JPEG at quality 95 (almost lossless)


# %% tags=["stub"]
def gain_under(make_lr):
    raise NotImplementedError("Exercise 1: espcn-x3's mean PSNR gain over bicubic on test_images, LR from make_lr")


# %% tags=["solution"]
def gain_under(make_lr):
    gains = []
    for i, image in enumerate(test_images.values()):
        hr = modcrop(image, SCALE)
        lr = make_lr(hr, 100 + i)
        gains.append(
            psnr(hr, upscalers["espcn-x3"](lr), crop_border=SCALE, y_channel=True)
            - psnr(hr, imresize(lr, SCALE), crop_border=SCALE, y_channel=True)
        )
    return float(np.mean(gains))


gain_under

# %% tags=["check"]
whole_chain = lambda hr, seed: data.degrade(hr, SCALE, kind="real", seed=seed)  # section 1's "real LR"
got = gain_under(whole_chain)
assert isinstance(got, float), "gain_under must return one number of dB (a float)"
assert abs(got - (real_table["espcn-x3"]["real"] - base["real"])) < 0.01, (
    "with the whole real chain, your gain differs from section 1's table: modcrop, seeds 100 + i, PSNR on Y "
    "with SCALE border pixels cropped, espcn-x3's score minus bicubic's, averaged over the four test images"
)
gain_alone = {step: gain_under(make_lr) for step, make_lr in alone.items()}
print(
    f"Correct. espcn-x3's gain over bicubic: on clean bicubic LR "
    f"{real_table['espcn-x3']['bicubic'] - base['bicubic']:+.2f} dB; "
    + ", ".join(f"{s} alone {g:+.2f} dB" for s, g in gain_alone.items())
)
print(f"The most harmful step alone: {min(gain_alone, key=gain_alone.get)}.")

# %% [markdown]
# **Exercise 2.** Write the camera-like chain yourself. `camera_lr(hr, seed)` takes a modcropped uint8 HR image
# (RGB or grey) and returns its uint8 LR image, made as section 1 describes `kind="real"`: a Gaussian blur of
# σ = 1 (`scipy.ndimage.gaussian_filter`, as in lesson 10), MATLAB-bicubic downscaling by `SCALE` (`imresize`),
# Gaussian noise of σ = 5 grey levels drawn from `np.random.default_rng(seed)`, then JPEG at quality 40
# (`data.jpeg`, which takes uint8). Your noise cannot match srkit's draw for draw, so the check compares
# statistics over six seeds on two test images: the noise that changes with the seed, and the average LR image,
# which the blur, the downscaling and the JPEG set.


# %% tags=["stub"]
def camera_lr(hr, seed):
    raise NotImplementedError("Exercise 2: return the uint8 LR image")


# %% tags=["solution"]
from scipy.ndimage import gaussian_filter


def camera_lr(hr, seed):
    x = gaussian_filter(hr.astype(float), (1.0, 1.0, 0) if hr.ndim == 3 else 1.0)  # in space, not across colours
    x = imresize(x, 1 / SCALE)
    x = x + np.random.default_rng(seed).normal(0.0, 5.0, x.shape)
    return data.jpeg(np.clip(np.round(x), 0, 255).astype(np.uint8), 40)


camera_lr

# %% tags=["check"]
for image_name in ("chelsea", "coins"):  # an RGB image and a grey one
    hr = modcrop(test_images[image_name], SCALE)
    yours = np.stack([camera_lr(hr, seed) for seed in range(6)])
    theirs = np.stack([data.degrade(hr, SCALE, kind="real", seed=seed) for seed in range(50, 62)])
    assert yours.dtype == np.uint8 and yours.shape[1:] == theirs.shape[1:], f"{image_name}: a uint8 LR image, please"
    assert np.array_equal(camera_lr(hr, 0), yours[0]), "the same seed must give the same LR image"
    yours, first, second = yours.astype(float), theirs[:6].astype(float), theirs[6:].astype(float)
    spread = yours.std(axis=0).mean() / first.std(axis=0).mean()  # the part that changes with the seed
    assert 0.88 < spread < 1.12, f"{image_name}: too {'much' if spread > 1 else 'little'} changes with the seed: σ?"
    gap = lambda a, b: np.mean((a.mean(axis=0) - b.mean(axis=0)) ** 2)  # between average LR images
    assert gap(yours, first) < 1.26 * gap(second, first), (
        f"{image_name}: averaged over seeds, your LR is further from srkit's than srkit's own is: check the blur "
        "(σ, before downscaling, each colour alone), the downscaling and the JPEG quality"
    )
print(
    "Correct: your chain and srkit's agree in their noise and, averaged over noise draws, in blur and JPEG. "
    "(Real-ESRGAN draws each strength at random for every image and applies the chain twice.)"
)

# %% [markdown]
# **Exercise 3.** JPEG's 8×8 blocks, measured. Section 3's swipe asked where the shipped model turns JPEG's blocks
# into grid lines; put a number on it. Write `blockiness(image, period=8)`: on the luma as float (`to_y`), the
# mean absolute difference between neighbouring pixels on either side of a line of the `period`-pixel grid
# (columns `period·k - 1` and `period·k`, and the same for rows), divided by the mean absolute difference
# between all other neighbouring pixels. It is about 1 for an image without a grid and grows with the grid's
# contrast. An LR image's 8×8 blocks are 8 × `SCALE` = 24 pixels wide once enlarged: give `order`, the keys of
# section 3's `panels` other than `"HR"`, sorted from the weakest 24-pixel grid to the strongest.


# %% tags=["stub"]
def blockiness(image, period=8):
    raise NotImplementedError("Exercise 3: return one number, about 1 for an image without a grid")


order = []  # keys of panels, weakest grid first


# %% tags=["solution"]
def blockiness(image, period=8):
    y = to_y(image).astype(float)  # float first: differences of uint8 pixels wrap around
    dx, dy = np.abs(np.diff(y, axis=1)), np.abs(np.diff(y, axis=0))  # dx[:, j]: between columns j and j + 1
    on_x = np.arange(dx.shape[1]) % period == period - 1
    on_y = np.arange(dy.shape[0]) % period == period - 1
    across = np.concatenate([dx[:, on_x].ravel(), dy[on_y].ravel()])
    inside = np.concatenate([dx[:, ~on_x].ravel(), dy[~on_y].ravel()])
    return float(across.mean() / inside.mean())


order = sorted((k for k in panels if k != "HR"), key=lambda k: blockiness(panels[k], 8 * SCALE))
order

# %% tags=["check"]
rng = np.random.default_rng(14)
noisy = lambda a: np.clip(a + rng.integers(-2, 3, a.shape), 0, 255).astype(np.uint8)  # no difference exactly 0
blocks = noisy(np.kron(rng.integers(60, 200, (6, 7)), np.ones((8, 8))))
big = np.roll(np.kron(blocks, np.ones((3, 3), np.uint8)), 8, axis=(0, 1))  # 24 x 24 blocks, off the 24-pixel grid
for what, right in {
    "8 x 8 blocks: far above 1": blockiness(blocks) > 5,
    "8 x 8 blocks moved by 4 pixels: below 1": blockiness(np.roll(blocks, 4, axis=(0, 1))) < 0.5,
    "random noise: about 1": 0.9 < blockiness(noisy(rng.integers(2, 254, (128, 128)))) < 1.1,
    "stripes 8 rows high: far above 1": blockiness(noisy(np.kron(rng.integers(60, 200, (8, 1)), np.ones((8, 64))))) > 3,
    "24 x 24 blocks off the grid, at period 24: below 1": blockiness(big, 24) < 0.5,
    "an RGB image: the same as on its luma": abs(
        blockiness(np.dstack([blocks] * 3)) - blockiness(to_y(np.dstack([blocks] * 3)))
    )
    < 1e-9,
}.items():
    assert right, f"your blockiness is off on {what}"
assert sorted(order) == sorted(k for k in panels if k != "HR"), "order: the keys of panels other than 'HR'"
grid = {k: blockiness(panels[k], 8 * SCALE) for k in order}
assert list(grid.values()) == sorted(grid.values()), "order is not sorted from the weakest 24-pixel grid up"
print("Correct. The 24-pixel grid: " + ", ".join(f"{k} {g:.2f}" for k, g in grid.items()))
print(
    f"At period 8: the real LR image {blockiness(lr_t):.2f}, its HR original {blockiness(hr_t):.2f}; your image "
    f"({name}) {blockiness(mine):.2f}. Above 1 on your own image is a trace of JPEG at this size."
)

# %% [markdown]
# Finally, delete this lesson's scratch folder (skip this cell to keep the images and the fine-tuned model):

# %%
shutil.rmtree(WORK, ignore_errors=True)
print(f"removed {WORK}")

# %% [markdown]
# ## Summary
# - **Real-world degradation:** on blur + noise + JPEG LR the bicubic-trained shipped models lose their whole
#   gain over bicubic (measured in section 1; exercise 1 finds the worst step): they sharpen noise and JPEG
#   blocks as if they were detail.
# - **Fine-tuning** a shipped model with `train(..., degradation="real", init_from=...)` wins part of the gain
#   back on unseen test images; the same network from scratch, with the same steps, stays behind.
# - **Selection:** select the model on the degradation you will meet — the benchmark's bicubic validation falls
#   as the model specialises, so it would keep the checkpoints that had adapted least.
# - **Your images:** without ground truth, score the models on a downscaled copy of your image (section 3) —
#   with the degradation you believe made the image; traces such as JPEG's blocks (exercise 3) help guess it.
#
# ## Questions you should now be able to answer
# 1. Why does a model trained on bicubic LR sharpen JPEG blocks, and what must its training data contain instead?
# 2. Why is the checkpoint with the best *benchmark* PSNR the wrong choice for a model meant for phone photos?
# 3. Your image has no ground truth: how can you still measure which model suits it, and what does that
#    measurement assume about how the image was made?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. A network learns the statistics of its training inputs. In bicubic LR every fine variation comes from the
#    HR image, so the model learned to sharpen all of them; the edges of JPEG's 8×8 blocks, its ringing and
#    sensor noise look like such detail, and it sharpens them into grid lines and speckles. Its training LR
#    must contain what it will meet (blur, noise, JPEG, with fresh noise realisations), paired with the clean HR,
#    so that it learns to remove them instead: `train(..., degradation="real")`.
# 2. The benchmark's PSNR is measured on clean bicubic LR, and it *falls* as the model specialises on real LR
#    (section 2's right panel ends below the shipped model). Selecting on it keeps the checkpoints that had
#    adapted least, the worst ones for phone photos. Select on validation LR made with the degradation the
#    model will meet, with fixed seeds, as `train(degradation=...)` and `evaluate(..., degradation=...)` do.
# 3. Treat the image itself as HR: modcrop it, degrade it to LR, enlarge that with each model and score the
#    result against the image (the end of section 3). This assumes that the degradation you apply is the one
#    that made your image (the better model changes with it, as section 3 measures; a trace such as JPEG's
#    blocks, Exercise 3, helps guess it), and that the image's statistics at the smaller size resemble those of
#    the detail you want at the larger one. An image already noisy or JPEG-compressed gets those steps a second time.
