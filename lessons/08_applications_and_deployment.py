# %% [markdown]
# # 08 · Applications and deployment: real images, large images, export, scaling out and security
#
# The earlier lessons trained and measured SR models under the published protocol: clean LR images made by
# MATLAB-bicubic downscaling. This lesson takes the models out into the world. **Part 1** applies them to *your*
# images and to whole folders, meets a realistic degradation (blur, noise and JPEG) on which the shipped models
# fail, and trains a model for it; looks at microscopy, medical and astronomy images with the caveats they
# need; and deploys: tiled inference with bounded memory, export to SavedModel and TensorFlow Lite (checked
# equal to the Keras model), and speed with XLA, TensorFlow Lite and mixed precision. **Part 2** asks what to
# do when one GPU is not enough: is training limited by its input pipeline or by arithmetic (measured), mixed
# precision, several GPUs, several machines and TPUs (the code runs here on a CPU), and the cheap wins.
# **Part 3** makes model and data security concrete: checksums, safe loading, input limits, no pickle.
#
# **What you will learn**
# - to apply a model to your own image (upload widget, a folder, or the command line `srkit upscale`);
# - what a "real-world" degradation is, why bicubic-trained models lose their whole gain on it (measured), and
#   how fine-tuning a shipped model on that degradation wins it back — and why the model must be *selected*
#   on the degradation it will meet;
# - what SR can and cannot do for microscopy, medical and astronomical images (it is not a new measurement);
# - tiled inference: identical results, and memory that grows far less with the image (measured);
# - export to SavedModel and TensorFlow Lite with a numeric-equivalence check; XLA, TFLite and mixed precision;
# - to tell an input-bound from a compute-bound training run, and to fix the input-bound one with `tf.data`;
# - data parallelism: `MirroredStrategy` (several GPUs; two logical CPUs here), `MultiWorkerMirroredStrategy`
#   (two worker processes here) and `TPUStrategy` (Colab);
# - model and data security: SHA-256 verification, `safe_mode=True` and what a `Lambda` layer could do,
#   decompression bombs, and why there is no pickle.
#
# **Time needed:** about 60 minutes to read; the code runs in about 3 minutes (`quick`) or 8 minutes (`cpu`, 2 cores).

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
import contextlib
import glob
import hashlib
import io
import json
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

import ipywidgets as widgets
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from IPython.display import display
from PIL import Image

from srkit import data, download, export, models, pretrained, train, viz
from srkit.benchmark import batches_per_second, fit_steps_per_second, frame_speed, tile_memory
from srkit.color import to_y
from srkit.evaluate import evaluate
from srkit.metrics import psnr
from srkit.resize import imresize, modcrop

