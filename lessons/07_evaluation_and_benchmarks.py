# %% [markdown]
# # 07 · Evaluation and benchmarks: the protocol, and every way to get it wrong
#
# Super-resolution papers rank methods by tenths of a decibel. Such a number means something only when it was
# measured exactly the way the published tables were: LR made with MATLAB's antialiased bicubic `imresize`,
# PSNR and SSIM on the luma Y with `scale` pixels cropped from each border, one value per image, then the mean.
# Each step is easy to get subtly wrong, and every mistake moves the number — some by a few hundredths of a dB,
# some by several dB, more than separates the methods being compared. This lesson **measures** each mistake on
# the same images, benchmarks every shipped model against bicubic and the published tables, and then looks at
# where the models fail.
#
# **What you will learn**
# - the published protocol as one call, `srkit.evaluate.evaluate`: per-image and mean PSNR/SSIM and the time per
#   image, as a table (`Evaluation.to_frame()`);
# - four ways to get the number wrong, each measured in dB on Set5 and on the bundled test split: PSNR on RGB
#   instead of Y; no border crop; test images leaking into training; and a model trained on non-antialiased
#   LR — as many released weights were — scored on the standard LR (lessons 01 and 03 measured three more);
# - to benchmark all shipped models against bicubic and the published figures as a pandas DataFrame
#   (`srkit.benchmark.models_frame`), and to read PSNR against parameters and time;
# - to find failure cases per image and per region — text and fine textures — and look at them zoomed;
# - the explorer widget, for comparisons of your own.
#
# **Time needed:** about 65 minutes to read (exercises not counted); the code runs in about 14 min
# with the `cpu` budget (measured on a 2-core CPU): about 79 minutes in all.

# %% [markdown]
# ## Set-up
# The same first cell as in every lesson (JupyterLab or Colab), then the imports of this lesson and the
# images: **Set5** (the classic benchmark: five images, found by `srkit.benchmark.find_benchmarks`) when it is
# on this machine, and the bundled **test split** (chelsea, china, camera, coins), which no shipped model saw in
# training.

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
from PIL import Image, ImageDraw, ImageFont

from srkit import benchmark, data, models, pretrained, train, viz
from srkit.evaluate import bicubic_upscaler, evaluate
from srkit.metrics import prepare, psnr, ssim
from srkit.published import CITATIONS, published
from srkit.resize import imresize, modcrop
from srkit.training import fit

SCALE = 3
LESSON_START = time.perf_counter()
pd.set_option("display.precision", 3)

root = benchmark.find_benchmarks("Set5")
SETS = {}
if root is not None:
    SETS["Set5"] = data.load_folder(root / "Set5", as_rgb=False)  # gray images stay gray (scored as their own Y)
else:
    print(
        "Set5 was not found (looked in $SRKIT_BENCHMARKS, ../shared/benchmarks and srkit's download folder).\n"
        "Fetch it with `python -m srkit.download set5` to compare with the published tables; until then this\n"
        "lesson measures everything on the bundled test split only."
    )
SETS["test"] = data.bundled("test")
for set_name, images in SETS.items():
    print(
        f"{set_name:<5}: "
        + ", ".join(f"{n} {im.shape[1]}x{im.shape[0]}{' gray' if im.ndim == 2 else ''}" for n, im in images.items())
    )

# %% [markdown]
# ## 1. The protocol in one call
# `evaluate(upscaler, images, scale=, crop_border=)` does, for every HR image: modcrop to a multiple of the
# scale; LR = MATLAB-bicubic downscale (antialiased); SR = `upscaler(LR)`, timed; PSNR and SSIM on Y (BT.601,
# MATLAB range 16–235) with `crop_border` pixels removed. The means are taken over the **per-image** values.
# (It has two variants that both reproduce the published bicubic rows — `protocol="rgb"`, EDSR's, the default;
# and `protocol="y"`, SRCNN's — see `srkit.evaluate`.) `Evaluation.to_frame()` gives the per-image numbers as a
# pandas DataFrame.
#
# We score bicubic and the shipped ESPCN ×3 (lesson 04), after one warm-up call (the first call of a Keras model
# traces its graph, which would otherwise be charged to the first image):

# %%
espcn = pretrained.load("espcn-x3")


def espcn_x3(lr):
    return srkit.upscale(lr, model=espcn, scale=SCALE)


METHODS = {"bicubic": bicubic_upscaler(SCALE), "espcn-x3": espcn_x3}
espcn_x3(np.zeros((32, 32, 3), np.uint8))  # warm-up: graph tracing is not inference time
runs = {
    (s, m): evaluate(up, images, scale=SCALE, crop_border=SCALE)
    for s, images in SETS.items()
    for m, up in METHODS.items()
}

