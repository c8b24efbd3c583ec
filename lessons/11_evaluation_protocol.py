# %% [markdown]
# # 11 · The evaluation protocol, and four ways to get the number wrong
#
# Super-resolution papers rank methods by tenths of a decibel. Such a number means something only when it was
# measured exactly as the published tables were: LR made with MATLAB's antialiased bicubic `imresize`, PSNR and
# SSIM on the luma Y with `scale` pixels cropped from each border, one value per image, then the mean. Every
# step is easy to get subtly wrong, and every mistake moves the number — sometimes by more than separates the
# methods compared. This lesson runs the protocol in one call and **measures** four mistakes; lesson 12 uses it
# to benchmark the shipped models.
#
# **What you will learn**
# - the published protocol as one call, `srkit.evaluate.evaluate`, with per-image and mean PSNR/SSIM and time;
# - four ways to get the number wrong, each measured in dB on Set5 and the test split: PSNR on RGB instead of Y;
#   no border crop; test images leaking into training; a model trained on non-antialiased LR — as many released
#   weights were — scored on the standard LR (lessons 01 and 04 measured three more);
# - to read the mistakes side by side: which shift bicubic and a model alike, and which change the model's gain.
#
# **Time needed:** about 35 minutes to read (exercises not counted); the code runs in about 4 min
# with the `cpu` budget (measured on a 2-core CPU): about 39 minutes in all.

# %% [markdown]
# ## Set-up
# The same first cell as in every lesson, then this lesson's imports and images: **[Set5](../course/references.md#bevilacqua-et-al-2012)** when
# `srkit.benchmark.find_benchmarks` finds it, and the bundled **test split** (chelsea, china, camera, coins),
# which no shipped model saw in training.

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
import tempfile
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import skimage.data
from IPython.display import display

from srkit import benchmark, data, pretrained, train, viz
from srkit.evaluate import bicubic_upscaler, evaluate
from srkit.metrics import mean_over_set, psnr
from srkit.published import CITATIONS, published
from srkit.resize import imresize, modcrop
from srkit.training import fit

SCALE = 3
LESSON_START = time.perf_counter()

root = benchmark.find_benchmarks("Set5")
SETS = {}
if root is not None:
    SETS["Set5"] = data.load_folder(root / "Set5", as_rgb=False)  # gray images stay gray (scored as their own Y)
else:
    print("Set5 not found (`python -m srkit.download set5` fetches it): this lesson uses the test split only.")
SETS["test"] = data.bundled("test")
print({s: [n + (" (gray)" if im.ndim == 2 else "") for n, im in ims.items()] for s, ims in SETS.items()})

# %% [markdown]
# ## 1. The protocol in one call
# `evaluate(upscaler, images, scale=, crop_border=)` does, for every HR image: modcrop to a multiple of the
# scale; LR = MATLAB-bicubic downscale (antialiased); SR = `upscaler(LR)`, timed; PSNR and SSIM on Y (BT.601,
# MATLAB range 16–235) with `crop_border` pixels removed. The means are taken over the **per-image** values;
# `Evaluation.to_frame()` gives the per-image numbers as a pandas DataFrame.
#
# We score bicubic and the shipped ESPCN ×3 (lesson 06), after a warm-up call (a Keras model's first call traces
# its graph, which would be charged to the first image):

# %%
espcn = pretrained.load("espcn-x3")


def espcn_x3(lr):
    return srkit.upscale(lr, model=espcn, scale=SCALE)


METHODS = {"bicubic": bicubic_upscaler(SCALE), "espcn-x3": espcn_x3}
espcn_x3(np.zeros((32, 32, 3), np.uint8))  # warm-up
runs = {
    (s, m): evaluate(up, images, scale=SCALE, crop_border=SCALE)
    for s, images in SETS.items()
    for m, up in METHODS.items()
}

for set_name in SETS:
    b, e = runs[set_name, "bicubic"].to_frame(), runs[set_name, "espcn-x3"].to_frame()
    table = b[["psnr", "ssim"]].add_prefix("bicubic ").join(e.add_prefix("ESPCN "))
    table["gain (dB)"] = e["psnr"] - b["psnr"]
    table.loc["mean (per image)"] = table.mean()
    print(f"{set_name}, x{SCALE}:")
    display(table.round(3))
