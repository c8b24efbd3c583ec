# %% [markdown]
# # 12 · Benchmarks and failure cases: the shipped models, the published tables, and where they fail
#
# Lesson 11 made the published protocol one call (`srkit.evaluate.evaluate`: MATLAB-bicubic LR, PSNR/SSIM on Y
# with `scale` pixels cropped, the mean of per-image values) and measured what each of four mistakes does to the
# number. With a number we can trust, this lesson asks the questions a benchmark is for: how much does each
# shipped model gain over bicubic, how close does it come to its paper's published figure, and at what cost in
# parameters and time? And since a mean hides where a model fails, it then looks per image and per region —
# fine textures and small text — and zooms in.
#
# **What you will learn**
# - to benchmark all shipped models against bicubic and the published figures as a pandas DataFrame
#   (`srkit.benchmark.models_frame`), and to read PSNR against parameters and time;
# - to find failure cases per image and per region — text and fine textures — and look at them zoomed;
# - why a model's score on its own training images says little, and how comparing two models on the same
#   image shows memory;
# - the explorer widget, for comparisons of your own.
#
# **Time needed:** about 40 minutes to read (exercises not counted); the code runs in about 2 min
# with the `cpu` budget (measured on a 2-core CPU): about 42 minutes in all.

# %% [markdown]
# ## Set-up
# The same first cell as in every lesson, then this lesson's imports and images, as in lesson 11: **[Set5](../course/references.md#bevilacqua-et-al-2012)** when
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
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from PIL import Image, ImageDraw, ImageFont

from srkit import benchmark, data, models, pretrained, viz
from srkit.evaluate import bicubic_upscaler, evaluate
from srkit.metrics import prepare, psnr, ssim
from srkit.published import published
from srkit.resize import imresize

SCALE = 3
LESSON_START = time.perf_counter()
pd.set_option("display.precision", 3)

root = benchmark.find_benchmarks("Set5")
SETS = {}
if root is not None:
    SETS["Set5"] = data.load_folder(root / "Set5", as_rgb=False)  # gray images stay gray (scored as their own Y)
else:
    print("Set5 not found (`python -m srkit.download set5` fetches it): this lesson uses the test split only.")
SETS["test"] = data.bundled("test")
print({s: [n + (" (gray)" if im.ndim == 2 else "") for n, im in ims.items()] for s, ims in SETS.items()})

# %% [markdown]
# ## 1. Benchmark: the shipped models against bicubic and the published tables
# `benchmark.models_table` (behind `python -m srkit.benchmark models`) scores every shipped model with the
# protocol of lesson 11 on each set and times a 512×512 output (median of 3); `benchmark.models_frame` turns its
# rows into a DataFrame with the gain over bicubic, the published figure for the same architecture
# (`published_as`; for EDSR-small and EDSR-medium, VDSR's — the target this course set itself), the published
# gain over the published bicubic row, and our gap to the paper. All 14 models on Set5 and the test split take a
# few minutes on 2 idle CPU cores, so the `quick` budget benchmarks the ×3 models only.

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
# parameters and is among the slowest (it runs on the HR grid, lesson 06), and the EDSR models cost the most time.
# The hollow markers (the papers' figures) sit above ours at the same size — the papers' models had more
# training data and time — except ESPCN ×3, which reaches its paper's figure. A benchmark table should show all
# three columns — quality, size, time — measured on one machine.
#
# ## 2. Failure cases
# A mean hides where a model fails. First **per image**: the gain of each ×3 model over bicubic on every image
# of Set5 and the test split, on a rendered text image that no model has seen, and — marked — on three
# training-split images (`text`, `page`, `brick`): scores on training images are inflated by leakage
# (lesson 11, section 2.3), which is why a fair look at text needs text that was not trained on.

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
train_split = data.bundled("train")
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
# hold each image fixed and compare two models: ESPCN is too small to memorise (lesson 11, section 2.3)
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
# prove memory (lesson 11, section 2.3: gains differ by content more than by leakage; brick and text are sharp edges,
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
    "espcn-x3": srkit.upscale(lr_text, model="espcn-x3", scale=SCALE),
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
# ## 3. The explorer
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
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** Is a gain more than these few images? Section 2 found that gains differ far more between
# images than between models, so a mean over a handful of images is one draw among many sets. The **bootstrap**
# asks how much it would move with other images like them: draw as many images as the set has, with
# replacement, take the mean again, many times over, and keep the middle 95 per cent of those means. Write
# `gain_interval(a, b, seed=0, resamples=2000)`: `a` and `b` hold two models' scores on the same images, in the
# same order; return `(low, high)`, the bootstrap 95-per-cent interval of the mean of `a - b`, drawing with
# `np.random.default_rng(seed)`. Then, on `unseen` (section 2), is `edsr-small-x3` surely better than
# `fsrcnn-x3`? (`sure_better`: True if its interval lies wholly above 0.)


# %% tags=["stub"]
def gain_interval(a, b, seed=0, resamples=2000):
    raise NotImplementedError("Exercise 1: return (low, high) in dB")