for set_name in SETS:
    b, e = runs[set_name, "bicubic"].to_frame(), runs[set_name, "espcn-x3"].to_frame()
    table = pd.DataFrame(
        {
            "bicubic PSNR": b["psnr"],
            "ESPCN PSNR": e["psnr"],
            "gain (dB)": e["psnr"] - b["psnr"],
            "bicubic SSIM": b["ssim"],
            "ESPCN SSIM": e["ssim"],
            "ESPCN ms": e["ms"],
        }
    )
    table.loc["mean (per image)"] = table.mean()
    print(f"{set_name}, x{SCALE}:")
    display(table.round(3))
if "Set5" in SETS:
    ref = published("bicubic", SCALE, "Set5")
    print(f"published bicubic row, Set5 x{SCALE}: {ref[0]} dB / {ref[1]} ({CITATIONS['bicubic']})")
    assert round(runs["Set5", "bicubic"].mean_psnr, 2) == ref[0], "the protocol reproduces the published bicubic figure"
assert all(runs[s, "espcn-x3"].mean_psnr > runs[s, "bicubic"].mean_psnr + 0.3 for s in SETS)


# %% [markdown]
# Two things to notice before we start breaking the protocol. The gain over bicubic differs a lot from image
# to image (the gain column above), so a mean over a handful of images is a noisy estimate — a reason to
# report several sets. And the time per image is the time of `srkit.upscale` on this machine, colour conversion
# included; it grows with the image size and says nothing about another machine.
#
# ## 2. Four ways to get the number wrong, measured
# Lesson 01 measured what a different resizer (Pillow, TensorFlow without antialiasing) does to the LR image
# and to the score, and lesson 03 why the PSNR of the batch-mean MSE is not the tables' mean PSNR. For each of
# four more mistakes we compute the **right** and the **wrong** number on the same images with the same methods,
# and keep the difference `wrong − right` (dB) in one table, `errors`. The helpers below make the (HR, SR)
# pairs with any LR maker and score them with any convention; with the right choices they give exactly what
# `evaluate` gave (checked).


# %%
def sr_pairs(upscaler, images, make_lr=lambda hr: imresize(hr, 1 / SCALE)):
    # (HR, SR) per image: modcrop the HR image, make its LR with make_lr, upscale it
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
# The tables score **Y only**: the eye sees detail in luma, and the classic networks (SRCNN, FSRCNN, ESPCN and
# our EDSR-small) predict Y only, taking Cb and Cr from bicubic. Scoring the three RGB channels instead mixes in
# colour errors, and also changes the scale of the errors: MATLAB's Y spans 219 grey levels (16–235) where RGB
# spans 255, so an error that is the same fraction of the range is 219/255 as many grey levels on Y, and PSNR (peak 255
# either way) comes out 20·log10(255/219) = 1.32 dB higher. Gray images (camera and
# coins in the test split) have no colour and are scored the same either way (lesson 01 measured the related
# pitfall of converting a gray image to R = G = B before taking Y).

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
# Small here — hundredths of a dB — and of either sign: on Set5 the borders are harder than the interior (the
# score drops), on the test split they are easier (smooth backgrounds: it rises). Small is not negligible:
# published methods are often separated by a few hundredths of a dB, and a network with zero padding loses
# more at the border than bicubic, so this mistake also shifts the *gain*.
#
# ### 2.3 Test images in the training set
# A model scored on images it was trained on looks better than it is. This happens by accident more easily than
# one would think: scikit-image ships a photo called `cat` — which is our test image `chelsea`, pixel for pixel.
# Training on "all of scikit-image's sample images" would put a test image into the training set; srkit's
# bundled split excludes it for that reason:

# %%
cat = skimage.data.cat()
print(
    f"skimage.data.cat() {cat.shape} identical to the test image chelsea: {np.array_equal(cat, SETS['test']['chelsea'])}"
)
print("srkit.data.EXCLUDED['cat']:", data.EXCLUDED["cat"])
assert np.array_equal(cat, SETS["test"]["chelsea"])


# %% [markdown]
# How much does leakage inflate a score? Comparing a model's gain on its training images with its gain on test
# images would not tell: those are different images, and gains differ by image content far more than by
# leakage (section 1). The comparison must hold the images fixed and change only what was trained on. So we
# fine-tune the shipped EDSR-small ×3 (241,057 parameters: enough to memorise, quick to fine-tune) twice, from the same
# weights with the same seed, steps and learning rate: once **on the four test images** (the leak), once on
# four photos of the training split (the control: the same amount of fine-tuning, clean). Both are then scored
# on the test split and on images neither fine-tuning saw (Set5, when present, and the validation split).