if "Set5" in SETS:
    ref = published("bicubic", SCALE, "Set5")
    print(f"published bicubic row, Set5 x{SCALE}: {ref[0]} dB / {ref[1]} ({CITATIONS['bicubic']})")
    assert round(runs["Set5", "bicubic"].mean_psnr, 2) == ref[0], "the protocol reproduces the published bicubic figure"
assert all(runs[s, "espcn-x3"].mean_psnr > runs[s, "bicubic"].mean_psnr + 0.3 for s in SETS)


# %% [markdown]
# Note two things. The gain over bicubic differs a lot from image to image, so a mean over a handful of images
# is a noisy estimate: report several sets. And the time per image is that of `srkit.upscale` on this machine;
# it says nothing about another machine.
#
# ## 2. Four ways to get the number wrong, measured
# Lesson 01 measured what other resizers (Pillow, TensorFlow without antialiasing) do to the score, and lesson 04
# why the PSNR of the batch-mean MSE is not the tables' mean PSNR. For four more mistakes we compute the
# **right** and the **wrong** number on the same images with the same methods, and keep `wrong − right` (dB) in
# one table, `errors`. The helpers below make (HR, SR) pairs with any LR maker and score them with any
# convention; with the right choices they reproduce `evaluate` (checked).


# %%
def sr_pairs(upscaler, images, make_lr=lambda hr: imresize(hr, 1 / SCALE)):
    # (HR, SR) per image, the LR made by make_lr
    pairs = {}
    for name, hr in images.items():
        hr = modcrop(hr, SCALE)
        pairs[name] = (hr, upscaler(make_lr(hr)))
    return pairs


def per_image_psnr(pairs, *, crop_border=SCALE, y_channel=True):
    return {name: psnr(hr, sr, crop_border=crop_border, y_channel=y_channel) for name, (hr, sr) in pairs.items()}


errors = []


def record(mistake, set_name, method, right, wrong):
    # method: "bicubic", or "model" (ESPCN x3 unless the mistake names another)
    errors.append(dict(mistake=mistake, set=set_name, method=method, right=right, wrong=wrong, error=wrong - right))


pairs = {(s, m): sr_pairs(up, SETS[s]) for s in SETS for m, up in METHODS.items()}
for key, p in pairs.items():
    assert abs(np.mean(list(per_image_psnr(p).values())) - runs[key].mean_psnr) < 1e-9, key
print("sr_pairs + per_image_psnr reproduce evaluate() for", sorted(pairs))

# %% [markdown]
# ### 2.1 PSNR on RGB instead of Y
# The tables score **Y only**: the eye sees detail in luma, and the classic networks (SRCNN, FSRCNN, ESPCN, our
# EDSR-small) predict Y only, taking Cb and Cr from bicubic. Scoring RGB instead mixes in colour errors and
# changes the scale: MATLAB's Y spans 219 grey levels (16–235), RGB 255, so the same relative error is 219/255
# as many grey levels on Y, and PSNR (peak 255 either way) comes out 20·log10(255/219) = 1.32 dB higher. Gray
# images (camera, coins) are scored the same either way (lesson 01 measured the related pitfall of converting
# gray to R = G = B before taking Y).

# %%
WHO = {"bicubic": "bicubic", "espcn-x3": "model"}
for (s, m), p in pairs.items():
    record(
        "RGB instead of Y", s, WHO[m], runs[s, m].mean_psnr, np.mean(list(per_image_psnr(p, y_channel=False).values()))
    )
pd.DataFrame(errors).round(3)

# %% [markdown]
# ### 2.2 No border crop
# Near the border bicubic and the networks lack neighbours (they replicate or zero-pad), so the published
# protocol removes `scale` pixels on each side (`crop_border=scale`; some codes shave `scale + 6` at ×2 and
# more, which moves numbers again). Leaving the border in:

# %%
for (s, m), p in pairs.items():
    record("no border crop", s, WHO[m], runs[s, m].mean_psnr, np.mean(list(per_image_psnr(p, crop_border=0).values())))
pd.DataFrame([e for e in errors if e["mistake"] == "no border crop"]).round(3)


