# %% [markdown]
# # 08 · Applications: your own images, real-world degradations, scientific images
#
# The earlier lessons trained SR models under the published protocol (clean LR images made by MATLAB-bicubic
# downscaling), and lesson 07 measured them that way. This lesson takes the models out into the world:
# it applies them to *your* images and to whole folders, meets a realistic degradation (blur, noise and JPEG) on
# which the shipped models fail, fine-tunes a model for it, and looks at microscopy, medical and astronomy images
# with the caveats they need. Lesson 09 then deploys the models, and lesson 10 secures them.
#
# **What you will learn**
# - to apply a model to your own image (upload widget, a folder, or the command line `srkit upscale`);
# - what a "real-world" degradation is, why bicubic-trained models lose their whole gain on it (measured), and
#   how fine-tuning a shipped model on that degradation wins part of it back — and why the model must be *selected*
#   on the degradation it will meet;
# - to measure which model suits your images although they have no ground truth (a smaller copy of your image
#   has one);
# - what SR can and cannot do for microscopy, medical and astronomical images (it is not a new measurement).
#
# **Time needed:** about 50 minutes to read (exercises not counted); the code runs in about 7 min
# with the `cpu` budget (measured on a 2-core CPU): about 57 minutes in all.

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
import io
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import ipywidgets as widgets
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from IPython.display import display
from PIL import Image

from srkit import data, download, pretrained, train, viz
from srkit.color import to_y
from srkit.evaluate import evaluate
from srkit.metrics import psnr
from srkit.resize import imresize, modcrop

tf.get_logger().setLevel("ERROR")  # no INFO lines from TensorFlow in the outputs below
SCALE = 3
WORK = Path(tempfile.mkdtemp(prefix="srkit-lesson08-"))  # everything this lesson writes goes here
# subprocesses (the srkit command) must import the same srkit as this notebook
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
# ## 1. Your own image
# Three ways in, tried in this order: an image you **upload** with the widget below (JupyterLab and Colab: click
# *Upload*, choose a file, then run the next cell); else the first image in the folder `data/my_images/` (the
# path is printed below; put PNG, JPEG, BMP or TIFF files there); else — as when this lesson runs unattended
# in CI — a bundled **test** image. Uploaded bytes are written to a file and read with `srkit.data.load_image`,
# so they pass the same checks as any file (lesson 10): format, pixel limit, corruption.

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
# JPEG-compressed (JPEG codes each 8×8 block of pixels on its own and drops its finest detail, so at low
# quality the block edges show). `srkit.data.degrade(hr, scale, kind="real")` is a fixed version of the
# first-order model of Real-ESRGAN (Wang et al., ICCVW 2021; "first-order": the chain is applied once, where
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
# The gain over the shipped model (the line printed under the test table above) is modest — on noisy,
# compressed input much of the detail is simply gone, and a short fine-tune of a 13k-parameter network is a
# start, not Real-ESRGAN — but it is measured on images the model never saw. On one image, as the PSNRs under
# the first comparison's panels say, the differences are small: no model restores what blur, noise and JPEG
# removed. (Real-ESRGAN trades PSNR for plausible texture with the adversarial losses of
# lesson 06 — and invents detail, which matters in section 4.)
# Which model suits *your* image depends on how that image was made: exercise 3 lets you measure it. With the
# `cpu` or `gpu` budget the fine-tune runs for more steps.
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
# **Exercise 2.** Your own image has no ground truth, so section 1 could not score a model on it. But a smaller
# copy of your image has one: the image itself. Write `self_check(image, upscaler, degradation="bicubic", seed=0)`
# that modcrops `image` to `SCALE`, makes its LR with `data.degrade(..., kind=degradation, seed=seed)`, and
# returns the gain of `upscaler(lr)` over bicubic (`imresize(lr, SCALE)`) in dB, both scored with the protocol of
# section 3 (PSNR on Y with `SCALE` border pixels cropped). A right answer is one float (positive where the model
# helps). The check compares it with `srkit.evaluate` on two test images and both degradations.


# %%
def self_check(image, upscaler, degradation="bicubic", seed=0):
    hr = modcrop(image, SCALE)
    lr = data.degrade(hr, SCALE, kind=degradation, seed=seed)
    score = lambda sr: psnr(hr, sr, crop_border=SCALE, y_channel=True)
    return score(upscaler(lr)) - score(imresize(lr, SCALE))