# %%
def fine_tune(name, images, steps, *, learning_rate=3e-4, seed=0):
    # continue training a shipped model on `images` (L1 loss, as it was trained; cosine-decayed Adam)
    keras.utils.set_random_seed(seed)
    model = pretrained.load(name)
    fit(model, data.make_pairs(images, SCALE), steps=steps, learning_rate=learning_rate, alpha=0.01, seed=seed)
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
edsr_name = "edsr-small-x3"
leak_scores = {
    "shipped (before fine-tuning)": {
        s: evaluate(
            lambda lr: srkit.upscale(lr, model=edsr_name, scale=SCALE), images, scale=SCALE, crop_border=SCALE
        ).mean_psnr
        for s, images in score_sets.items()
    }
}
for label, images in tune_sets.items():
    start = time.perf_counter()
    tuned_model = fine_tune(edsr_name, images, leak_steps)
    leak_scores[label] = {
        s: evaluate(
            lambda lr: srkit.upscale(lr, model=tuned_model, scale=SCALE), ims, scale=SCALE, crop_border=SCALE
        ).mean_psnr
        for s, ims in score_sets.items()
    }
    print(f"{label}: {leak_steps} steps in {time.perf_counter() - start:.0f} s")
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
# After only a few hundred steps on them, the model scores higher on the test images — and no higher on images
# it has not seen: the extra is not a better model, it is memory of the test images. The inflation grows with
# capacity and with training time. The rules that
# prevent it: keep test images out of training and out of every choice you make (architecture, checkpoint,
# hyper-parameters — that is what the validation split is for); check training collections for duplicates of
# test images; and distrust any result on images that were used for training. (Section 4 finds a trace of it in the shipped models: on training images such as `brick` and
# `page`, EDSR-small's lead over the much smaller ESPCN is several times its lead on unseen images.)
#
# ### 2.4 A model trained on non-antialiased LR
# Lesson 01 showed that an LR image made without antialiasing (the kernel is *not* stretched by the scale, as
# in TensorFlow's default and OpenCV's `cv2.resize`) is sharper and aliased. Many released weights were trained
# on such LR (OpenCV's own super-resolution benchmark tutorial makes its test LR with
# `resize(img, lr, Size(), 1.0/scale, 1.0/scale)`, whose default interpolation is bilinear). Evaluated on their
# own kind of LR they look fine; scored on the standard LR of the published tables they can lose most of their
# gain over bicubic. Released reimplementations often fall short of their papers' figures, and a mismatch of
# protocol like this one explains much of such gaps.
#
# We reproduce the effect with `srkit.train.train(..., degradation="bicubic-noaa")`: the same ESPCN ×3, from the
# shipped weights (to save time: from scratch the effect is the same but needs thousands of steps), fine-tuned
# twice with the same seed and steps: on standard LR (the control) and on non-antialiased LR. Both are scored on
# standard LR (the benchmark) and on non-antialiased LR (the world the second one was trained for), each
# against bicubic upscaling of the same LR.

# %%
noaa_steps = budget.pick(quick=200, cpu=3000, gpu=20_000)
noaa_models = {"shipped espcn-x3": espcn}
for degradation in ("bicubic", "bicubic-noaa"):
    with tempfile.TemporaryDirectory() as out, contextlib.redirect_stdout(io.StringIO()):
        model, run_record = train.train(
            "espcn-x3", steps=noaa_steps, degradation=degradation, init_from="espcn-x3", out=out, verbose=0
        )
    noaa_models[f"fine-tuned on {degradation} LR"] = model
    print(
        f"{degradation:<13} LR: {run_record['steps']} steps in {run_record['seconds']:.0f} s, validation PSNR "
        + " -> ".join(f"{v:.2f}" for v in run_record["history"]["val_psnr"][::3])
        + " dB (standard LR, as always)"
    )

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
    record(
        "trained on non-antialiased LR",
        s,
        "model",
        gains[right, ("standard LR", s)]["psnr"],
        gains[wrong, ("standard LR", s)]["psnr"],
    )
    kept = gains[wrong, ("standard LR", s)]["gain"] / gains[right, ("standard LR", s)]["gain"]
    print(
        f"{s}: on standard LR the no-antialiasing model keeps {kept:.0%} of the gain over bicubic; on its own "
        f"kind of LR its gain is {gains[wrong, ('no-antialiasing LR', s)]['gain']:+.2f} dB, the standard model's "
        f"{gains[right, ('no-antialiasing LR', s)]['gain']:+.2f} dB"
    )
    assert kept < 0.5, "the wrong-degradation model should lose most of its gain on the standard LR"
    assert gains[wrong, ("no-antialiasing LR", s)]["gain"] > gains[right, ("no-antialiasing LR", s)]["gain"] + 1, (
        "on its own kind of LR it should do far better than the model trained on standard LR"
    )
    assert abs(gains[right, ("standard LR", s)]["gain"] - gains["shipped espcn-x3", ("standard LR", s)]["gain"]) < 0.2

# %% [markdown]
# The control hardly moves: more training on the right LR keeps the shipped model where it was. The model
# fine-tuned on non-antialiased LR loses **most of its gain** on the standard LR of the tables (the share it
# keeps is printed above, and checked to be under half): it learned to expect sharp, aliased input, and given
# the smoother standard LR it does not restore what the blur removed. On its own kind of LR it is far better
# than the standard model, which sharpens the aliasing as if it were blurred detail (both gains are printed
# above). (`train` picks the checkpoint with the best validation PSNR on *standard* LR, the least damaged one:
# a release trained without a standard-LR validation would fare no better.)
#
# ### 2.5 All the mistakes, side by side