# %% [markdown]
# Small here — hundredths of a dB — and of either sign: on Set5 the borders are harder than the interior, on
# the test split easier (smooth backgrounds). Small is not negligible: published methods are often separated by
# a few hundredths of a dB, and a zero-padded network loses more at the border than bicubic: this mistake also
# shifts the *gain*.
#
# ### 2.3 Test images in the training set
# A model scored on images it was trained on looks better than it is, and this happens by accident:
# scikit-image ships a photo called `cat` — our test image `chelsea`, pixel for pixel. Training on "all of
# scikit-image's sample images" would leak a test image; srkit's bundled split excludes it:

# %%
cat = skimage.data.cat()
print(
    f"skimage.data.cat() {cat.shape} identical to the test image chelsea: {np.array_equal(cat, SETS['test']['chelsea'])}"
)
print("srkit.data.EXCLUDED['cat']:", data.EXCLUDED["cat"])
assert np.array_equal(cat, SETS["test"]["chelsea"])


# %% [markdown]
# How much does leakage inflate a score? Comparing gains on training images with gains on test images would not
# tell: gains differ by image content far more than by leakage (section 1). The images must stay fixed and only
# the training change. So we fine-tune the shipped EDSR-small ×3 (241,057 parameters: enough to memorise, quick
# to fine-tune) twice from the same weights, seed, steps and learning rate: once **on the four test images**
# (the leak), once on four training photos (the control). Both are scored on the test split and on images
# neither saw (Set5, when present, and the validation split).


# %%
def fine_tune(name, images, steps, seed=0):
    # continue training a shipped model on `images` (L1 loss, as it was trained; cosine-decayed Adam)
    keras.utils.set_random_seed(seed)
    model = pretrained.load(name)
    fit(model, data.make_pairs(images, SCALE), steps=steps, learning_rate=3e-4, alpha=0.01, seed=seed)
    return model


leak_steps = budget.pick(quick=150, cpu=600, gpu=3000)
train_split = data.bundled("train")
tune_sets = {
    "tuned on the test images (leak)": SETS["test"],
    "tuned on 4 training photos (clean)": {n: train_split[n] for n in ("astronaut", "motorcycle", "rocket", "flower")},
}
score_sets = {
    "test": SETS["test"],
    **({"Set5": SETS["Set5"]} if "Set5" in SETS else {}),
    "validation": data.bundled("validation"),
}


def mean_psnrs(model):  # the protocol's mean PSNR of `model` on every scoring set
    up = lambda lr: srkit.upscale(lr, model=model, scale=SCALE)
    return {s: evaluate(up, ims, scale=SCALE, crop_border=SCALE).mean_psnr for s, ims in score_sets.items()}


edsr_name = "edsr-small-x3"
leak_scores = {"shipped (before fine-tuning)": mean_psnrs(edsr_name)}
for label, images in tune_sets.items():
    leak_scores[label] = mean_psnrs(fine_tune(edsr_name, images, leak_steps))
leak_table = pd.DataFrame(leak_scores).T
leak_table.loc["leak - clean"] = leak_table.iloc[1] - leak_table.iloc[2]
display(leak_table.round(3))

# %%
inflation = leak_table.loc["leak - clean", "test"]
held_out = "Set5" if "Set5" in score_sets else "validation"
for s in SETS:
    record(
        "test images in fine-tuning (model: EDSR-small x3)", s, "model", leak_table.iloc[2][s], leak_table.iloc[1][s]
    )
print(
    f"leak inflates the test score by {inflation:+.3f} dB; on {held_out}, which neither run saw: "
    f"{leak_table.loc['leak - clean', held_out]:+.3f} dB"
)
assert inflation > 0.05, "fine-tuning on the test images should raise the test score"
assert inflation - leak_table.loc["leak - clean", held_out] > 0.05, (
    "the leak's gain should not carry over to unseen images"
)