sure_better = None  # True or False


# %% tags=["solution"]
def gain_interval(a, b, seed=0, resamples=2000):
    d = np.asarray(a, float) - np.asarray(b, float)  # pair each image's two scores: resample images, not scores
    picks = np.random.default_rng(seed).integers(0, len(d), size=(resamples, len(d)))
    means = d[picks].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


sure_better = gain_interval(unseen[best], unseen["fsrcnn-x3"])[0] > 0  # gains over the same bicubic: as good
sure_better

# %% tags=["check"]
rng = np.random.default_rng(12)
for n, seed in [(40, 0), (25, 3), (60, 7)]:
    hardness, lead = rng.uniform(25, 35, n), rng.normal(0.4, 0.5, n)  # invented images, and A's lead on each
    low, high = gain_interval(hardness + lead, hardness, seed=seed)
    width = (high - low) / (2 * 1.96 * lead.std() / np.sqrt(n))  # 1: the normal approximation's width
    assert low <= lead.mean() <= high, f"{n} images: your interval does not contain the mean of a - b"
    assert width < 1.5, f"{n} images: far too wide: resample whole images (with both scores), not scores"
    assert 0.9 < width < 1.1, f"{n} images: too {'wide' if width > 1 else 'narrow'} for a 95 % interval"
    assert tuple(gain_interval(hardness + lead, hardness, seed=seed)) == (low, high), "the same seed, another result"
low, high = gain_interval(unseen[best], unseen["fsrcnn-x3"])
assert sure_better == (low > 0), f"read {best}'s interval again: does it lie wholly above 0?"
print(f"Correct: on {len(unseen)} unseen images, {best} leads fsrcnn-x3 by {low:+.2f} to {high:+.2f} dB (95 %).")

# %% [markdown]
# **Exercise 2.** Quality and time together (section 1). At one scale, a model is *dominated* when another model
# is at least as good in PSNR on `score_set` and at least as fast (`ms_512`), and strictly better in one of the
# two: nobody should pick it. For every scale in `frame`, collect the models that are not dominated:
# `front[scale]` = a set of model names.

# %% tags=["stub"]
front = {}  # scale -> the set of models that no other model dominates

# %% tags=["solution"]
front = {}
for s, group in frame[frame["set"] == score_set].groupby("scale"):
    rows = list(group.itertuples())
    front[s] = {
        r.model
        for r in rows
        if not any(o.psnr >= r.psnr and o.ms_512 <= r.ms_512 and (o.psnr > r.psnr or o.ms_512 < r.ms_512) for o in rows)
    }
front

# %% tags=["check"]
assert isinstance(front, dict), "give front as a dict: scale -> set of model names"
here = frame[frame["set"] == score_set]
for s, group in here.groupby("scale"):
    best_psnr, truth = -np.inf, set()
    for _, row in group.sort_values(["ms_512", "psnr"], ascending=[True, False]).iterrows():
        if row["psnr"] > best_psnr:  # sorted by time: keep each model that beats every faster one
            truth.add(row["model"])
            best_psnr = row["psnr"]
    yours = set(front.get(s, ()))
    assert yours <= truth, f"x{s}: another model is at least as good and as fast as one of yours"
    assert yours >= truth, f"x{s}: a model that no other model dominates is missing"
assert len(front) == here["scale"].nunique(), "one set of models for every scale of frame"
print("Correct: not dominated:", {int(s): sorted(m) for s, m in front.items()})

# %% [markdown]
# **Exercise 3.** Fine texture, in its simplest form: a grating of vertical stripes of one period. Down to which
# period do the models restore it? Write `contrast_kept(period, upscaler)`: make a 96×96 grey uint8 HR image whose
# column `x` is $128 + 80\cos(2\pi x / \text{period})$ (rounded), make its LR with `data.make_pair`, enlarge it
# with `upscaler`, and return the output's contrast over the HR image's, both measured by `contrast` below
# (1: all kept, 0: none). Then give `lost`: the `PERIODS` at which `edsr-small-x3` keeps under a fifth of it.

# %%
PERIODS = [3, 4, 5, 6, 8, 12, 24]  # in HR pixels


def contrast(image, period, margin=12):  # the amplitude of the stripes of this period, away from the borders
    row = np.asarray(image, float)[margin:-margin, margin:-margin].mean(axis=0)
    x = 2 * np.pi * np.arange(margin, margin + row.size) / period
    fit = np.linalg.lstsq(np.stack([np.ones_like(x), np.cos(x), np.sin(x)], 1), row, rcond=None)[0]
    return float(np.hypot(fit[1], fit[2]))


# %% tags=["stub"]
def contrast_kept(period, upscaler):
    raise NotImplementedError("Exercise 3: return a float, 1 where the output keeps all the contrast")


lost = set()  # periods from PERIODS


# %% tags=["solution"]
def contrast_kept(period, upscaler):
    row = np.round(128 + 80 * np.cos(2 * np.pi * np.arange(96) / period))
    lr, hr = data.make_pair(np.tile(row, (96, 1)).astype(np.uint8), SCALE)
    return contrast(upscaler(lr), period) / contrast(hr, period)