self_check

# %%
for image_name in ("chelsea", "coins"):
    for kind in ("bicubic", "real"):
        one = {image_name: test_images[image_name]}
        expected = (
            evaluate(upscalers["espcn-x3"], one, scale=SCALE, crop_border=SCALE, degradation=kind, seed=7).mean_psnr
            - evaluate(upscalers["bicubic"], one, scale=SCALE, crop_border=SCALE, degradation=kind, seed=7).mean_psnr
        )
        got = self_check(test_images[image_name], upscalers["espcn-x3"], kind, seed=7)
        assert isinstance(got, float), f"self_check returned {type(got).__name__}, not a number of dB"
        assert abs(got - expected) < 0.01, (
            f"on {image_name!r} with degradation={kind!r}, self_check gives {got:+.3f} dB but srkit.evaluate "
            f"measures {expected:+.3f} dB: compare your modcrop, colour channel, border crop and LR with the task"
        )
print(
    f"Correct: on your image ({name}), espcn-x3 gains {self_check(mine, upscalers['espcn-x3']):+.2f} dB over bicubic."
)

# %% [markdown]
# **Exercise 3.** The fine-tuned model of section 3 (`tuned_up`) and the shipped `fsrcnn-x3`
# (`upscalers["fsrcnn-x3"]`) are the same network trained on different LR. Which one should enlarge *your*
# image (`mine`)? It depends on how the image was made. Use your `self_check` to decide, for your image (a) as a
# clean, bicubic-downscaled image and (b) as a phone photo with the camera-like `"real"` degradation, and set
# `for_clean` and `for_phone` each to `"shipped"` or `"fine-tuned"`. The check measures both on your image.

# %%
candidates = {"shipped": upscalers["fsrcnn-x3"], "fine-tuned": tuned_up}
for_clean = max(candidates, key=lambda c: self_check(mine, candidates[c], "bicubic"))
for_phone = max(candidates, key=lambda c: self_check(mine, candidates[c], "real"))
for_clean, for_phone

# %%
measured = {
    kind: {
        c: evaluate(up, {name: mine}, scale=SCALE, crop_border=SCALE, degradation=kind).mean_psnr
        for c, up in candidates.items()
    }
    for kind in ("bicubic", "real")
}
for kind, choice in [("bicubic", for_clean), ("real", for_phone)]:
    assert choice in candidates, f"{choice!r}: choose 'shipped' or 'fine-tuned'"
    assert measured[kind][choice] == max(measured[kind].values()), (
        f"on LR made with {kind!r}, the model you chose scores lower on your image than the other one: measure it"
    )
print(
    "Correct. On your image, "
    + "; ".join(
        f"{kind} LR: shipped {m['shipped']:.2f} dB, fine-tuned {m['fine-tuned']:.2f} dB" for kind, m in measured.items()
    )
    + ". Select the model on the degradation your images will have."
)

# %% [markdown]
# Finally, delete this lesson's scratch folder (skip this cell to keep the images and the fine-tuned model):

# %%
shutil.rmtree(WORK, ignore_errors=True)
print(f"removed {WORK}")

# %% [markdown]
# ## Summary
# - **Your images:** upload, a folder, or `srkit upscale IN... -o OUT` for whole folders; without ground truth,
#   compare with bicubic by eye — or score the models on a downscaled copy of your image (exercises 2 and 3).
# - **Real-world degradation:** on blur + noise + JPEG LR the bicubic-trained shipped models lose their whole
#   gain over bicubic (measured in section 3; exercise 1 finds the worst step). Fine-tuning on
#   `degradation="real"` wins part of it back on unseen test images — select the model on the degradation you
#   will meet, since the benchmark's bicubic validation falls as the model specialises.
# - **Domains:** SR helps on held-out medical images too (an MRI slice, a retina crop), but it adds guesses,
#   not measurements: no diagnosis, counting or photometry on its output without validation on that modality.
#
# ## Questions you should now be able to answer
# 1. Why does a model trained on bicubic LR sharpen JPEG blocks, and what must its training data contain instead?
# 2. Why is the checkpoint with the best *benchmark* PSNR the wrong choice for a model meant for phone photos?
# 3. Your image has no ground truth: how can you still measure which model suits it, and what does that
#    measurement assume about how the image was made?
# 4. Name two things an SR model must never be used for in medical or astronomical imaging without validation.