# %% [markdown]
# After a short fine-tuning on them, the model scores higher on the test images — and no higher on images it
# has not seen: the extra is memory, not a better model, and it grows with capacity and training time. The
# rules: keep test images out of training and out of every choice (architecture, checkpoint, hyper-parameters:
# use the validation split); check training collections for duplicates of test images. (Lesson 12, section 2,
# finds a trace of leakage in the shipped models.)
#
# ### 2.4 A model trained on non-antialiased LR
# Lesson 01 showed that LR made without antialiasing (the kernel *not* stretched by the scale, as in
# TensorFlow's default and OpenCV's `cv2.resize`) is sharper and aliased. Many released weights were trained on
# such LR (OpenCV's super-resolution benchmark tutorial makes its test LR with a plain bilinear `resize`). On
# their own kind of LR they look fine; on the standard LR of the published tables they can lose most of their
# gain over bicubic — one reason released reimplementations often fall short of their papers' figures.
#
# We reproduce it with `srkit.train.train(..., degradation="bicubic-noaa")`: the shipped ESPCN ×3 fine-tuned
# twice with the same seed and steps, on standard LR (the control) and on non-antialiased LR. Both are scored on standard LR (the benchmark) and on
# non-antialiased LR, each against bicubic upscaling of the same LR.

# %%
noaa_steps = budget.pick(quick=200, cpu=1500, gpu=20_000)
noaa_models = {"shipped espcn-x3": espcn}
for degradation in ("bicubic", "bicubic-noaa"):
    with tempfile.TemporaryDirectory() as out, contextlib.redirect_stdout(io.StringIO()):
        model, run_record = train.train(
            "espcn-x3", steps=noaa_steps, degradation=degradation, init_from="espcn-x3", out=out, verbose=0
        )
    noaa_models[f"fine-tuned on {degradation} LR"] = model
    val_psnr = " -> ".join(f"{v:.2f}" for v in run_record["history"]["val_psnr"][::3])
    print(f"{degradation} LR, validation PSNR on standard LR: {val_psnr} dB")

LR_KINDS = {
    "standard LR": lambda hr: imresize(hr, 1 / SCALE),
    "no-antialiasing LR": lambda hr: data.degrade(hr, SCALE, kind="bicubic-noaa"),
}
gains = {}
for label, model in noaa_models.items():
    up = lambda lr, model=model: srkit.upscale(lr, model=model, scale=SCALE)
    for lr_kind, make_lr in LR_KINDS.items():
        for s in SETS:
            ours = np.mean(list(per_image_psnr(sr_pairs(up, SETS[s], make_lr)).values()))
            base = np.mean(list(per_image_psnr(sr_pairs(METHODS["bicubic"], SETS[s], make_lr)).values()))
            gains[label, (lr_kind, s)] = dict(psnr=ours, gain=ours - base)
gain_table = pd.DataFrame({k: v["gain"] for k, v in gains.items()}, index=["gain over bicubic (dB)"]).T.unstack()
display(gain_table.round(3))

# %%
right, wrong = "fine-tuned on bicubic LR", "fine-tuned on bicubic-noaa LR"
for s in SETS:
    std = {m: gains[m, ("standard LR", s)] for m in (right, wrong, "shipped espcn-x3")}
    own = {m: gains[m, ("no-antialiasing LR", s)]["gain"] for m in (right, wrong)}
    record("trained on non-antialiased LR", s, "model", std[right]["psnr"], std[wrong]["psnr"])
    kept = std[wrong]["gain"] / std[right]["gain"]
    print(
        f"{s}: on standard LR the no-antialiasing model keeps {kept:.0%} of the gain over bicubic; on its own "
        f"kind of LR its gain is {own[wrong]:+.2f} dB, the standard model's {own[right]:+.2f} dB"
    )
    assert kept < 0.5, "the wrong-degradation model should lose most of its gain on the standard LR"
    assert own[wrong] > own[right] + 1, "on its own kind of LR it should do far better than the standard model"
    assert abs(std[right]["gain"] - std["shipped espcn-x3"]["gain"]) < 0.2, "the control should hardly move"

# %% [markdown]
# The control hardly moves. The model fine-tuned on non-antialiased LR loses **most of its gain** on the
# standard LR (the share it keeps is printed above, checked to be under half): it expects sharp, aliased input
# and does not restore what the blur of standard LR removed. On its own kind of LR it is far better than the
# standard model, which sharpens the aliasing as if it were detail. (`train` keeps the checkpoint with the best
# validation PSNR on *standard* LR, the least damaged one.) The flipbook shows bicubic and the three ESPCN models
# on both kinds of LR for `camera`, zoomed; the caption scores the whole image.