# %%
err = pd.DataFrame(errors)
summary = err.pivot_table(index="mistake", columns=["set", "method"], values="error", sort=False)
summary.columns = [f"{s} / {m}" for s, m in summary.columns]
display(summary.round(3))

fig, ax = plt.subplots(figsize=(11, 5.5), layout="constrained")
labels = list(summary.index)
columns = list(summary.columns)
width = 0.8 / len(columns)
for k, column in enumerate(columns):
    ax.barh(
        np.arange(len(labels)) + (k - (len(columns) - 1) / 2) * width,
        summary[column].fillna(0),
        height=width,
        label=column,
    )
ax.set_yticks(np.arange(len(labels)), labels)
ax.invert_yaxis()
ax.axvline(0, color="black", lw=0.8)
ax.set_xlabel("wrong minus right (dB)")
ax.legend(fontsize=8, loc="lower left")
ax.set_title(f"The size of each mistake at x{SCALE} (model: ESPCN x3 unless named; no bar: not measured)")
plt.show()


# %%
def error(mistake, set_name, method):
    return err[(err.mistake == mistake) & (err.set == set_name) & (err.method == method)]["error"].item()


for s in SETS:
    for m in ("bicubic", "model"):
        assert error("RGB instead of Y", s, m) < -0.3
        assert abs(error("no border crop", s, m)) < 0.2
print(
    "largest errors (dB):",
    err.groupby("mistake")["error"].apply(lambda e: e.abs().max()).sort_values(ascending=False).round(2).to_dict(),
)

# %% [markdown]
# Read the table by size. Large: a mismatch between the LR a model was trained on and the LR it is scored on,
# and RGB instead of Y — the latter shifts bicubic and the model alike, so it corrupts comparisons *with other
# papers* more than within one. Smaller: leakage after a short fine-tuning (it grows
# with capacity and training), and the border crop, the smallest of all. Any of them is larger than some
# differences that papers report; the only defence is to measure exactly as the tables did, and to publish the
# code that does it.
#
# ## 3. Benchmark: the shipped models against bicubic and the published tables
# `benchmark.models_table` (behind `python -m srkit.benchmark models`) scores every shipped model with the
# protocol on each set and times a 512×512 output (median of 3); `benchmark.models_frame` turns its rows into a
# DataFrame with the gain over bicubic, the published figure for the same architecture (`published_as`; for
# EDSR-small and EDSR-medium, VDSR's — the target this course set itself), the published gain over the published bicubic row,
# and our gap to the paper. All 14 models on Set5 and the test split take a few minutes on 2 idle CPU cores, so the
# `quick` budget benchmarks the ×3 models only.

# %%
all_models = pretrained.names()
bench_names = (
    [n for n in all_models if pretrained.info(n)["scale"] == SCALE] if budget.current() == "quick" else all_models
)
if len(bench_names) < len(all_models):
    print(
        f"quick budget: benchmarking the {len(bench_names)} x{SCALE} models of {len(all_models)} "
        "(SRKIT_BUDGET=cpu benchmarks all of them)"
    )
start = time.perf_counter()
frame = benchmark.models_frame(benchmark.models_table(bench_names, root, list(SETS), repeats=3))
print(f"{len(bench_names)} models x {len(SETS)} sets in {time.perf_counter() - start:.0f} s")
shown = [
    "model",
    "set",
    "parameters",
    "ms_512",
    "psnr",
    "ssim",
    "bicubic_psnr",
    "gain_psnr",
    "published_as",
    "published_psnr",
    "published_gain",
    "gap_psnr",
]
display(frame[shown].round(3))
assert (frame["gain_psnr"] > 0.3).all(), "every shipped model beats bicubic by more than 0.3 dB on every set"
for _, row in frame[frame["set"] == "Set5"].iterrows():
    assert abs(row["bicubic_psnr"] - published("bicubic", row["scale"], "Set5")[0]) < 0.03

# %% [markdown]
# The same numbers as a gain table — ours beside the papers' on Set5 (the papers trained on 91 images or more
# for days; ours on 15 images for minutes to hours on a CPU, see `MODEL_CARD.md`):

# %%
gain_view = frame.pivot_table(index=["scale", "model"], columns="set", values="gain_psnr", sort=False)
gain_view["published gain, Set5"] = frame.groupby(["scale", "model"], sort=False)["published_gain"].first()
gain_view["published as"] = frame.groupby(["scale", "model"], sort=False)["published_as"].first()
display(gain_view.round(2))

# %% [markdown]
# **PSNR against parameters against time.** One panel per scale: the mean PSNR (Set5 when present) against the
# number of parameters (log scale); the marker area is the time per 512×512 output. Hollow markers are the
# published figures, placed at the parameter count of srkit's implementation of the paper's architecture.