lost = {p for p in PERIODS if contrast_kept(p, lambda lr: srkit.upscale(lr, model=edsr, scale=SCALE)) < 0.2}
lost


# %% tags=["check"]
def stand_in(kept, period):  # an "upscaler" whose output keeps `kept` of the stripes' contrast
    row = 128 + 80 * kept * np.sin(2 * np.pi * np.arange(96) / period)
    return lambda lr: np.tile(np.round(row), (96, 1)).astype(np.uint8)


for kept, period in [(1.0, 8), (0.5, 5), (0.0, 12)]:
    assert abs(contrast_kept(period, stand_in(kept, period)) - kept) < 0.02, f"period {period}: is the HR as described?"
bicubic_kept = [contrast_kept(p, lambda lr: imresize(lr, SCALE)) for p in PERIODS]
edsr_kept = [contrast_kept(p, lambda lr: srkit.upscale(lr, model=edsr, scale=SCALE)) for p in PERIODS]
assert bicubic_kept[-1] > 0.9 > 0.1 > bicubic_kept[0], "bicubic should keep period 24 and lose 3: make_pair?"
assert lost == {p for p, k in zip(PERIODS, edsr_kept) if k < 0.2}, f"read {best}'s contrast at each period again"
print(
    "Correct. Kept by bicubic, edsr-small-x3: "
    + ", ".join(f"{p}: {b:.2f}, {e:.2f}" for p, b, e in zip(PERIODS, bicubic_kept, edsr_kept))
)
print(f"The lost periods are under 2 x SCALE = {2 * SCALE} HR pixels, the LR grid's Nyquist limit (lesson 09).")
print(f"lesson 12 ran in {time.perf_counter() - LESSON_START:.0f} s ({budget.current()} budget)")

# %% [markdown]
# ## Summary
# - **Benchmark:** every shipped model beats bicubic on every set (`benchmark.models_frame`: gains, published
#   figures, gaps); quality, size and time must be read together — parameters do not predict time, and a model
#   that is both slower and worse than another is never the right pick.
# - **Failures:** gains are smallest on fine natural texture (foliage, fur, a woven coat — where some regions
#   lose to bicubic) and on small text, where a PSNR gain does not make letters legible. On its training images
#   a large model's lead over a small one grows several-fold (EDSR-small over ESPCN): score only on images never
#   trained on.
# - **Look as well as measure:** a mean over a set hides per-image and per-region losses; the zooms and the
#   explorer show what the numbers do not.
#
# ## Questions you should now be able to answer
# 1. Why do parameters not predict time (think of SRCNN against ESPCN), and what should a benchmark table show?
# 2. Why do the shipped models fall short of their papers' figures, and what would you need to close the gap?
# 3. Where do the models gain least over bicubic, and why does a network lose to bicubic in some regions?
# 4. Why is a PSNR gain on text not legibility, and how would you evaluate a model meant for documents?
# 5. Why can a model's gain on an image not show, on its own, that the image was in its training set? What
#    comparison does?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. Time follows the arithmetic, parameters times the number of positions each weight is applied at, plus
#    memory traffic. SRCNN has few weights but runs all its layers on the HR grid, $s^2$ times more positions
#    than ESPCN's LR grid, so it is among the slowest. A benchmark table should show quality (PSNR and SSIM on
#    several sets, beside bicubic and the published figures), size (parameters) and time, all measured with
#    the same protocol on one machine (same output size, after a warm-up, the median of repeats).
# 2. The papers trained on [91 images](../course/references.md#yang-et-al-2010) or more for days; the shipped models on the 15 images of the training
#    split for minutes to hours on a CPU (and EDSR-small and EDSR-medium are measured against VDSR's figure,
#    a target, not their own paper). Closing the gap needs more and more varied training images, longer
#    training, and for the EDSR models more capacity, checked with the same protocol on validation, never on
#    Set5. ESPCN ×3, a small model that trains fast, already reaches its paper's figure.
# 3. On fine, irregular natural texture (china's foliage, chelsea's fur, the cameraman's coat) and on small
#    text. There the LR image keeps no trace of the detail; the network sharpens what it takes for edges, and a
#    sharp wrong guess costs more squared error than bicubic's blur, so in some blocks it loses (the red blocks
#    of section 2).
# 4. PSNR averages the squared error over all pixels: sharper strokes near the letters lower it even when the
#    strokes form no letters (the smallest lines of the rendered text). For documents: score on text images
#    never trained on, at the sizes and scales of the real documents; measure legibility (the error rate of an
#    OCR engine on the output against on HR, or people reading it); score text regions on their own; and look
#    at zooms.
# 5. Gains differ by content more than by leakage: sharp edges (brick, text) give every model a large gain,
#    so a large gain on an image proves nothing. Hold the image fixed and compare two models: a large model's
#    lead over one too small to memorise (ESPCN), on its training images against on unseen ones (section 2,
#    for EDSR-small); or retrain with and without the image, as lesson 11 did.