tf.get_logger().setLevel("ERROR")  # no INFO lines from the exports below
warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated")  # see section 6
SCALE = 3
WORK = Path(tempfile.mkdtemp(prefix="srkit-lesson08-"))  # everything this lesson writes goes here
# subprocesses (the srkit command, training runs) must import the same srkit as this notebook
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(
        filter(None, [str(Path(srkit.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")])
    ),
}
test_images, val_images = data.bundled("test"), data.bundled("validation")
edsr3 = pretrained.load("edsr-small-x3")
print(f"this lesson writes only into {WORK}")

# %% [markdown]
# # Part 1 · Applying SR models
#
# ## 1. Your own image
# Three ways in, tried in this order: an image you **upload** with the widget below (JupyterLab and Colab: click
# *Upload*, choose a file, then run the next cell); else the first image in the folder `data/my_images/` (the
# path is printed below; put PNG, JPEG, BMP or TIFF files there); else — as when this lesson runs unattended
# in CI — a bundled **test** image. Uploaded bytes are written to a file and read with `srkit.data.load_image`,
# so they pass the same checks as any file (section 13): format, pixel limit, corruption.

# %%
upload = widgets.FileUpload(accept="image/*", multiple=False, description="Upload")
MY_IMAGES = download.data_dir() / "my_images"
display(upload)
print(f"...or put images into {MY_IMAGES}")


# %%
def pick_image(upload, folder):
    # Your uploaded image, else the first image of `folder`, else a bundled test image: (name, image, origin)
    if upload.value:
        # ipywidgets 8: a tuple of dicts with a 'name'; ipywidgets 7 (older Colab): a dict keyed by file name
        files = (
            upload.value
            if isinstance(upload.value, (list, tuple))
            else [dict(v, name=k) for k, v in upload.value.items()]
        )
        item = files[0]
        path = WORK / ("upload" + Path(item["name"]).suffix.lower())  # our own file name, inside WORK
        path.write_bytes(bytes(item["content"]))
        return item["name"], data.load_image(path), "uploaded"
    if folder.is_dir() and any(p.suffix.lower() in data.IMAGE_SUFFIXES for p in folder.iterdir()):
        name, image = next(iter(data.load_folder(folder).items()))
        return name, image, f"the first image in {folder}"
    return "chelsea", test_images["chelsea"], "nothing uploaded and no folder: the bundled test image"


name, mine, origin = pick_image(upload, MY_IMAGES)
h, w = mine.shape[:2]
side = min(180, h, w)  # on a CPU we enlarge a central crop here; `srkit upscale` (section 2) does whole files
crop = mine[(h - side) // 2 : (h - side) // 2 + side, (w - side) // 2 : (w - side) // 2 + side]
print(f"{name} ({origin}): {w} x {h} pixels; enlarging a {side} x {side} crop x{SCALE}")
mine_results = {
    "your crop (nearest)": np.repeat(np.repeat(crop, SCALE, 0), SCALE, 1),
    "bicubic": imresize(crop, SCALE),
    "edsr-small-x3": srkit.upscale(crop, model=edsr3, scale=SCALE),
}
assert all(im.shape[:2] == (side * SCALE, side * SCALE) for im in mine_results.values())
viz.compare(mine_results, zoom=(side * SCALE // 2 - 60, side * SCALE // 2 - 60, 120, 120), panel_size=4.2)
plt.show()

# %% [markdown]
# There is no ground truth for your own image, so there is no PSNR either: you judge with your eyes, and you
# should compare with bicubic (not with the blocky "nearest" enlargement, which flatters any method). If the
# model's result looks noisy or blotchy and your image is a JPEG from a phone or the web, section 3 explains why.
#
# ## 2. Whole folders: the `srkit` command
# For real use you would not open a notebook: `srkit upscale IN... -o OUT` enlarges files or whole folders
# with a shipped model, keeps each file's format (16-bit gray and alpha included), writes each output completely
# or not at all, never overwrites an input, and names every file it could not read. Here it runs as a
# subprocess on a temporary folder (in a terminal: `srkit upscale my_folder -o my_folder_x3 --model espcn`;
# `python -m srkit.cli` is the same command):

# %%
folder_in, folder_out = WORK / "my_folder", WORK / "my_folder_x3"
folder_in.mkdir()
Image.fromarray(crop).save(folder_in / "mine.png")
Image.fromarray(test_images["coins"]).save(folder_in / "coins.png")  # a gray image
command = [
    sys.executable,
    "-m",
    "srkit.cli",
    "upscale",
    str(folder_in),
    "-o",
    str(folder_out),
    "--model",
    "espcn",
    "--scale",
    "3",
    "--quiet",
]
print("$ srkit upscale", *command[4:])
start = time.perf_counter()
run = subprocess.run(command, capture_output=True, text=True, env=ENV)
print(f"exit code {run.returncode} after {time.perf_counter() - start:.1f} s (TensorFlow's start included)")
for path in sorted(folder_out.iterdir()):
    with Image.open(path) as im:
        print(f"  {path.name:<14} {im.size[0]} x {im.size[1]}  mode {im.mode}")
assert run.returncode == 0, run.stderr[-2000:]
assert sorted(p.name for p in folder_out.iterdir()) == ["coins_x3.png", "mine_x3.png"]
with Image.open(folder_out / "coins_x3.png") as im:
    assert im.mode == "L" and im.size == (test_images["coins"].shape[1] * 3, test_images["coins"].shape[0] * 3)

# %% [markdown]
# ## 3. Real-world images: blur, noise and JPEG
# Every model so far learned one mapping: from LR images made by MATLAB-bicubic downscaling back to HR. Real
# LR images are made differently: a lens and a sensor blur, the sensor adds noise, and the file is
# JPEG-compressed. `srkit.data.degrade(hr, scale, kind="real")` is a fixed version of the first-order model of
# Real-ESRGAN (Wang et al., ICCVW 2021): Gaussian blur (σ = 1.0), bicubic downscaling, Gaussian noise (σ = 5
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
#
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
    # after each epoch: PSNR on the validation images with the benchmarks' bicubic LR (train() itself now
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
# Two lessons in one figure. **Pretrained weights are the cheap win**: after a short dip (the first steps at
# Adam's full learning rate shake the weights), the fine-tuned model overtakes the shipped one on real LR,
# while the same network trained from scratch for the same steps stays behind (with the `quick` budget, far
# below bicubic). And
# **specialisation has a price**: as the model learns to remove noise and JPEG blocks, it gets *worse* on clean
# bicubic LR than the shipped model it started from. By the benchmark's yardstick, fine-tuning only did harm —
# had `train` selected its `best.keras` on bicubic validation, it would have kept an early, hardly adapted epoch.
# That is why `train(degradation=...)` validates on LR images made with the same degradation (fixed seeds),
# and `srkit.evaluate(..., degradation=...)` scores any model that way. Now the test split, which neither
# training nor selection saw:

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
# measured: +4.2 dB after 200 steps (quick), +0.5 dB after 2,000 (cpu); from scratch catches up with many more steps
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
        "bicubic": mine_results["bicubic"],
        "edsr-small-x3 (bicubic-trained)": mine_results["edsr-small-x3"],
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
# The gain is a few tenths of a dB — on noisy, compressed input much of the detail is simply gone, and a
# short fine-tune of a 13k-parameter network is a start, not Real-ESRGAN — but it is measured on images the
# model never saw. On one image, as the numbers say, the differences are small: no model restores what
# blur, noise and JPEG removed. (Real-ESRGAN trades PSNR for plausible texture with the adversarial losses of
# lesson 06 — and invents detail, which matters in section 4.)
# (On your own image the better model depends on how it was made: a clean PNG should suit the bicubic-trained
# model, a phone JPEG the fine-tuned one.) With the `cpu` or `gpu` budget the fine-tune is longer and the gain larger.
#
# ## 4. Microscopy, medical and astronomical images
# The bundled images include a fundus photograph (`retina`), stained tissue (`immunohistochemistry`), a cell
# under a microscope (`cell`) and the Hubble eXtreme Deep Field. **They are in the training split**, so scores
# on them are optimistic. Two images that no split uses and that ship offline serve as held-out checks: an MRI
# slice of a head from matplotlib's sample data (`s1045.ima`, 256 × 256, stored as big-endian 16-bit numbers
# whose values fit in 8 bits) and scikit-image's `microaneurysms` (102 × 102, a crop of a retina; excluded from the
# splits as too small to train on). The shipped `edsr-small-x3` against bicubic, bicubic-LR protocol:

# %%
import skimage.data
from matplotlib import cbook

with cbook.get_sample_data("s1045.ima.gz") as f:
    mri16 = np.frombuffer(f.read(), ">u2").reshape(256, 256)  # big-endian 16-bit numbers
assert mri16.max() <= 255, "values fit in 8 bits"
mri = mri16.astype(np.uint8)
domain = {
    "retina (centre)": data.BUNDLED["retina"][0]()[350:1050, 350:1050],
    **{n: data.BUNDLED[n][0]() for n in ("immunohistochemistry", "cell", "hubble_deep_field")},
    "MRI slice": mri,
    "microaneurysms": skimage.data.microaneurysms(),
}
held_out = {"MRI slice", "microaneurysms"}
domain_scores = {}
print(f"{'image':<22}{'split':<10}{'bicubic':>9}{'edsr-small-x3':>15}{'gain':>8}")
for n, image in domain.items():
    lr, hr = data.make_pair(image, SCALE)
    domain_scores[n] = (
        psnr(hr, imresize(lr, SCALE), crop_border=SCALE, y_channel=True),
        psnr(hr, srkit.upscale(lr, model=edsr3, scale=SCALE), crop_border=SCALE, y_channel=True),
    )
    b, s = domain_scores[n]
    print(f"{n:<22}{'held out' if n in held_out else 'train':<10}{b:>9.2f}{s:>15.2f}{s - b:>+8.2f}")
assert all(domain_scores[n][1] - domain_scores[n][0] > 0.5 for n in held_out), (
    "the model should help on held-out images too"
)

# %%
lr_m, hr_m = data.make_pair(mri, SCALE)
sr_m, bic_m = srkit.upscale(lr_m, model=edsr3, scale=SCALE), imresize(lr_m, SCALE)
fig, axes = plt.subplots(1, 4, figsize=(16, 4.4))
for ax, im, title in [(axes[0], hr_m, "MRI slice (HR)"), (axes[1], sr_m, "edsr-small-x3 from LR")]:
    ax.imshow(im, cmap="gray", vmin=0, vmax=255)
    ax.set_title(title)
added = sr_m.astype(float) - bic_m
wrong = sr_m.astype(float) - hr_m
for ax, im, title in [(axes[2], added, "what the model added (SR - bicubic)"), (axes[3], wrong, "its error (SR - HR)")]:
    shown = ax.imshow(im, cmap="RdBu_r", vmin=-30, vmax=30)
    ax.set_title(title)
    fig.colorbar(shown, ax=ax, fraction=0.046)
for ax in axes:
    ax.axis("off")
plt.tight_layout()
plt.show()
print(
    f"the model changed bicubic by {np.abs(added).mean():.1f} grey levels on average; it is still wrong by "
    f"{np.abs(wrong).mean():.1f} on average and by more than 20 at {np.mean(np.abs(wrong) > 20):.2%} of the pixels"
)

# %% [markdown]
# The numbers are encouraging, and the caveats matter more than in any other use of SR:
#
# - **SR is not a new measurement.** Everything the model adds (third panel) is a *guess* of what is most
#   likely, learned from other images — here from the 15 training images (photographs, micrographs, textures, text). The error map shows where the guess
#   is wrong; on a patient's image you would not have that map.
# - **Hallucinated detail is dangerous in medicine.** A model that sharpens noise can create a small bright spot
#   that looks like a lesion, or smooth one away; a GAN-trained model (lesson 06) invents texture on purpose.
#   Medical SR needs models trained and validated on the same modality and scanner, with clinicians judging
#   diagnostic tasks, not PSNR — and regulators treat it as a medical device. Use it for viewing, never in
#   place of a higher-resolution acquisition.
# - **Counting and measuring.** Cell counts, areas and intensities measured on SR output inherit the model's
#   guesses; measure on the raw data, or validate the whole pipeline against ground truth.
# - **Astronomy.** Scientific images are linear, high-dynamic-range floating-point data with a known point
#   spread function and noise model; the Hubble image here is an 8-bit, stretched colour rendering. An SR
#   network does not conserve flux (photometry), can split or merge faint sources and may invent them from
#   noise. Astronomers use deconvolution and drizzling, whose statistics are understood, or networks trained on
#   simulations of that very instrument.
# - **Train on the right degradation and the right domain**, as section 3 showed: the blur, noise and
#   compression of a microscope or a telescope are not those of bicubic downscaling.
#
# ## 5. Large images: tiles and bounded memory
# A network's intermediate features are much bigger than its input: EDSR-small holds 32 feature maps of the
# LR size per layer. `srkit.upscale` therefore cuts large images into **tiles** (`tile=256` input pixels by
# default), each extended by the receptive-field radius of the model (plus bicubic's support for the chroma),
# runs each tile through the whole pipeline and writes its centre into the output. Every output pixel sees
# exactly the context it would see untiled, so the result is the same up to float rounding (the convolutions
# add in another order on another input size; after rounding to uint8, at most one grey level):

# %%
lr_big = data.degrade(modcrop(test_images["china"], SCALE), SCALE)
whole = srkit.upscale(lr_big, model=edsr3, scale=SCALE, tile=None)
tiled = srkit.upscale(lr_big, model=edsr3, scale=SCALE, tile=48)
tiles = -(-lr_big.shape[0] // 48) * -(-lr_big.shape[1] // 48)
print(
    f"{lr_big.shape[1]} x {lr_big.shape[0]} LR in {tiles} tiles of 48: largest difference from the untiled result "
    f"{np.abs(whole.astype(int) - tiled).max()} grey levels"
)
assert np.abs(whole.astype(int) - tiled).max() <= 1

# %% [markdown]
# Now memory. `srkit.benchmark.tile_memory` upscales square images of growing size, each in a fresh Python
# process, and reports the peak resident memory beyond TensorFlow's own footprint (the process's peak after a
# warm-up on a tiny image), whole and in tiles of 128 (ESPCN ×3, the fastest model; the `cpu` budget goes
# further). `python -m srkit.benchmark memory` measures the same from a terminal. Measuring peak memory has a
# trap: on Linux the peak counter of a process (`getrusage`'s `ru_maxrss`) that a big process started begins at
# its parent's peak (it survives `exec`), so a probe launched from this notebook's kernel would read 0. The
# probe therefore resets its peak after the warm-up (writing `5` to `/proc/self/clear_refs`) and reads
# `VmHWM` from `/proc/self/status` — look at `srkit/benchmark/memory_probe.py`.

# %%
sizes = budget.pick(quick=[384, 1536], cpu=[384, 768, 1536, 3072], gpu=[384, 768, 1536, 3072])
start = time.perf_counter()
memory = tile_memory("espcn-x3", sizes, [128, None])  # one fresh process per point, peak reset after warm-up
print(f"{'output':>12}{'tile':>8}{'extra peak MiB':>16}{'of which images':>17}")
for r in memory:
    print(f"{r['size']:>7} px^2{str(r['tile'] or 'whole'):>8}{r['extra_mib']:>16.0f}{r['buffers_mib']:>17.1f}")
print(f"({time.perf_counter() - start:.0f} s: one fresh process per point)")
curve = {t: [r["extra_mib"] for r in memory if r["tile"] == t] for t in (128, None)}
assert min(curve[None]) > 0, "a measurement read 0: peak memory was not measured"
fig, ax = plt.subplots(figsize=(7, 4))
megapixels = [s * s / 1e6 for s in sizes]
ax.plot(megapixels, curve[None], "o-", label="whole image")
ax.plot(megapixels, curve[128], "o-", label="tiles of 128")
ax.set_xlabel("output size (megapixels)")
ax.set_ylabel("extra peak memory (MiB)")
ax.legend()
ax.set_title("peak memory of srkit.upscale (ESPCN x3)")
plt.tight_layout()
plt.show()
growth = {t: c[-1] - c[0] for t, c in curve.items()}
added_pixels = sizes[-1] ** 2 - sizes[0] ** 2
print(
    f"from {sizes[0]} to {sizes[-1]} px: whole image +{growth[None]:.0f} MiB "
    f"({growth[None] * 2**20 / added_pixels:.0f} bytes per added output pixel), tiled +{growth[128]:.0f} MiB "
    f"({growth[128] * 2**20 / added_pixels:.0f} bytes per pixel; the uint8 input and output take {3 * (1 + 1 / SCALE**2):.1f})"
)
assert growth[None] > 100 and growth[128] < 0.4 * growth[None], "tiling should bound the working memory"

# %% [markdown]
# Untiled, memory grows with the image: every output pixel costs its float64 colour planes and the network's
# feature maps (EDSR-small's 32 channels cost more). Tiled, the working memory is that of one tile whatever
# the image; what still grows is the input and output images themselves and a remainder a small fraction of the
# untiled growth. On a GPU this is the difference between a 4K frame that fits in memory and one that does not.
#
# ## 6. Export: SavedModel and TensorFlow Lite
# A Keras `.keras` file needs Keras and srkit's custom layers to load. For deployment, `srkit.export` writes
# - a **SavedModel** (`save_saved_model`): a TensorFlow graph plus weights, served by TensorFlow Serving,
#   converted by the TF.js and ONNX converters, loaded by any TensorFlow program without srkit;
# - a **TensorFlow Lite** flatbuffer (`save_tflite`): a small interpreter for CPUs, phones and edge devices
#   (its XNNPACK kernels are fast for small convolutional networks). Google now distributes the interpreter
#   as LiteRT (`pip install ai-edge-litert`); it reads the same `.tflite` files.
#
# An export is only trustworthy if it computes the same function, so we check it on a real LR image:

# %%
espcn3 = shipped["espcn-x3"]
saved = export.save_saved_model(espcn3, WORK / "espcn-x3-savedmodel")
lite_path = export.save_tflite(espcn3, WORK / "espcn-x3.tflite")
served, lite = export.load_saved_model(saved), export.TFLiteModel(lite_path)
x = data.to_float(to_y(data.degrade(modcrop(test_images["camera"], SCALE), SCALE)))[None, ..., None]
reference = np.asarray(espcn3(x))
errors = {
    "SavedModel": float(np.abs(served(x) - reference).max()),
    "TensorFlow Lite": float(np.abs(lite(x) - reference).max()),
}
size_of = lambda p: sum(f.stat().st_size for f in Path(p).rglob("*")) if Path(p).is_dir() else Path(p).stat().st_size
print(f"input {x.shape}, output {reference.shape}")
print(f"{'format':<18}{'size (kB)':>10}{'largest difference from Keras':>32}")
print(f"{'.keras':<18}{size_of(pretrained.path('espcn-x3')) / 1e3:>10.0f}{'(reference)':>32}")
for fmt, path in [("SavedModel", saved), ("TensorFlow Lite", lite_path)]:
    print(f"{fmt:<18}{size_of(path) / 1e3:>10.0f}{errors[fmt]:>32.1e}")
assert errors["SavedModel"] < 1e-5 and errors["TensorFlow Lite"] < 1e-5, errors

# %% [markdown]
# Both exports agree with Keras to float32 rounding (checked: within $10^{-5}$ on values in $[0, 1]$,
# where one grey level is $4 \cdot 10^{-3}$). The exported model is the *network* only: colour conversion, bicubic chroma and
# tiling are `srkit.upscale`'s job, and a deployment must reproduce them (exercise 4 makes a half-size TFLite file).
#
# ## 7. Speed: XLA, TensorFlow Lite and mixed precision
# `srkit.benchmark.frame_speed` times the network for one output frame: plain TensorFlow, compiled with **XLA**
# (`jit_compile=True`: the graph's operations are fused into fewer, specialised kernels), TensorFlow Lite, and
# the whole `srkit.upscale` of an RGB frame (colour conversion and bicubic chroma included).

# %%
width, height = budget.pick(quick=(960, 540), cpu=(1920, 1080), gpu=(1920, 1080))
speed = frame_speed(
    "espcn-x3", width, height, repeats=budget.pick(quick=5, cpu=10, gpu=10), mixed_precision=budget.has_gpu()
)
print(
    f"ESPCN x3 -> {speed['output']} on the {speed['device']} (median ms per frame; other work on the machine slows it)"
)
for key, label in [
    ("network_ms", "network, TensorFlow"),
    ("network_xla_ms", "network, XLA"),
    ("network_tflite_ms", "network, TensorFlow Lite"),
    ("network_mixed_ms", "network, mixed_float16 + XLA"),
    ("upscale_ms", "srkit.upscale, RGB uint8 frame"),
]:
    if key in speed:
        print(f"  {label:<32}{speed[key]:>8.0f} ms  ({1000 / speed[key]:.1f} frames/s)")
assert all(speed[k] > 0 for k in ("network_ms", "network_xla_ms", "network_tflite_ms", "upscale_ms"))
assert speed["upscale_ms"] > speed["network_tflite_ms"], "the whole pipeline costs more than the network alone"

# %% [markdown]
# On a CPU, TensorFlow Lite is usually the fastest way to run these small networks, while XLA changes little
# for a network this small (it pays more for bigger models and on GPUs);
# `srkit.upscale` costs more than the network because of the colour conversion and the bicubic chroma in
# numpy. **Mixed precision** (Micikevicius et al., ICLR 2018) computes in float16 while keeping the weights in
# float32: on GPUs with tensor cores (T4, A100, H100) it often nearly halves the time, and it halves the
# activation memory.
# On a CPU float16 is emulated and slower (bfloat16 differs: CPUs with AMX run it fast, and
# `python -m srkit.train --precision mixed_bfloat16` trains several times faster there — `MODEL_CARD.md` has a measurement),
# so this lesson only measures float16 when a GPU is present (the line
# above appears on Colab; in a terminal: `python -m srkit.benchmark speed --mixed-precision`). What it does to
# the numbers can be measured anywhere: `srkit.export.with_dtype_policy` copies a model into another policy.

# %%
half = export.with_dtype_policy(espcn3, "mixed_float16")
conv = next(layer for layer in half.layers if isinstance(layer, keras.layers.Conv2D))
out16 = np.asarray(half(x)).astype(np.float32)
print(
    f"layer {conv.name}: policy {conv.dtype_policy.name}, computes in {conv.compute_dtype}, stores weights in "
    f"{conv.variable_dtype}; output dtype {np.asarray(half(x)).dtype}"
)
error16 = np.abs(out16 - reference).max()
print(f"largest difference from float32: {error16:.1e} ({error16 * 255:.2f} grey levels)")
assert 0 < error16 < 5e-3, "float16 arithmetic differs from float32, but by about a grey level at most"

# %% [markdown]
# # Part 2 · When one GPU is not enough
#
# ## 8. Input-bound or compute-bound? Measure before you buy
# A training step needs a batch from the input pipeline and the arithmetic of the forward and backward pass.
# Whichever is slower sets the pace: buying a faster GPU does nothing for an **input-bound** run. Measure three
# rates — the pipeline alone, training on one cached batch (compute alone), and training on the pipeline —
# with `srkit.benchmark.batches_per_second` (any dataset) and `fit_steps_per_second` (any compiled model):

# %%
pairs = data.make_pairs(data.bundled("train"), SCALE)
patches = data.patch_dataset(pairs, scale=SCALE, patch_size=48, batch_size=16, color="y", seed=0)
n_batches = budget.pick(quick=48, cpu=256, gpu=256)

keras.utils.set_random_seed(0)
espcn_net = models.build("espcn", scale=SCALE)
espcn_net.compile(optimizer="adam", loss="mae", jit_compile=True, steps_per_execution=16)
rates = {
    "pipeline alone": batches_per_second(patches, n_batches, warmup=5),
    "compute alone (one cached batch)": fit_steps_per_second(espcn_net, patches.take(1).cache().repeat(), n_batches),
    "training on the pipeline": fit_steps_per_second(espcn_net, patches, n_batches),
}
for label, r in rates.items():
    print(f"ESPCN x3, batch 16: {label:<34}{r:8.0f} per second")
if not tf.config.list_physical_devices("GPU"):  # on a GPU the pipeline may well be the slower part (below)
    assert rates["pipeline alone"] > 2 * rates["compute alone (one cached batch)"], (
        "on a CPU the arithmetic is the bottleneck"
    )


# %% [markdown]
# On this CPU the run is **compute-bound**: the pipeline (random crops of images cached in memory, in parallel,
# prefetched) delivers batches several times faster than the network can use them. (Training on the pipeline
# can be somewhat slower than compute alone: here the pipeline's threads and the arithmetic share the same two
# cores; on a GPU machine the arithmetic leaves the CPU free.) A GPU does this arithmetic many times faster,
# and then the same pipeline can become the bottleneck. Common ways to get there: reading images from slow
# storage (a network disk, a cloud bucket), or degrading them on the fly in Python. Simulate a storage that
# takes 100 ms to deliver each batch:


# %%
def slow_storage(lr, hr):
    def wait(a):
        time.sleep(0.1)  # a simulated 100 ms read; it uses no CPU, so the measurement is robust
        return a

    return tf.ensure_shape(tf.py_function(wait, [lr], tf.float32), lr.shape), hr


slow = patches.map(slow_storage)  # one read at a time
threads = tf.data.Options()
threads.threading.private_threadpool_size = 32  # waiting needs threads, not cores: more threads than cores
fixed = patches.map(slow_storage, num_parallel_calls=16).prefetch(tf.data.AUTOTUNE).with_options(threads)
io_rates = {
    "one read at a time": (batches_per_second(slow, 12, warmup=5), fit_steps_per_second(espcn_net, slow, 16)),
    "16 parallel reads + prefetch": (
        batches_per_second(fixed, n_batches, warmup=5),
        fit_steps_per_second(espcn_net, fixed, n_batches),
    ),
}
for label, (p, t) in io_rates.items():
    print(f"{label:<30} pipeline {p:6.0f} batches/s   training {t:6.0f} steps/s")
compute = rates["compute alone (one cached batch)"]
assert io_rates["one read at a time"][1] < 0.6 * compute, "with slow reads the run is input-bound"
assert io_rates["16 parallel reads + prefetch"][1] > 1.5 * io_rates["one read at a time"][1], "parallel reads fix it"

# %% [markdown]
# With one read at a time, training runs at the pipeline's pace (input-bound: the processor waits). Reads in
# parallel (`num_parallel_calls`, with enough threads to wait in: tf.data's pool has one per core by
# default) and ahead of time (`prefetch`) bring it most of the way back to the compute rate (the rest is the
# price of running Python in the pipeline on the same two cores). The tools,
# in the order to try them: `cache()` what fits in memory (srkit caches the decoded images), `map(...,
# num_parallel_calls=tf.data.AUTOTUNE)`, `prefetch`, precompute expensive degradations once (srkit's
# `make_pairs(copies=4)` stores 4 noisy versions of each image instead of degrading every patch in Python),
# and store data as few large files (TFRecord) near the machine. `python -m srkit.benchmark pipeline`
# measures srkit's pipeline alone.
#
# ## 9. Mixed precision, several GPUs, several machines, TPUs
# **Mixed precision in training** is one line before the model is built; Keras then wraps the optimizer in a
# `LossScaleOptimizer` (gradients in float16 can underflow to zero; the loss is multiplied by a large factor
# before the backward pass and the gradients divided by it after). Here we only build and compile (training in
# float16 on a CPU is slow) and set the policy back:

# %%
keras.mixed_precision.set_global_policy("mixed_float16")
try:
    mixed_net = models.build("espcn", scale=SCALE)
    mixed_net.compile(optimizer="adam", loss="mae")
    print(
        f"policy {mixed_net.dtype_policy.name}: optimizer {type(mixed_net.optimizer).__name__}, "
        f"weights {mixed_net.trainable_weights[0].dtype}, output {mixed_net.output.dtype}"
    )
    assert type(mixed_net.optimizer).__name__ == "LossScaleOptimizer"
finally:
    keras.mixed_precision.set_global_policy("float32")


# %% [markdown]
# **Data parallelism** is how SR training scales: every device (a *replica*) holds a copy of the model, takes
# a slice of each batch, computes its gradients, and the gradients are summed across replicas (an
# *all-reduce*) before the same update is applied everywhere. `tf.distribute` provides it as strategies, and
# `python -m srkit.train --strategy ...` uses them:
#
# | strategy | where | what it does |
# |---|---|---|
# | `mirrored` | one machine, several GPUs (Colab: one GPU; cloud machines: 2–8) | all-reduce between the GPUs (NCCL) |
# | `multi-worker` | several machines, each described in `TF_CONFIG` | the same across the network (collective ops) |
# | `tpu` | a Colab or Cloud TPU (v2-8: 8 cores) | `TPUStrategy`; bfloat16 is the TPU's mixed precision |
#
# With no GPU here, `--logical-cpus 2` splits the CPU into two logical devices, which is enough to run the real
# code: two replicas, the batch of 16 split into two halves of 8. Logical devices must be configured before
# TensorFlow starts, which this notebook's kernel already did, so the run is a fresh process:


# %%
def srkit_train(*args, env=ENV):
    # run `python -m srkit.train ARGS` in a fresh process; its summary line (JSON) as a dict
    done = subprocess.run(
        [sys.executable, "-m", "srkit.train", "--preset", "espcn-x3", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


dist_steps = budget.pick(quick=2, cpu=20, gpu=200)
start = time.perf_counter()
mirrored = srkit_train(
    "--steps", str(dist_steps), "--strategy", "mirrored", "--logical-cpus", "2", "--out", str(WORK / "mirrored")
)
print(f"$ python -m srkit.train --preset espcn-x3 --steps {dist_steps} --strategy mirrored --logical-cpus 2")
print(
    f"  {mirrored['replicas']} replicas, {mirrored['steps']} steps, best validation PSNR {mirrored['best_val_psnr']:.2f} dB "
    f"({time.perf_counter() - start:.0f} s with TensorFlow's start)"
)
record = json.loads((WORK / "mirrored" / "record.json").read_text())
assert mirrored["replicas"] == 2 and record["strategy"] == "MirroredStrategy"


# %% [markdown]
# Two logical CPUs share the same two cores, so this is a demonstration, not a speed-up. On a machine with 4
# GPUs the same command (without `--logical-cpus`) trains on all four. Because the batch is *split*, the global
# batch stays 16; to use more GPUs efficiently one usually grows the global batch with them (and the learning
# rate, carefully).
#
# **Several machines**: each worker is a process that knows the whole cluster and its own index from the
# environment variable `TF_CONFIG`. Two workers on this machine (127.0.0.1, free ports) run the real
# `MultiWorkerMirroredStrategy`; on real machines only the host names change:


# %%
def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


cluster = {"worker": [f"127.0.0.1:{p}" for p in free_ports(2)]}
start = time.perf_counter()
workers = []
for index in range(2):
    tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
    print(
        f"worker {index}: TF_CONFIG='{tf_config}' python -m srkit.train --preset espcn-x3 --steps {dist_steps} "
        "--strategy multi-worker"
    )
    workers.append(
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "srkit.train",
                "--preset",
                "espcn-x3",
                "--steps",
                str(dist_steps),
                "--strategy",
                "multi-worker",
                "--out",
                str(WORK / "multi-worker"),
            ],
            env={**ENV, "TF_CONFIG": tf_config},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    )
results = []
for worker in workers:
    try:
        stdout, stderr = worker.communicate(timeout=600)
    finally:
        worker.kill()  # only these two processes, started above
    assert worker.returncode == 0, stderr[-3000:]
    results.append(json.loads(stdout.strip().splitlines()[-1]))
for index, r in enumerate(results):
    print(
        f"  worker {index}: {r['replicas']} replicas in the cluster, best validation PSNR {r['best_val_psnr']:.4f} dB"
    )
print(f"({time.perf_counter() - start:.0f} s)")
assert [r["replicas"] for r in results] == [2, 2]
assert results[0]["best_val_psnr"] == results[1]["best_val_psnr"], "the workers apply the same updates: same model"

# %% [markdown]
# Both workers end with the same model (they apply the same all-reduced updates), and worker 0, the *chief*,
# writes the run folder. (`tests/test_distributed.py` also checks that they match a single-process run.)
#
# **TPUs** (Colab: *Runtime → Change runtime type → TPU*): `srkit.train.make_strategy("tpu")` connects to the
# TPU and returns a `TPUStrategy`; `python -m srkit.train --strategy tpu` trains on all its cores. (Colab's TPU runtimes are now TPU VMs, the
# TPU attached to the machine: srkit then connects with `TPUClusterResolver(tpu="local")`.) The cell below
# picks the strategy that fits the machine it runs on — here the default, on Colab the TPU or the GPUs:

# %%
# a TPU by name or address (TPU nodes, Cloud TPUs), or attached: TPU VMs expose their chips as /dev/accel*
# (v2-v4) or through VFIO (v5e and later)
on_tpu = bool(
    os.environ.get("COLAB_TPU_ADDR")
    or os.environ.get("TPU_NAME")
    or glob.glob("/dev/accel*")
    or glob.glob("/dev/vfio/[0-9]*")
)
gpus = tf.config.list_physical_devices("GPU")
choice = "tpu" if on_tpu else "mirrored" if len(gpus) > 1 else "default"
try:
    strategy = train.make_strategy(choice)
except RuntimeError as error:  # a device that looked like a TPU was not one
    print(error)
    choice = "mirrored" if len(gpus) > 1 else "default"
    strategy = train.make_strategy(choice)
print(
    f"{len(gpus)} GPU(s), TPU: {on_tpu} -> strategy '{choice}': {type(strategy).__name__}, "
    f"{strategy.num_replicas_in_sync} replica(s)"
)
print(f"train with: python -m srkit.train --preset edsr-small-x3 --budget gpu --strategy {choice}")
assert strategy.num_replicas_in_sync >= 1

# %% [markdown]
# ## 10. The cheap wins come first
# Before renting more machines, the two cheapest ways to a better model cost no hardware at all:
# - **pretrained weights**: in section 3 the fine-tuned network beat the same network trained from scratch for
#   the same steps (lesson 05 fine-tuned ×4 from ×2 the same way): most of a model's training is reusable;
# - **data augmentation**: the 8 flips and rotations multiply the distinct examples by 8 for free (lesson 05:
#   measured with one training crop), and again at test time as the self-ensemble.
# Only when those are used, and the run is compute-bound (section 8), do mixed precision and more devices pay.
#
# # Part 3 · Model and data security
# A model file and a data set are inputs from the outside world, like a web request. srkit's rules: every
# file is verified against a known SHA-256 before use (which catches corruption and truncated downloads; against
# deliberate tampering the list of hashes itself must come from a trusted place, such as the installed
# package, not from beside the file); model files are loaded with `safe_mode=True`; images
# are checked before they are decoded; and no pickle anywhere.
#
# ## 11. Weights and downloads verified by SHA-256
# `pretrained.load` checks the file's SHA-256 against the manifest before loading it. On a *copy* of a shipped
# weight file (the real files are never touched) we flip a single bit:

# %%
copies = WORK / "weights-copy"
copies.mkdir()
for f in ("espcn-x3.keras", "manifest.json"):
    shutil.copy(pretrained.WEIGHTS / f, copies / f)
print(f"copy loads: {pretrained.load('espcn-x3', folder=copies).name}")
raw = bytearray((copies / "espcn-x3.keras").read_bytes())
raw[len(raw) // 2] ^= 0x01  # one bit, somewhere in the weights
(copies / "espcn-x3.keras").write_bytes(bytes(raw))
try:
    pretrained.load("espcn-x3", folder=copies)
    raise AssertionError("a corrupted weight file was loaded")
except pretrained.PretrainedError as error:
    print(f"refused: {str(error)[:160]}...")

# %% [markdown]
# Downloads work the same way (`srkit.download.fetch`): bytes go to a `.part` file, are hashed, and only a file
# with the expected SHA-256 is renamed to its destination. Nothing can be downloaded in this lesson, but the
# same code reads `file://` addresses, so we "download" the shipped file and the corrupted copy:

# %%
expected = pretrained.info("espcn-x3")["sha256"]
good = download.fetch(
    pretrained.path("espcn-x3").as_uri(),
    sha256=expected,
    dest=WORK / "fetched" / "good.keras",
    progress=False,
    retries=0,
)
print(f"verified and kept: {good.name} (SHA-256 {download.sha256_file(good)[:16]}...)")
try:
    download.fetch(
        (copies / "espcn-x3.keras").as_uri(),
        sha256=expected,
        dest=WORK / "fetched" / "bad.keras",
        progress=False,
        retries=0,
    )
    raise AssertionError("a corrupted download was accepted")
except download.ChecksumError as error:
    print(f"refused: ...{str(error)[-150:]}")
assert sorted(p.name for p in (WORK / "fetched").iterdir()) == ["good.keras"], "nothing of the bad file is left"

# %% [markdown]
# ## 12. Safe loading: what a `Lambda` layer could do
# A `.keras` file is a zip of JSON (the architecture), HDF5 (the weights) and metadata — data, not code. With
# exceptions: a `keras.layers.Lambda` layer wrapping a Python function stores that function's **bytecode**,
# which runs when the model is loaded (and a few wrapper layers, such as `TorchModuleWrapper`, load pickled or
# saved programs). Here is a harmless one that writes a marker file into the current folder:

# %%
here = os.getcwd()
os.chdir(WORK)  # building the model calls the function once: let its marker land in WORK
try:
    x_in = keras.Input((None, None, 1))
    sneaky = keras.layers.Lambda(lambda t: (open("lambda_was_here.txt", "w").write("code from a model file ran"), t)[1])
    innocent = keras.Model(x_in, sneaky(x_in))
finally:
    os.chdir(here)
innocent_path = WORK / "innocent-looking.keras"
innocent.save(innocent_path)
stored = json.loads(zipfile.ZipFile(innocent_path).read("config.json"))
print("the file holds:", zipfile.ZipFile(innocent_path).namelist())
print("the Lambda's code as stored:", stored["config"]["layers"][1]["config"]["function"]["config"]["code"][:60], "...")
try:
    keras.models.load_model(innocent_path, safe_mode=True)
    raise AssertionError("safe_mode=True loaded a Lambda")
except ValueError as error:
    print(f"safe_mode=True refuses: {str(error)[:110]}...")

# %% [markdown]
# The stored code is opaque bytecode: nobody reviews that. `safe_mode=True` (Keras's default, and what
# srkit always passes) refuses it. It is only as good as your Keras: crafted `config.json` files bypassed it
# before Keras 3.9 and 3.11 (CVE-2025-1550, CVE-2025-8747, CVE-2025-9906), which is why srkit requires
# Keras ≥ 3.11 — and why an architecture from a stranger is still worth reading before you load it (exercise 3). To see what `safe_mode=False` would do, we load the file in a **separate
# process** running in an empty sandbox folder (so this notebook never enables unsafe loading):

# %%
sandbox = WORK / "sandbox"
sandbox.mkdir()
unsafe = (
    "import keras, os; keras.models.load_model(os.environ['MODEL'], safe_mode=False); print(sorted(os.listdir('.')))"
)
done = subprocess.run(
    [sys.executable, "-c", unsafe],
    cwd=sandbox,
    env={**ENV, "MODEL": str(innocent_path)},
    capture_output=True,
    text=True,
    timeout=300,
)
print(f"files in the sandbox after loading with safe_mode=False: {done.stdout.strip()}")
print(f"the marker says: {(sandbox / 'lambda_was_here.txt').read_text()!r}")
assert done.returncode == 0 and (sandbox / "lambda_was_here.txt").exists(), "just loading the file ran its code"


# %% [markdown]
# Just **loading** the file ran its code — it could as well have read your SSH keys or installed something.
# That is why srkit's models contain no `Lambda` layer (lesson 05's exercise 3 built a residual model without
# one): every layer is a standard Keras layer or one of srkit's registered layers, whose code is in srkit, not
# in the file. We check every shipped file's architecture, without loading it:


# %%
def layer_classes(path):
    # every class_name in the architecture (config.json) of a .keras file, read as JSON; nothing is loaded
    found, todo = set(), [json.loads(zipfile.ZipFile(path).read("config.json"))]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            found.add(item.get("class_name"))
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return found - {None}


shipped_classes = set().union(*(layer_classes(pretrained.path(n)) for n in pretrained.names()))
print(f"{len(pretrained.names())} shipped models use: {sorted(shipped_classes)}")
assert "Lambda" not in shipped_classes and "Lambda" in layer_classes(innocent_path)

# %% [markdown]
# ## 13. Input limits: decompression bombs and absurd sizes
# An image file's header states its size, and a decoder allocates that much memory before reading the pixels.
# A **decompression bomb** is a tiny file claiming an enormous image. We make one — a valid 1×1 PNG whose header
# claims 100,000 × 100,000 pixels (30 GB once decoded as RGB) — and give it to `load_image` and to the
# `srkit upscale` command, in a folder beside a good image:

# %%
import struct
import zlib


def png_claiming(path, width, height):
    # a valid 1 x 1 PNG whose header claims width x height pixels (the header's CRC recomputed)
    Image.fromarray(np.zeros((1, 1), np.uint8)).save(path)
    raw = bytearray(path.read_bytes())
    ihdr = raw.index(b"IHDR")
    raw[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    raw[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(raw[ihdr : ihdr + 17])))
    path.write_bytes(bytes(raw))
    return path


suspicious = WORK / "suspicious"
suspicious.mkdir()
bomb = png_claiming(suspicious / "bomb.png", 100_000, 100_000)
Image.fromarray(test_images["coins"][:60, :60]).save(suspicious / "fine.png")
print(f"bomb.png: {bomb.stat().st_size} bytes claiming {100_000 * 100_000 * 3 / 1e9:.0f} GB of RGB pixels")
try:
    data.load_image(bomb)
    raise AssertionError("the bomb was decoded")
except data.ImageLoadError as error:
    print(f"load_image: {error}")
big_claim = png_claiming(suspicious / "big.png", 3000, 3000)
try:
    data.load_image(big_claim, max_pixels=4_000_000)  # e.g. a web service's own, lower limit
    raise AssertionError("the limit was ignored")
except data.ImageLoadError as error:
    print(f"load_image(..., max_pixels=4_000_000): {error}")
big_claim.unlink()
done = subprocess.run(
    [
        sys.executable,
        "-m",
        "srkit.cli",
        "upscale",
        str(suspicious),
        "-o",
        str(WORK / "suspicious_x3"),
        "--model",
        "espcn",
        "--quiet",
    ],
    capture_output=True,
    text=True,
    env=ENV,
)
print(
    f"srkit upscale: exit code {done.returncode}; "
    + "; ".join(line for line in done.stderr.splitlines() if line.startswith("error:"))
)
print(f"written: {sorted(p.name for p in (WORK / 'suspicious_x3').iterdir())}")
assert done.returncode == 1 and "bomb.png" in done.stderr
assert sorted(p.name for p in (WORK / "suspicious_x3").iterdir()) == ["fine_x3.png"]

# %% [markdown]
# The bomb is refused **before decoding**, with the file named: `load_image` reads the size from the header and
# compares it with its limit (`max_pixels=`, default `srkit.data.MAX_PIXELS` = 16,384², about 268 million
# pixels) — with Pillow's own guard, which would refuse anything above about 179 million pixels whatever you allowed,
# raised to that limit (never switched off) while the header is read. Choose the limit for the use: a web service would set it far below what a desktop tool accepts. The good file is still processed, and exit code 1
# tells a script that something failed. Arrays get the same treatment: `srkit.upscale` refuses NaN, infinite or
# empty images and wrong dtypes or shapes with one clear message (`tests/test_bad_inputs.py` lists them all):

# %%
for bad in [
    np.full((4, 4), np.nan),
    np.zeros((0, 5), np.uint8),
    np.zeros((4, 4), np.int32),
    np.zeros((4, 4, 2), np.uint8),
]:
    try:
        srkit.upscale(bad, model=espcn3, scale=SCALE)
        raise AssertionError(f"accepted {bad.dtype} {bad.shape}")
    except (ValueError, TypeError) as error:
        print(f"{str(bad.dtype):<8}{str(bad.shape):<11}{type(error).__name__}: {error}")

# %% [markdown]
# ## 14. No pickle anywhere
# Python's `pickle` format can run arbitrary code when it is loaded (it may call any function with any
# arguments), so a pickled model, data set or cache is as dangerous as the `Lambda` above — and it is what
# `joblib`, `np.load(..., allow_pickle=True)` and `torch.load(..., weights_only=False)` read (PyTorch ≥ 2.6 defaults
# to a restricted unpickler). srkit stores models as `.keras` (JSON +
# HDF5), records and manifests as JSON, and RAISR's filters (lesson 02) as a plain `.npz`, read with
# `allow_pickle=False` (numpy's default) — a file that needs pickle is refused:

# %%
package = Path(srkit.__file__).parent
sources = "\n".join(p.read_text() for p in package.rglob("*.py"))
risky = ["import pickle", "pickle.load", "allow_pickle=True", "torch.load", "joblib", "safe_mode=False", "dill"]
print(
    f"srkit's {len(list(package.rglob('*.py')))} source files mention: {[w for w in risky if w in sources] or 'none of'} {risky}"
)
np.save(WORK / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)  # an array that needs pickle
try:
    np.load(WORK / "objects.npy")
    raise AssertionError("numpy loaded a pickled array")
except ValueError as error:
    print(f"np.load refuses it: {error}")
assert not any(w in sources for w in risky)

# %% [markdown]
# ## Exercises
# Each exercise has a worked solution in the cell below it: read the task, try your own answer in that cell,
# then run the check cell.
#
# **Exercise 1.** The real degradation has three harmful steps: blur (σ = 1 before the bicubic downscaling),
# noise (σ = 5) and JPEG (quality 40). Applied **alone**, which one takes the largest share of the shipped
# `espcn-x3`'s gain over bicubic (its gain on clean bicubic LR is printed in section 3)? Set `worst` to `"blur"`,
# `"noise"` or `"jpeg"`. The check measures the gain under each.

# %%
worst = "jpeg"  # its 8x8 blocks and ringing are the least like anything in bicubic LR;
# the blur (sigma 1) is close to the antialiasing that bicubic downscaling does anyway
worst

# %%
# blur alone: the real chain with no noise and JPEG at quality 95 (almost lossless)
alone = {
    "blur": lambda hr, i: data.degrade(hr, SCALE, kind="real", noise_sigma=0, jpeg_quality=95, seed=i),
    "noise": lambda hr, i: data.degrade(hr, SCALE, kind="noise", noise_sigma=5, seed=i),
    "jpeg": lambda hr, i: data.jpeg(imresize(hr, 1 / SCALE), 40),
}
gain_alone = {}
for step, make_lr in alone.items():
    gains = []
    for i, image in enumerate(test_images.values()):
        hr = modcrop(image, SCALE)
        lr = make_lr(hr, 100 + i)
        gains.append(
            psnr(hr, upscalers["espcn-x3"](lr), crop_border=SCALE, y_channel=True)
            - psnr(hr, imresize(lr, SCALE), crop_border=SCALE, y_channel=True)
        )
    gain_alone[step] = float(np.mean(gains))
print("espcn-x3's gain over bicubic: " + ", ".join(f"{s} alone {g:+.2f} dB" for s, g in gain_alone.items()))
measured_worst = min(gain_alone, key=gain_alone.get)
assert worst == measured_worst, f"measured: {measured_worst} costs the most"
print(f"Correct: {worst} alone turns the gain negative; blur alone leaves it almost intact.")

# %% [markdown]
# **Exercise 2.** Verify a weight file yourself. Compute `digest`, the hexadecimal SHA-256 of the shipped
# `edsr-small-x3.keras` (`pretrained.WEIGHTS / "edsr-small-x3.keras"`), with `hashlib`, reading the file in
# blocks of 1 MiB (so that a multi-gigabyte file would not need that much memory). The check compares it with the
# manifest and with `srkit.download.sha256_file`.

# %%
sha = hashlib.sha256()
with open(pretrained.WEIGHTS / "edsr-small-x3.keras", "rb") as stream:
    for block in iter(lambda: stream.read(1 << 20), b""):
        sha.update(block)
digest = sha.hexdigest()
digest

# %%
assert digest == pretrained.info("edsr-small-x3")["sha256"], "this is not the manifest's SHA-256"
assert digest == download.sha256_file(pretrained.WEIGHTS / "edsr-small-x3.keras")
print(f"Correct: {digest[:16]}... matches the manifest; one flipped bit would change about half of its 256 bits.")


# %% [markdown]
# **Exercise 3.** A colleague sends you `model.keras`. Write `safe_to_load(path)`, returning `False` if the
# file's architecture uses a layer that carries code (`Lambda`), or a class that is neither a standard Keras
# class nor one of srkit's (so its code would have to come from somewhere you have not reviewed); `True`
# otherwise. It must not load the model. The check tries it on every shipped model, on the `Lambda` file of
# section 12, and on a file whose architecture names an unknown layer class.


# %%
def safe_to_load(path):
    classes = layer_classes(path)  # section 12: class names read from config.json, nothing loaded
    known = (
        set(dir(keras.layers))
        | set(dir(keras.models))
        | set(dir(keras.initializers))
        | {"DTypePolicy", "Functional", "__keras_tensor__"}
    )
    known -= {"Lambda", "TorchModuleWrapper", "TFSMLayer", "JaxLayer", "FlaxLayer"}  # they load code or programs
    srkit_layers = {name.split(">")[-1] for name in keras.saving.get_custom_objects()}
    return "Lambda" not in classes and classes <= known | srkit_layers


safe_to_load

# %%
assert all(safe_to_load(pretrained.path(n)) for n in pretrained.names()), "the shipped models are safe"
assert not safe_to_load(innocent_path), "a Lambda layer carries code"
unknown = WORK / "unknown-layer.keras"
with zipfile.ZipFile(pretrained.path("espcn-x3")) as src, zipfile.ZipFile(unknown, "w") as dst:
    for item in src.namelist():
        content = src.read(item)
        if item == "config.json":
            config = json.loads(content)
            config["config"]["layers"][1]["class_name"] = "TotallyHarmlessLayer"
            content = json.dumps(config).encode()
        dst.writestr(item, content)
assert not safe_to_load(unknown), "an unknown layer class means code from somewhere else"
torch_wrapped = WORK / "torch-layer.keras"  # a real Keras layer, but one that unpickles a PyTorch module
with zipfile.ZipFile(unknown) as src, zipfile.ZipFile(torch_wrapped, "w") as dst:
    for item in src.namelist():
        dst.writestr(item, src.read(item).replace(b"TotallyHarmlessLayer", b"TorchModuleWrapper"))
assert not safe_to_load(torch_wrapped), "keras.layers also has layers that load code: TorchModuleWrapper is one"
print("Correct: check the architecture before you load, and load with safe_mode=True anyway.")

# %% [markdown]
# **Exercise 4.** Make a half-size TensorFlow Lite file of the shipped `edsr3` (EDSR-small ×3, 241k
# parameters): `export.to_tflite(edsr3, float16=True)` stores its weights in float16. Set `half_tflite` to
# those bytes and `half_output` to its output on the same input `x` as in section 6 (use `export.TFLiteModel`).
# The check compares the size with the float32 file and the output with Keras.

# %%
half_tflite = export.to_tflite(edsr3, float16=True)
half_output = export.TFLiteModel(half_tflite)(x)
len(half_tflite)

# %%
full_tflite = export.to_tflite(edsr3)
keras_output = np.asarray(edsr3(x))
assert isinstance(half_tflite, bytes) and len(half_tflite) < 0.6 * len(full_tflite), (
    f"{len(half_tflite):,} bytes is not about half of {len(full_tflite):,}"
)
error_half = np.abs(np.asarray(half_output) - keras_output).max()
assert error_half < 2e-3, f"largest difference {error_half:.1e}"
print(
    f"Correct: {len(full_tflite):,} -> {len(half_tflite):,} bytes; largest difference {error_half:.1e} "
    f"({error_half * 255:.2f} grey levels)."
)

# %% [markdown]
# Finally, delete this lesson's scratch folder (skip this cell to keep the exported models and images):

# %%
shutil.rmtree(WORK, ignore_errors=True)
print(f"removed {WORK}")

# %% [markdown]
# ## Summary
# - **Your images:** upload, a folder, or `srkit upscale IN... -o OUT` for whole folders; without ground truth,
#   compare with bicubic by eye.
# - **Real-world degradation:** on blur + noise + JPEG LR the bicubic-trained shipped models lose their whole
#   gain over bicubic (measured in section 3; JPEG is the worst step, exercise 1). Fine-tuning on
#   `degradation="real"` wins part of it back on unseen test images — select the model on the degradation you
#   will meet, since the benchmark's bicubic validation falls as the model specialises.
# - **Domains:** SR helps on held-out medical images too (an MRI slice, a retina crop), but it adds guesses,
#   not measurements: no diagnosis, counting or photometry on its output without validation on that modality.
# - **Large images:** tiles give the same result (up to float rounding: ≤ 1 grey level), and peak memory grows far less with the image (measured: a
#   small fraction of the untiled growth).
# - **Export:** SavedModel and TensorFlow Lite, checked equal to Keras (within 1e-5); float16 weights halve a
#   TFLite file for a difference well under a grey level.
# - **Speed:** TensorFlow Lite on CPUs (XLA changed little here); mixed precision on GPUs (float16 changes the
#   output by far less than a grey level).
# - **Scaling out:** first measure whether training is input-bound (fix the pipeline: parallel reads, cache,
#   prefetch) or compute-bound (then mixed precision, then more devices: `--strategy mirrored`, `multi-worker`,
#   `tpu`); pretrained weights and augmentation are cheaper than any of them.
# - **Security:** verify every file's SHA-256 before use; load with `safe_mode=True` (a `Lambda` runs code on
#   load); refuse oversized images before decoding; never unpickle.
#
# ## Questions you should now be able to answer
# 1. Why does a model trained on bicubic LR sharpen JPEG blocks, and what must its training data contain instead?
# 2. Why is the checkpoint with the best *benchmark* PSNR the wrong choice for a model meant for phone photos?
# 3. What exactly does tiling keep constant, and why is the tiled result the same as the untiled one (up to rounding)?
# 4. Your training runs at 40 % GPU utilisation. What do you measure first, and what would you change?
# 5. What do `MirroredStrategy` replicas exchange after each step, and what stays the same on every replica?
# 6. Why is loading an unknown `.keras` file with `safe_mode=False` as dangerous as running an unknown script?
# 7. Name two things an SR model must never be used for in medical or astronomical imaging without validation.