# %%
score_set = "Set5" if "Set5" in SETS else "test"
PAPER_ARCH = {"srcnn-915-91": "srcnn-915", "fsrcnn": "fsrcnn", "espcn-91": "espcn", "vdsr": "vdsr"}
scales = sorted(int(s) for s in frame["scale"].unique())
fig, axes = plt.subplots(1, len(scales), figsize=(5.2 * len(scales), 4.6), squeeze=False, layout="constrained")
for ax, s in zip(axes[0], scales):
    here = frame[(frame["scale"] == s) & (frame["set"] == score_set)]
    for _, row in here.iterrows():
        ax.scatter(row["parameters"], row["psnr"], s=row["ms_512"], alpha=0.6)
        ax.annotate(
            f"{row['model']}, {row['ms_512']:.0f} ms",
            (row["parameters"], row["psnr"]),
            fontsize=8,
            textcoords="offset points",
            xytext=(9, 0),
            va="center",
        )
    for paper, arch in PAPER_ARCH.items():
        ref = published(paper, s, score_set)
        if ref:
            ax.scatter(
                models.count_params(models.build(arch, scale=s)), ref[0], s=60, facecolors="none", edgecolors="black"
            )
            ax.annotate(
                f"{paper} (paper)",
                (models.count_params(models.build(arch, scale=s)), ref[0]),
                fontsize=8,
                textcoords="offset points",
                xytext=(6, 2),
            )
    ax.axhline(here["bicubic_psnr"].iloc[0], color="gray", ls="--", label="bicubic")
    ax.set_xscale("log")
    ax.set_xlabel("parameters (log scale)")
    ax.set_ylabel(f"mean PSNR on {score_set} (dB)")
    ax.set_title(f"x{s}: marker area ~ ms per 512x512 output")
    ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# More parameters buy PSNR, with diminishing returns, and time is not parameters: SRCNN has the fewest
# parameters and is among the slowest (it runs on the HR grid, lesson 04), and the EDSR models cost the most time.
# The hollow markers (the papers' figures) sit above ours at the same size — the papers' models had more
# training data and time — except ESPCN ×3, which reaches its paper's figure. A benchmark table should show all three columns — quality, size, time — measured on one machine.
#
# ## 4. Failure cases
# A mean hides where a model fails. First **per image**: the gain of each ×3 model over bicubic on every image
# of Set5 and the test split, on a rendered text image that no model has seen, and — marked — on three
# training-split images (`text`, `page`, `brick`): scores on training images are inflated by leakage
# (section 2.3), which is why a fair look at text needs text that was not trained on.

# %%
TEXT_LINES = [
    (22, "Super-resolution at x3"),
    (22, "sharpens the strokes"),
    (15, "it can see in the LR image, but it cannot"),
    (15, "invent the letters that downscaling lost:"),
    (11, "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLM"),
    (11, "The quick brown fox jumps over the lazy dog."),
]


def render_text(width=420, height=162):
    # black text on white at three sizes: 22, 15 and 11 pixels high (7, 5 and 3.7 LR pixels at x3)
    canvas = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(canvas)
    y = 4
    for size, line in TEXT_LINES:
        font = ImageFont.load_default(size=size)  # a scalable font (Pillow >= 10.1, as srkit requires)
        draw.text((6, y), line, fill=0, font=font)
        y += size + 8
    return np.asarray(canvas)


text_image = render_text()
train_seen = {f"{n} (training image)": train_split[n] for n in ("text", "page", "brick")}
probe = {
    **{f"{n} ({s})": im for s, images in SETS.items() for n, im in images.items()},
    "rendered text (unseen)": text_image,
    **train_seen,
}
x3_models = [n for n in all_models if pretrained.info(n)["scale"] == SCALE]
base = evaluate(bicubic_upscaler(SCALE), probe, scale=SCALE, crop_border=SCALE)
per_image_gain = pd.DataFrame({"bicubic PSNR": base.psnr})
for name in x3_models:
    net = pretrained.load(name)
    result = evaluate(lambda lr: srkit.upscale(lr, model=net, scale=SCALE), probe, scale=SCALE, crop_border=SCALE)
    per_image_gain[name] = pd.Series(result.psnr) - pd.Series(base.psnr)
display(
    per_image_gain.round(2).style.background_gradient(cmap="RdBu", vmin=-3, vmax=3, subset=x3_models).format("{:.2f}")
)