# %%
hr_camera = modcrop(SETS["test"]["camera"], SCALE)
frames = {}
for lr_kind, make_lr in LR_KINDS.items():
    frames["bicubic", lr_kind] = imresize(make_lr(hr_camera), SCALE)
    for label, model in noaa_models.items():
        frames[label, lr_kind] = srkit.upscale(make_lr(hr_camera), model=model, scale=SCALE)
widget = viz.flipbook(
    frames, names=("method", "LR"), reference=hr_camera, zoom=(120, 250, 120, 120), crop_border=SCALE, width=480
)
display(widget)
assert widget.output.value[:4] == b"\x89PNG"

# %% [markdown]
# **Question.** On *standard LR*, which model's output looks closest to bicubic's blur? On *no-antialiasing
# LR*, what do bicubic and the models trained on standard LR make of the tripod's jagged edges, and which method
# gives edges closest to HR? Do the captions rank them as your eyes do?

# %% [markdown]
# ### 2.5 All the mistakes, side by side

# %%
err = pd.DataFrame(errors)
summary = err.pivot_table(index="mistake", columns=["set", "method"], values="error", sort=False)
summary.columns = [f"{s} / {m}" for s, m in summary.columns]
display(summary.round(3))

fig, ax = plt.subplots(figsize=(11, 5.5), layout="constrained")
summary.fillna(0).plot.barh(ax=ax, width=0.8)
ax.invert_yaxis()
ax.axvline(0, color="black", lw=0.8)
ax.set_xlabel("wrong minus right (dB)")
ax.legend(fontsize=8, loc="lower left")
ax.set_title(f"The size of each mistake at x{SCALE} (model: ESPCN x3 unless named; no bar: not measured)")
plt.show()


# %%
assert (summary.loc["RGB instead of Y"] < -0.3).all(), "RGB instead of Y lowers every score"
assert (summary.loc["no border crop"].abs() < 0.2).all(), "the border moves the score by hundredths"
print("largest errors (dB):", summary.abs().max(axis=1).sort_values(ascending=False).round(2).to_dict())

# %% [markdown]
# Read the table by size. Large: a mismatch between the LR a model was trained on and the LR it is scored on,
# and RGB instead of Y — which shifts bicubic and the model alike, so it corrupts comparisons *with other
# papers* more than within one. Smaller: leakage after a short fine-tuning (it grows with capacity and
# training), and the border crop. Each is larger than some differences papers report: measure exactly as the
# tables did, and publish the code.

# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** The PSNR of the batch-mean MSE (lesson 04, section 3), in numbers. A set has two images, scored at
# 40 dB and 20 dB. Compute by hand the mean PSNR as published tables report it (`mean_psnr`), the PSNR of the
# mean MSE (`psnr_mean_mse`), and the PSNR of the mean MSE if the first image were restored perfectly, with an
# MSE of 0 (`psnr_if_perfect`).

# %% tags=["stub"]
mean_psnr = None  # dB
psnr_mean_mse = None  # dB
psnr_if_perfect = None  # dB

# %% tags=["solution"]
mse_40, mse_20 = 255**2 / 10**4, 255**2 / 10**2  # PSNR = 10 log10(255^2 / MSE)
mean_psnr = (40 + 20) / 2
psnr_mean_mse = 10 * np.log10(255**2 / ((mse_40 + mse_20) / 2))
psnr_if_perfect = 10 * np.log10(255**2 / ((0 + mse_20) / 2))  # the perfect image still counts in the mean
mean_psnr, round(psnr_mean_mse, 3), round(psnr_if_perfect, 3)

# %% tags=["check"]
assert all(isinstance(a, (int, float, np.floating)) for a in (mean_psnr, psnr_mean_mse, psnr_if_perfect)), "numbers"
im = np.random.default_rng(0).uniform(0.2, 0.8, (16, 16))
together = lambda *sr: psnr(np.vstack([im] * len(sr)), np.vstack(sr), crop_border=0, y_channel=False)