# %%
unseen = per_image_gain.drop(index=list(train_seen))
seen = per_image_gain.loc[list(train_seen)]
best = "edsr-small-x3"
print(
    f"{best}: least gain on {unseen[best].idxmin()} ({unseen[best].min():+.2f} dB); on training images "
    f"{seen[best].min():+.2f} to {seen[best].max():+.2f} dB, on unseen images {unseen[best].min():+.2f} to {unseen[best].max():+.2f}"
)
assert (unseen[x3_models] > 0).all().all(), "every shipped x3 model beats bicubic on every unseen image"
# hold each image fixed and compare two models: ESPCN is too small to memorise (section 2.3)
lead = per_image_gain[best] - per_image_gain["espcn-x3"]
print(
    f"{best}'s lead over espcn-x3: {lead[list(train_seen)].mean():+.2f} dB on the training images, "
    f"{lead.drop(index=list(train_seen)).mean():+.2f} dB on unseen ones"
)
assert lead[list(train_seen)].mean() > lead.drop(index=list(train_seen)).mean() + 0.5, "memory shows in the lead"

# %% [markdown]
# No unseen image is a loss for any model, but the gains range over a factor of ten: large on sharp edges
# (butterfly, bird, woman, coins), small on fine natural texture (china's foliage, chelsea's fur, the head's
# skin). The rendered text gains too — but a gain in PSNR is not legibility, as the zoom below shows. And the
# training images (`text`, `page`, `brick`) show EDSR-small's largest gains of all. Their gains alone do not
# prove memory (section 2.3: gains differ by content more than by leakage; brick and text are sharp edges,
# where every model gains most, ESPCN too). Holding each image fixed and comparing two models does better:
# EDSR-small's lead over ESPCN, which is too small to memorise, is several times larger on its training images
# than on unseen ones (printed above). Part of its gain there is memory.
#
# Now **per region**. We cut each test image (Y, border cropped, as the protocol) into 24×24-pixel blocks and
# compute the PSNR gain of EDSR-small over bicubic in each block; blocks where even bicubic is nearly exact
# (MSE below 10 grey levels², flat regions) are left out (white). Red blocks are where the model does worse
# than bicubic.

# %%
BLOCK = 24