def off_by(db):  # bisection
    lo, hi = 0.0, 0.2
    for _ in range(60):
        lo, hi = ((lo + hi) / 2, hi) if together(im + (lo + hi) / 2) > db else (lo, (lo + hi) / 2)
    return im + lo


first, second = off_by(40), off_by(20)
tables = mean_over_set(psnr, [im, im], [first, second], crop_border=0, y_channel=False)[0]
assert abs(mean_psnr - tables) < 1e-6, "mean_psnr: not what the tables report"
assert abs(psnr_mean_mse - together(first, second)) < 1e-6, "psnr_mean_mse: not both images scored as one"
assert abs(psnr_if_perfect - together(im, second)) < 1e-6, "psnr_if_perfect: not both scored as one"
print(
    f"Correct: {psnr_mean_mse:.2f} dB against a mean PSNR of {mean_psnr:.0f} dB, and {psnr_if_perfect:.2f} dB even "
    "with the first image perfect: the worst image decides the pooled number."
)


# %% [markdown]
# **Exercise 2.** Write the protocol yourself: `my_mean_psnr(upscaler, images, scale)` — modcrop, MATLAB-bicubic
# downscale (`imresize(hr, 1 / scale)`), upscale, then PSNR on Y computed with NumPy only (Y = 16 + (65.481 R +
# 128.553 G + 24.966 B) / 255 for uint8 RGB, rounded to integers as MATLAB stores it; a gray image is its own
# Y), `scale` pixels cropped, averaged per image. The check compares it with `srkit.evaluate` on both sets, for
# bicubic and ESPCN.


# %% tags=["stub"]
def my_mean_psnr(upscaler, images, scale):
    raise NotImplementedError("Exercise 2: modcrop, downscale, upscale, PSNR on Y with the border cropped, mean")


# %% tags=["solution"]
def my_mean_psnr(upscaler, images, scale):
    def luma(im):
        im = im.astype(np.float64)
        if im.ndim == 2:
            return im
        return np.floor(16 + (65.481 * im[..., 0] + 128.553 * im[..., 1] + 24.966 * im[..., 2]) / 255 + 0.5)

    values = []
    for hr in images.values():
        hr = modcrop(hr, scale)
        sr = upscaler(imresize(hr, 1 / scale))
        d = (luma(hr) - luma(sr))[scale:-scale, scale:-scale]
        values.append(10 * np.log10(255**2 / np.mean(d**2)))
    return float(np.mean(values))


my_mean_psnr(METHODS["bicubic"], SETS["test"], SCALE)

# %% tags=["check"]
for (s, m), result in runs.items():
    mine = my_mean_psnr(METHODS[m], SETS[s], SCALE)
    assert abs(mine - result.mean_psnr) < 1e-3, (
        f"{s}/{m}: yours {mine:.4f} dB, srkit.evaluate {result.mean_psnr:.4f} dB"
    )
print("Correct: your protocol gives srkit.evaluate's numbers to 0.001 dB.")

# %% [markdown]
# **Exercise 3.** Section 2.3's last rule, as code. Write `leaked(collection, test_images)`: the set of names
# of the test images that have a copy in the training `collection` (a dict of images, as `train_split`): the
# same pixels, the image mirrored left–right (training flips images anyway), or a re-saved copy whose every
# pixel is within 2 grey levels of the test image's. The check hides copies among the training split.


# %% tags=["stub"]
def leaked(collection, test_images):
    raise NotImplementedError("Exercise 3: compare every test image with every training image of the same shape")


# %% tags=["solution"]
def leaked(collection, test_images):
    found = set()
    for name, test in test_images.items():
        t = test.astype(int)
        for image in collection.values():
            if image.shape != test.shape:
                continue
            im = image.astype(int)
            if np.abs(im - t).max() <= 2 or np.abs(im[:, ::-1] - t).max() <= 2:
                found.add(name)
                break
    return found


leaked({**train_split, "cat": skimage.data.cat()}, SETS["test"])