def block_mse(a, b, block=BLOCK):
    d = (prepare(a, crop_border=SCALE, y_channel=True) - prepare(b, crop_border=SCALE, y_channel=True)) ** 2
    h, w = d.shape[0] // block * block, d.shape[1] // block * block
    return d[:h, :w].reshape(h // block, block, w // block, block).mean(axis=(1, 3))


edsr = pretrained.load(best)
regions = {}
for name, hr in {**SETS["test"], "rendered text": text_image}.items():
    lr, hr = data.make_pair(hr, SCALE)
    bic, sr = imresize(lr, SCALE), srkit.upscale(lr, model=edsr, scale=SCALE)
    mse_b, mse_s = block_mse(hr, bic), block_mse(hr, sr)
    gain = np.where(mse_b > 10, 10 * np.log10(np.maximum(mse_b, 1e-6) / np.maximum(mse_s, 1e-6)), np.nan)
    regions[name] = dict(hr=hr, bicubic=bic, sr=sr, gain=gain)

fig, axes = plt.subplots(2, len(regions), figsize=(4.2 * len(regions), 6.4), layout="constrained")
for k, (name, r) in enumerate(regions.items()):
    axes[0, k].imshow(r["hr"], cmap="gray", vmin=0, vmax=255)
    axes[0, k].set_title(name)
    axes[0, k].axis("off")
    im = axes[1, k].imshow(r["gain"], cmap="RdBu", vmin=-2, vmax=2)
    axes[1, k].set_title(f"{np.mean(r['gain'][np.isfinite(r['gain'])] < 0):.0%} of textured blocks lose")
    axes[1, k].axis("off")
fig.colorbar(im, ax=axes[1, :], shrink=0.8, label=f"{best} gain over bicubic per {BLOCK}x{BLOCK} block (dB)")
plt.show()

# %% [markdown]
# The losses gather in **fine, irregular texture**: the cameraman's coat (a dark weave at the limit of the
# resolution), the trees of china, some of the fur. There the LR image has no trace of the detail; the network
# sharpens what it guesses are edges, and a wrong guess costs more than bicubic's blur. The zoomed worst block
# of each test image (48×48 pixels around it, enlarged without smoothing):

# %%
fig, axes = plt.subplots(len(SETS["test"]), 3, figsize=(8.5, 2.9 * len(SETS["test"])), layout="constrained")
worst_blocks = {}
for row_axes, name in zip(axes, SETS["test"]):
    r = regions[name]
    i, j = np.unravel_index(np.nanargmin(r["gain"]), r["gain"].shape)
    worst_blocks[name] = r["gain"][i, j]
    y0 = max(0, SCALE + i * BLOCK - BLOCK // 2)
    x0 = max(0, SCALE + j * BLOCK - BLOCK // 2)
    for ax, key in zip(row_axes, ("hr", "bicubic", "sr")):
        crop = r[key][y0 : y0 + 2 * BLOCK, x0 : x0 + 2 * BLOCK]
        ax.imshow(crop, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        ax.axis("off")
        ax.set_title(
            {"hr": f"{name}: HR", "bicubic": "bicubic", "sr": f"{best} ({r['gain'][i, j]:+.2f} dB)"}[key], fontsize=9
        )
plt.show()
assert min(worst_blocks.values()) < 0, "somewhere the model should do worse than bicubic"

# %% [markdown]
# And text: the rendered text through bicubic and two models, shown at twice its size without smoothing (PSNR/SSIM
# of the whole image with the protocol's conventions).

# %%
lr_text, hr_text = data.make_pair(text_image, SCALE)
panels = {
    "HR": hr_text,
    "bicubic": imresize(lr_text, SCALE),
    "espcn-x3": espcn_x3(lr_text),
    best: srkit.upscale(lr_text, model=edsr, scale=SCALE),
}
fig, axes = plt.subplots(2, 2, figsize=(15, 6.2), layout="constrained")
for ax, (label, im) in zip(axes.ravel(), panels.items()):
    ax.imshow(im, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.axis("off")
    score = (
        ""
        if label == "HR"
        else (
            f": {psnr(hr_text, im, crop_border=SCALE, y_channel=True):.2f} dB / "
            f"{ssim(hr_text, im, crop_border=SCALE, y_channel=True):.4f}"
        )
    )
    ax.set_title(label + score)
plt.show()
text_gain = {
    m: psnr(hr_text, panels[m], crop_border=SCALE, y_channel=True)
    - psnr(hr_text, panels["bicubic"], crop_border=SCALE, y_channel=True)
    for m in ("espcn-x3", best)
}
assert all(g > 0 for g in text_gain.values()), text_gain

# %% [markdown]
# EDSR-small restores the 22-pixel lines crisply; the 15-pixel lines come out sharper than bicubic and mostly
# readable, with letters deformed here and there; the 11-pixel lines (under 4 LR pixels per letter) are not
# readable in any output — the networks draw sharp strokes that form no letters. The networks sharpen what the
# LR image still shows and cannot invent what the downscaling removed: a higher PSNR, the same lost text (and
# sharp wrong letters can mislead more than blurred ones). When text matters (documents, licence plates,
# signs), measure on text, and look.
#
# ## 5. The explorer
# `viz.explorer` is the classroom widget: choose an image, a scale and methods (bicubic and every shipped
# architecture), and move the zoom with the sliders; every panel shows PSNR/SSIM on Y with `scale` pixels
# cropped. Outputs are cached, so moving the zoom is instant (computing a new image or scale takes a moment).

# %%
explorer_images = {**SETS["test"], "rendered text": text_image, **SETS.get("Set5", {})}
widget = viz.explorer(explorer_images)
display(widget)
assert widget.output.value[:4] == b"\x89PNG" and set(widget.controls) >= {"image", "scale", "methods"}

# %% [markdown]
# **Question.** Choose the rendered text and step the scale from ×2 to ×4 with bicubic, ESPCN and EDSR-small
# selected: at which scale does the middle (15-pixel) text stop being readable in every output, and does any
# model keep it readable one scale longer than bicubic? Then choose camera at ×3 and move the zoom onto the
# coat: does EDSR-small restore its weave, or draw a pattern that the HR panel does not have?

# %% [markdown]
# ## Exercises
# Each exercise has a worked solution in the cell below it: read the task, try your own answer in that cell,
# then run the check cell.
#
# Lesson 01's exercise 4 asked what converting gray images to RGB before taking Y adds to their PSNR.
#
# **Exercise 1.** The PSNR of the batch-mean MSE (lesson 03), in numbers. A set has two images, scored at
# 40 dB and 20 dB. Compute by hand (NumPy arithmetic, no srkit) the mean PSNR as published tables report it
# (`mean_psnr`) and the PSNR of the mean MSE (`psnr_mean_mse`). Then answer: can the PSNR of the mean MSE ever be *higher* than the mean PSNR? (`can_be_higher`: True or False)

# %%
mse_40, mse_20 = 255**2 / 10**4, 255**2 / 10**2  # PSNR = 10 log10(255^2 / MSE)
mean_psnr = (40 + 20) / 2
psnr_mean_mse = 10 * np.log10(255**2 / ((mse_40 + mse_20) / 2))
can_be_higher = False  # -10 log10 is convex: the PSNR of the mean MSE is at most the mean PSNR
mean_psnr, round(psnr_mean_mse, 3), can_be_higher


# %%
def psnr_of_mean_mse(per_image):
    mse = [255.0**2 / 10 ** (p / 10) for p in per_image.values()]  # invert PSNR = 10 log10(255^2 / MSE)
    return 10 * np.log10(255.0**2 / np.mean(mse))


assert mean_psnr == 30
assert abs(psnr_mean_mse - 10 * np.log10(2 / (1e-4 + 1e-2))) < 1e-9, (
    f"{psnr_mean_mse:.3f} dB is not the PSNR of the mean MSE"
)
rng = np.random.default_rng(0)
worst = max(psnr_of_mean_mse(dict(enumerate(p))) - np.mean(p) for p in rng.uniform(15, 45, (2000, 5)))
assert can_be_higher == (worst > 1e-9), (
    f"in 2,000 random sets the largest (PSNR of mean MSE - mean PSNR) was {worst:+.3f} dB"
)
print(f"Correct: {psnr_mean_mse:.2f} dB against 30 dB: the 20 dB image decides the pooled number.")


# %% [markdown]
# **Exercise 2.** Write the protocol yourself: `my_mean_psnr(upscaler, images, scale)` — modcrop, MATLAB-bicubic
# downscale (`imresize(hr, 1 / scale)`), upscale, then PSNR on Y computed with NumPy only (Y = 16 + (65.481 R +
# 128.553 G + 24.966 B) / 255 for uint8 RGB, rounded to integers as MATLAB stores it; a gray image is its own
# Y), `scale` pixels cropped, averaged per image. The check compares it with `srkit.evaluate` on both sets, for
# bicubic and ESPCN.


# %%
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

# %%
for (s, m), result in runs.items():
    mine = my_mean_psnr(METHODS[m], SETS[s], SCALE)
    assert abs(mine - result.mean_psnr) < 1e-3, (
        f"{s}/{m}: yours {mine:.4f} dB, srkit.evaluate {result.mean_psnr:.4f} dB"
    )
print("Correct: your protocol gives srkit.evaluate's numbers to 0.001 dB.")

# %% [markdown]
# **Exercise 3.** Do PSNR and SSIM agree? For every (scale, set) in the benchmark `frame` of section 3, rank the
# models by PSNR and by SSIM and say whether the two orders are identical: `agree[(scale, set)]` = True or
# False. Use pandas (`groupby`, `sort_values`).

# %%
agree = {}
for (s, set_name), group in frame.groupby(["scale", "set"]):
    by_psnr = list(group.sort_values("psnr", ascending=False)["model"])
    by_ssim = list(group.sort_values("ssim", ascending=False)["model"])
    agree[(s, set_name)] = by_psnr == by_ssim
agree

# %%
for (s, set_name), answer in agree.items():
    rows_here = [r for _, r in frame.iterrows() if r["scale"] == s and r["set"] == set_name]
    truth = [r["model"] for r in sorted(rows_here, key=lambda r: -r["psnr"])] == [
        r["model"] for r in sorted(rows_here, key=lambda r: -r["ssim"])
    ]
    assert answer == truth, f"x{s} {set_name}: the orders {'agree' if truth else 'differ'}"
assert set(agree) == set(frame.groupby(["scale", "set"]).groups), "answer for every (scale, set) of the frame"
print(
    f"Correct: PSNR and SSIM order the models identically in {sum(agree.values())} of {len(agree)} cases.",
    "Close models can swap places between metrics (and between sets): report both, on several sets.",
)
print(f"lesson 07 ran in {time.perf_counter() - LESSON_START:.0f} s ({budget.current()} budget)")

# %% [markdown]
# ## Summary
# - **The protocol:** MATLAB-bicubic (antialiased) LR, PSNR/SSIM on Y with `scale` pixels cropped, one value per
#   image, then the mean — `srkit.evaluate.evaluate` (per image, means, seconds; `.to_frame()`), which
#   reproduces the published bicubic row.
# - **Mistakes, measured at ×3** on Set5 and the test split (the table and chart of section 2.5): RGB instead of
#   Y lowers every score, bicubic's and the model's alike; leaving the border in moves it by hundredths, either
#   way; test images leaking into fine-tuning raise the test score and not the score on unseen images; a model
#   fine-tuned on non-antialiased LR keeps less than half of its gain on the standard LR, while on its own kind
#   of LR it beats the standard model by far. (Lesson 01 measured other resizers and gray images converted to
#   RGB; lesson 03 the PSNR of the mean MSE.)
# - **Benchmark:** every shipped model beats bicubic on every set (`benchmark.models_frame`: gains, published
#   figures, gaps); quality, size and time must be read together — parameters do not predict time.
# - **Failures:** gains are smallest on fine natural texture (foliage, fur, a woven coat — where some regions
#   lose to bicubic) and on small text, where a PSNR gain does not make letters legible. On its training images a large model's lead over a small one grows several-fold (EDSR-small over ESPCN):
#   score only on images never trained on.
#
# ## Questions you should now be able to answer
# 1. Why is the PSNR of the mean MSE never above the mean PSNR, and which images dominate it (exercise 1)?
# 2. Which mistakes shift bicubic and a model alike, and which change the *gain* of the model?
# 3. Why does a model trained on non-antialiased LR beat the standard model on its own kind of LR and lose
#    most of its gain on the benchmark?
# 4. How would you show that a test score is inflated by leakage, rather than assume it?
# 5. Why did the leakage experiment need a control fine-tuning, rather than a comparison with the shipped model?
# 6. A paper reports +0.04 dB over the previous best on Set5. What would you check before believing it?