# %% tags=["check"]
test_split = SETS["test"]
clean = leaked(train_split, test_split)
assert isinstance(clean, (set, frozenset)), "leaked must return a set of test-image names"
assert not clean, "the training split holds no copy of a test image, but your rule finds some: too loose"
noise = np.random.default_rng(0).integers(-2, 3, test_split["coins"].shape)
hidden = {
    "chelsea": skimage.data.cat(),
    "camera": test_split["camera"][:, ::-1],
    "coins": np.clip(test_split["coins"].astype(int) + noise, 0, 255).astype(np.uint8),
}
collection = {**train_split, **{f"photo_{k}": im for k, im in enumerate(hidden.values())}}
found = set(leaked(collection, test_split))
assert found == set(hidden), (
    f"copies missed: {sorted(set(hidden) - found)}; flagged wrongly: {sorted(found - set(hidden))}"
)
print("Correct: exact, mirrored and re-saved copies found, and no training image taken for a test image.")
print(f"lesson 11 ran in {time.perf_counter() - LESSON_START:.0f} s ({budget.current()} budget)")

# %% [markdown]
# ## Summary
# - **The protocol:** MATLAB-bicubic (antialiased) LR, PSNR/SSIM on Y with `scale` pixels cropped, one value per
#   image, then the mean — `srkit.evaluate.evaluate`, which reproduces the published bicubic row.
# - **Mistakes, measured at ×3** (section 2.5): RGB instead of Y lowers bicubic's and the model's scores alike;
#   the border moves them by hundredths, either way; leaked test images raise the test score only; a model
#   fine-tuned on non-antialiased LR keeps under half of its gain on standard LR, and beats the standard model
#   by far on its own kind of LR.
#
# ## Questions you should now be able to answer
# 1. Why is the PSNR of the mean MSE never above the mean PSNR, and which images dominate it (exercise 1)?
# 2. Which mistakes shift bicubic and a model alike, and which change the *gain* of the model?
# 3. Why does a model trained on non-antialiased LR beat the standard model on its own kind of LR and lose
#    most of its gain on the benchmark?
# 4. How would you show that a test score is inflated by leakage, rather than assume it?
# 5. A paper reports +0.04 dB over the previous best on Set5. What would you check before believing it?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. PSNR is $10\log_{10}(255^2) - 10\log_{10}(\text{MSE})$, and $-\log$ is convex: the log of the mean MSE is
#    at least the mean of the logs (Jensen), so the PSNR of the mean MSE is at most the mean PSNR, equal only
#    when every image has the same MSE. The mean MSE is dominated by the images with the largest errors, the
#    worst ones: in Exercise 1 the worse image's MSE is 100 times the other's, so even a perfect first image
#    barely raises the pooled number (`psnr_if_perfect`).
# 2. RGB instead of Y shifts bicubic and the model alike (colour errors and a different grey-level range for
#    both), so the gain hardly moves but the numbers no longer compare with other papers. The border crop
#    changes the gain a little (a zero-padded network loses more at the border than bicubic), and leakage and a
#    train/test mismatch of the degradation act on the model only: they change the gain itself (the bicubic
#    and model columns of section 2.5's table).
# 3. A network learns to invert the degradation it was trained on. On non-antialiased LR the edges survive as
#    sharp, aliased steps, which it learned to turn back into edges, while the standard model takes the aliasing
#    for detail and sharpens it. On the standard, antialiased LR the blur it never saw is left in: its output
#    stays close to bicubic's, and it keeps under half of its gain (the share printed in section 2.4).
# 4. Hold the images fixed and change only the training: fine-tune the same model from the same weights, seed,
#    steps and learning rate twice, once with the test images and once with as many other images, and score
#    both on the test images and on images neither run saw. Leakage shows as a gain on the test images that
#    does not appear on the unseen ones (the "leak - clean" row of section 2.3). Comparing gains on training
#    and test images does not tell, since gains differ by content.
# 5. That both numbers come from the same protocol (MATLAB-bicubic antialiased LR, Y, `crop_border=scale`,
#    mean of per-image PSNRs), recomputed with the same code rather than copied from another paper; that no
#    test image or test-set choice entered training (checkpoint and hyper-parameters picked on validation);
#    that the gain holds on several sets and over several seeds, since Set5 has five images and the run-to-run
#    spread can exceed such a difference; and that code and weights are published to reproduce it.
