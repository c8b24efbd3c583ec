# %% [markdown]
# # 00 · Welcome: what super-resolution is, and how this course works
#
# **Super-resolution (SR)** recovers a high-resolution (HR) image from a low-resolution (LR) one. In this
# course you build SR methods from bicubic interpolation up to deep residual networks, measure them exactly
# the way published papers do, and use them on your own images.
#
# **What you will learn in this lesson**
# - check that your environment is ready (versions, Colab, GPU, training budget);
# - the map of the course and how the `srkit` package is used in every lesson;
# - what an LR image is, how it is made from an HR image, and how far plain bicubic interpolation gets back;
# - what a trained network adds over bicubic, seen with an interactive before/after swipe;
# - how SR quality is scored (PSNR and SSIM on the luma channel, with the border cropped).
#
# **Time needed:** about 30 minutes to read (exercises not counted); the code runs in about 1 min
# with the `cpu` budget (measured on a 2-core CPU): about 31 minutes in all.

# %% [markdown]
# ## Set-up
# Every lesson starts with the same cell. In JupyterLab it imports `srkit` (installed with
# `pip install -e ".[dev]"` from the repository root, see the README). On Colab it installs `srkit` first and
# turns on Colab's custom widget manager, which the interactive comparison widgets (from this lesson on) need.
# It also prints the **training budget** in force (more on that below).

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

# %% [markdown]
# ## Is everything there?
# The next cell prints the versions that matter and checks the two that are easy to get wrong:
# TensorFlow must be 2.16 or newer, because only from 2.16 on is `tf.keras` **Keras 3** — the API this course
# uses (`keras.ops`, registered layers, Keras 3's `.keras` files), which differs from Keras 2 in many small
# ways. If an assertion fails, the message says what to do. On a machine without a GPU, TensorFlow prints a
# few lines about CUDA drivers when it starts: they are harmless.

# %%
import platform

import keras
import matplotlib
import numpy as np
import PIL
import skimage
import tensorflow as tf

print(f"Python       {platform.python_version()}")
print(f"TensorFlow   {tf.__version__}   (Keras {keras.__version__})")
print(
    f"numpy {np.__version__} | scikit-image {skimage.__version__} | matplotlib {matplotlib.__version__} | Pillow {PIL.__version__}"
)
print(f"Colab: {IN_COLAB} | GPUs: {[d.name for d in tf.config.list_physical_devices('GPU')] or 'none'}")
print(budget.describe())

tf_version = tuple(int(p) for p in tf.__version__.split(".")[:2])
assert tf_version >= (2, 16), (
    "TensorFlow < 2.16 ships Keras 2: run `pip install -U 'tensorflow>=2.16,<3'` and restart the kernel"
)
assert keras.__version__.startswith("3."), (
    "Keras 3 is needed: run `pip install -U 'keras>=3.3,<4'` and restart the kernel"
)

# %% [markdown]
# ## The course map
# | lesson | what you do |
# |---|---|
# | **00 · Welcome** (this one) | set-up, the course map, a first LR / HR / bicubic comparison, a trained model swiped against bicubic |
# | **01 · Images and degradation** | images as arrays, colour spaces and why Y, the degradation model, resizers that disagree |
# | **02 · Training data** | modcrop, aligned LR/HR patches, the 8 symmetries of a square, the tf.data pipeline |
# | **03 · Classical baselines** | nearest, bilinear, bicubic, Lanczos; PSNR written by you; RAISR, a method that learns filters from data without deep learning |
# | **04 · SRCNN** | the first SR network: its data, its three convolutions, and its loss (MSE, which is PSNR in disguise) |
# | **05 · Training SRCNN** | optimisation (SGD against Adam), testing on images never used for selection, applying it to your images |
# | **06 · Efficient upsampling** | FSRCNN and ESPCN; what computation costs; transposed convolution vs sub-pixel; checkerboard artefacts and ICNR; speed vs quality |
# | **07 · Going deeper** | the receptive field, VDSR's residual learning, EDSR's blocks without batch normalisation, a U-Net; capacity vs quality |
# | **08 · Transfer learning and data augmentation** | ×2 → ×4 fine-tuning; augmentation in training and at test time (self-ensemble) |
# | **09 · Pixel losses** | why pixel losses blur; L1, L2, Charbonnier, SSIM, MS-SSIM; the same network trained with each |
# | **10 · Perceptual losses** | perceptual and adversarial losses; the perception–distortion trade-off measured; what PSNR misses |
# | **11 · The evaluation protocol** | the protocol in one call, four ways to get it wrong and what each costs in dB |
# | **12 · Benchmarks and failure cases** | every shipped model against bicubic and the papers; failure cases on texture and text; the explorer |
# | **13 · Applications** | your own images and folders, the `srkit` command, microscopy/medical/astronomy caveats |
# | **14 · Real-world degradations** | blur, noise and JPEG, a model fine-tuned for them, choosing a model without ground truth |
# | **15 · Deployment** | large images in tiles, export to SavedModel and TFLite, speed with XLA, TFLite and mixed precision |
# | **16 · Scaling out** | input- vs compute-bound training, mixed precision, several GPUs, machines and TPUs with tf.distribute |
# | **17 · Model and data security** | SHA-256 verification, safe loading and what a `Lambda` layer could do, decompression bombs and input limits, no pickle |

# %% [markdown]
# ## How `srkit` is used
# `srkit` is the appendix of this course: one small module per concept, and each lesson uses it instead of
# re-writing it (re-written copies drift apart from the original; that is how courses rot).
#
# | module | what it holds |
# |---|---|
# | `srkit.color` | RGB ↔ YCbCr exactly as MATLAB's `rgb2ycbcr` (BT.601, Y in 16–235) |
# | `srkit.resize` | MATLAB-exact `imresize` (the degradation behind every published table), and its interpolation family |
# | `srkit.metrics` | `psnr` and `ssim` with the conventions as required keywords |
# | `srkit.data` | the bundled offline images and their train/validation/test split, your own folders, LR/HR pairs, tf.data patches |
# | `srkit.evaluate` | the published evaluation protocol as one function |
# | `srkit.raisr` | RAISR, a classical method that learns filters from examples (lesson 03) |
# | `srkit.models` | the network architectures of lessons 04–07 (SRCNN, FSRCNN, ESPCN, VDSR, EDSR, U-Net) |
# | `srkit.benchmark`, `srkit.published` | command-line benchmarks, and the published figures to compare with |
# | `srkit.download` | checksummed downloads of DIV2K and the benchmark sets into `data/` |
# | `srkit.budget` | the training-budget switch |
#
# Helpers take and return plain numpy arrays: uint8 in 0..255, or floats in 0..1. The conventions that
# change a number are keyword arguments you must write. Here is the real source of `psnr`:

# %%
import inspect

from srkit.metrics import psnr, ssim

print(inspect.getsource(psnr))

# %% [markdown]
# ## A first look: LR, HR and bicubic
# The **bundled** images are photographs that ship inside pip packages (scikit-image, scikit-learn,
# matplotlib), so the course works offline. They are split once and for all into training, validation and
# test images: models learn from the training images, checkpoints are chosen on the validation images, and
# the course's results are reported on the test images (and on the public benchmark Set5, where it has been
# downloaded) — never on an image that was used to learn or to choose.

# %%
from srkit import data

for split, names in data.SPLITS.items():
    print(f"{split:<11}{len(names):>3} images: {', '.join(names)}")

# %% [markdown]
# An LR image is made from an HR image by the **degradation** used in every published table: crop the HR
# image to a multiple of the scale (*modcrop*), then shrink it with MATLAB's bicubic `imresize`, which blurs
# before it subsamples (antialiasing). `make_pair` does both. We then try to undo it with bicubic enlargement,
# and with the crudest method, nearest neighbour (each LR pixel becomes a 4×4 block).

# %%
from srkit.resize import imresize

scale = 4
hr_full = data.bundled("test")["chelsea"]
lr, hr = data.make_pair(hr_full, scale)
bicubic = imresize(lr, scale)
nearest = imresize(lr, scale, method="nearest")
print(f"HR {hr.shape}  ->  LR {lr.shape}: each LR pixel stands for {scale}x{scale} = {scale * scale} HR pixels")

# %% [markdown]
# PSNR compares two images through their mean squared error: $\mathrm{PSNR} = 10\log_{10}(255^2/\mathrm{MSE})$ dB,
# higher is better. **SSIM** (structural similarity, Wang et al. 2004) looks at small neighbourhoods instead of
# single pixels: in an 11 × 11 Gaussian window around every pixel it compares the two images' local means
# (brightness), standard deviations (contrast) and covariance (structure),
# $\mathrm{SSIM} = \frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}{(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2)}$
# (the small constants $C_1, C_2$ avoid division by zero), and averages over the windows: 1 for identical
# images, lower as structure is lost. SR papers measure both on the **luma channel Y** with `scale` pixels
# cropped from every border; so do we.

# %%
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

scores = {
    name: (psnr(hr, im, crop_border=scale, y_channel=True), ssim(hr, im, crop_border=scale, y_channel=True))
    for name, im in [("nearest", nearest), ("bicubic", bicubic)]
}

y0, x0, size = 60, 170, 80  # a zoom window on the cat's eye, in HR pixels
panels = [
    ("HR (ground truth)", hr),
    (f"LR, {lr.shape[1]}x{lr.shape[0]} pixels", lr),
    ("nearest x4\n{:.2f} dB / {:.4f}".format(*scores["nearest"]), nearest),
    ("bicubic x4\n{:.2f} dB / {:.4f}".format(*scores["bicubic"]), bicubic),
]
fig, axes = plt.subplots(2, 4, figsize=(15, 7))
for (title, im), top, bottom in zip(panels, axes[0], axes[1]):
    s = 1 if im is not lr else scale  # the LR image has fewer pixels: zoom on the same region
    top.imshow(im)
    top.set_title(title)
    top.axis("off")
    top.add_patch(Rectangle((x0 / s, y0 / s), size / s, size / s, fill=False, edgecolor="yellow", lw=2))
    bottom.imshow(im[y0 // s : (y0 + size) // s, x0 // s : (x0 + size) // s], interpolation="nearest")
    bottom.axis("off")
fig.suptitle("Test image 'chelsea' at x4: PSNR / SSIM on Y, border cropped")
plt.tight_layout()
plt.show()

# %% [markdown]
# Bicubic is smoother than nearest neighbour and scores higher, but the fine fur around the eye is gone: the
# LR image simply does not contain it. Learning what such details usually look like, from many examples, is
# what the rest of the course is about.

# %%
assert scores["bicubic"][0] > scores["nearest"][0] + 1.0, "bicubic should beat nearest neighbour by more than 1 dB"
assert scores["bicubic"][1] > scores["nearest"][1]

# %% [markdown]
# ## A glimpse ahead: a learned model against bicubic
# `srkit` ships the models that lessons 04–07 build, already trained (`srkit.pretrained.names()` lists them;
# `MODEL_CARD.md` says how each was trained and how to reproduce it). `srkit.upscale` runs one on any image.
# Here ESPCN ×4, a small network of lesson 06, enlarges the same LR image; the cell prints both scores, and
# `viz.swipe` lays the two results over each other on the cat's head: ESPCN left of the white line, bicubic
# right of it. Drag the slider to move the line.

# %%
from srkit import upscale, viz

espcn = upscale(lr, model="espcn-x4", scale=scale)
psnr_espcn = psnr(hr, espcn, crop_border=scale, y_channel=True)
print(f"x4 on 'chelsea', Y, border cropped: bicubic {scores['bicubic'][0]:.2f} dB, ESPCN {psnr_espcn:.2f} dB")
assert psnr_espcn > scores["bicubic"][0] + 0.2, "the trained ESPCN should beat bicubic clearly"
head = np.s_[40:300, 100:400]  # eyes, nose and whiskers: 260 x 300 HR pixels
viz.swipe(bicubic[head], espcn[head], labels=("bicubic x4", "ESPCN x4"))

# %% [markdown]
# **Question.** Drag the line slowly across an eye and then across the whiskers. Where does ESPCN draw a
# crisper edge than bicubic (the rim of the iris, the dark pupil, the whiskers on the cheek)? Is there any
# detail — the single hairs of the fur — that *neither* of them gets back? Then compare what you see with the
# gap between the two PSNRs printed above: does the size of that gap in dB tell you how different they look?

# %% [markdown]
# ## Training budgets
# Training takes time, and the same notebook runs in three places: CI (which must finish in minutes), your
# laptop's CPU, and a Colab GPU. Each lesson sizes its training with one switch, chosen in this order:
# the environment variable `SRKIT_BUDGET` (`quick`, `cpu` or `gpu`); `quick` when running in CI; `gpu` when
# TensorFlow sees a GPU; otherwise `cpu`. Lessons ask for their numbers like this:

# %%
steps = budget.pick(quick=50, cpu=3000, gpu=30000)
print(f"budget {budget.current()!r}: a lesson would train for {steps} steps")

# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** Score *bicubic* ×2 and ×3 on the same test image. Store the Y-channel PSNRs (border
# cropped by the scale, as always) in a dict `psnr_by_scale = {2: ..., 3: ..., 4: ...}` (×4 is computed above).
# Which way does the PSNR move as the scale grows, and why?

# %% tags=["stub"]
psnr_by_scale = {2: None, 3: None, 4: scores["bicubic"][0]}  # fill in x2 and x3

# %% tags=["solution"]
psnr_by_scale = {4: scores["bicubic"][0]}
for s in (2, 3):
    lr_s, hr_s = data.make_pair(hr_full, s)
    psnr_by_scale[s] = psnr(hr_s, imresize(lr_s, s), crop_border=s, y_channel=True)
psnr_by_scale

# %% tags=["check"]
assert isinstance(psnr_by_scale, dict) and all(isinstance(psnr_by_scale.get(s), (int, float)) for s in (2, 3, 4)), (
    "psnr_by_scale needs a PSNR (a number) for each of the scales 2, 3 and 4"
)
for s in (2, 3, 4):
    lr_s, hr_s = data.make_pair(hr_full, s)
    expected = psnr(hr_s, imresize(lr_s, s), crop_border=s, y_channel=True)
    assert abs(psnr_by_scale[s] - expected) < 1e-9, (
        f"x{s} is off: make the pair at x{s} from hr_full, enlarge with bicubic, crop {s} pixels and score Y"
    )
assert psnr_by_scale[2] > psnr_by_scale[3] > psnr_by_scale[4], "bigger factors lose more information"
print("Correct: each extra factor throws away more of the image.")

# %% [markdown]
# **Exercise 2.** Which *test* image is hardest for bicubic ×3? Score `srkit.evaluate.bicubic_upscaler(3)` on
# `test_images` with `srkit.evaluate.evaluate(upscaler, images, scale=..., crop_border=...)`: it makes you write
# both keywords, so give them the values of the protocol described above (it returns per-image PSNRs in `.psnr`).
# Store the name of the image with the lowest PSNR in `hardest`. (Its summary names a *protocol*: `rgb` means
# the colour image is shrunk and enlarged in colour, as EDSR's tables did, and Y is taken at the end for the
# scores; lesson 03 shows `y`, the SRCNN-style variant that takes Y first.)

# %%
from srkit.evaluate import bicubic_upscaler, evaluate

test_images = data.bundled("test")

# %% tags=["stub"]
hardest = None  # the name of a test image

# %% tags=["solution"]
result = evaluate(bicubic_upscaler(3), test_images, scale=3, crop_border=3)
print(result)
hardest = min(result.psnr, key=result.psnr.get)

# %% tags=["check"]
assert isinstance(hardest, str) and hardest in test_images, "give hardest as the name of an image of test_images"
check = evaluate(bicubic_upscaler(3), test_images, scale=3, crop_border=3)
assert check.psnr[hardest] == min(check.psnr.values()), (
    "that is not the image with the lowest PSNR: did you crop 3 pixels at x3, and take the minimum?"
)
print(f"Correct: {hardest} ({check.psnr[hardest]:.2f} dB) - fine texture is what interpolation cannot invent.")

# %% [markdown]
# **Exercise 3 (what a dB is worth).** PSNR is $10\log_{10}(255^2/\mathrm{MSE})$. Write `mse_from_psnr(p)`:
# the mean squared error (on Y, in grey levels squared) that a PSNR of `p` dB stands for. Then store in
# `error_ratio` how many times larger bicubic's MSE is than ESPCN's on 'chelsea', from the two PSNRs shown with
# the swipe (use the variables `scores["bicubic"][0]` and `psnr_espcn`: the printed values are rounded). The
# check measures the MSEs on the images themselves.


# %% tags=["stub"]
def mse_from_psnr(p):
    raise NotImplementedError("Exercise 3: solve PSNR = 10 log10(255² / MSE) for the MSE")


error_ratio = None  # bicubic's MSE divided by ESPCN's


# %% tags=["solution"]
def mse_from_psnr(p):
    return 255**2 / 10 ** (p / 10)


error_ratio = mse_from_psnr(scores["bicubic"][0]) / mse_from_psnr(psnr_espcn)
error_ratio

# %% tags=["check"]
from srkit.metrics import prepare  # what psnr scores: Y, border cropped, on the 0..255 scale

measured = {}
for name, im, p in [
    ("nearest", nearest, scores["nearest"][0]),
    ("bicubic", bicubic, scores["bicubic"][0]),
    ("ESPCN", espcn, psnr_espcn),
]:
    diff = prepare(hr, crop_border=scale, y_channel=True) - prepare(im, crop_border=scale, y_channel=True)
    measured[name] = float(np.mean(diff**2))
    got = mse_from_psnr(p)
    assert isinstance(got, (int, float)) and abs(got - measured[name]) < 1e-6 * measured[name], (
        f"mse_from_psnr is off for {name}: divide by 10, undo the log10, and solve for the MSE"
    )
assert isinstance(error_ratio, (int, float)), "give error_ratio as a number"
assert abs(error_ratio - measured["bicubic"] / measured["ESPCN"]) < 1e-6 * error_ratio, (
    "error_ratio is off: divide bicubic's MSE by ESPCN's (ESPCN scores higher, so the ratio is above one)"
)
print(f"Correct: a gain of {psnr_espcn - scores['bicubic'][0]:.2f} dB divides the squared error by {error_ratio:.2f}.")

# %% [markdown]
# **Exercise 4.** How many HR images could have produced the *same* LR image? Show that the LR image is
# (almost) blind to the finest detail: add a pattern of vertical stripes (alternately +6 and −6 grey levels,
# a period of 2 pixels — a visible texture) to the HR image `hr` (keep it uint8, clipped to 0..255, as
# `data.degrade` expects), degrade both at ×4, and store the largest difference between the two LR images in
# `lr_change` and between the two HR images in `hr_change`, as whole numbers of grey levels.

# %% tags=["stub"]
hr_change = None  # largest |striped HR - HR|
lr_change = None  # largest |LR of striped HR - LR of HR|

# %% tags=["solution"]
stripes = np.where(np.arange(hr.shape[1]) % 2 == 0, 6, -6)[None, :, None]
hr_striped = np.clip(hr.astype(int) + stripes, 0, 255).astype(np.uint8)
hr_change = int(np.abs(hr_striped.astype(int) - hr).max())
lr_change = int(np.abs(data.degrade(hr_striped, scale).astype(int) - data.degrade(hr, scale)).max())
print(f"HR images differ by up to {hr_change} grey levels; their LR images by up to {lr_change}")

# %% tags=["check"]
assert all(isinstance(v, (int, np.integer)) for v in (hr_change, lr_change)), (
    "give hr_change and lr_change as whole numbers of grey levels"
)
assert hr_change == 6, "hr_change is off: compare the striped and the plain HR image in int (uint8 wraps around)"
plain_lr = data.degrade(hr, scale).astype(int)
possible = set()
for sign in (1, -1):  # the stripes may start with either sign
    pattern = sign * np.where(np.arange(hr.shape[1]) % 2 == 0, 6, -6)[None, :, None]
    striped = np.clip(hr.astype(int) + pattern, 0, 255).astype(np.uint8)
    possible.add(int(np.abs(data.degrade(striped, scale).astype(int) - plain_lr).max()))
assert lr_change in possible, (
    "lr_change is off: degrade both HR images with data.degrade at x4, and compare the LR images in int"
)
assert lr_change <= 2, (
    "at x4 each LR sample sits midway between two stripes: the symmetric kernel cancels them (~1-2 levels)"
)
print("Correct: the striped and the plain HR image give (almost) the same LR image.")

# %% [markdown]
# ## Summary
# - SR inverts a degradation: HR → (modcrop, MATLAB bicubic downscale) → LR. Infinitely many HR images
#   map to the same LR image (add any pattern that the downscaling removes, as in Exercise 4: at ×4 every LR
#   sample sits midway between two columns of a period-2 pattern, and the symmetric bicubic kernel cancels it),
#   so SR is *ill-posed* — the data do not determine the answer — and must *guess* the missing detail;
#   learned methods guess from examples.
# - Quality is measured with PSNR and SSIM on the luma channel Y with `scale` pixels cropped, averaged per
#   image — `srkit.metrics` makes you state those conventions at every call.
# - `srkit` holds everything the lessons use; lessons call it rather than copy it. It also ships trained
#   models: `srkit.upscale` runs one, and ESPCN already beats bicubic at ×4 on the test image.
# - Every lesson sizes its training with the budget switch (`quick` / `cpu` / `gpu`, or `SRKIT_BUDGET`).
#
# ## Questions you should now be able to answer
# 1. Why does the ×4 bicubic image score lower than the ×2 one?
# 2. What does "ill-posed" mean for SR, and what did Exercise 4 show about it?
# 3. Which two conventions must you state whenever you compute a PSNR for an SR table?
# 4. Where does your notebook get its images from when there is no internet?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. Each LR pixel stands for $s \times s$ HR pixels: 4 at ×2, 16 at ×4. The ×4 LR image keeps a quarter as
#    many samples as the ×2 one, and its antialiasing blur removes finer detail before subsampling. Bicubic
#    can only spread what the LR image holds, so more of the HR image is missing and the error grows:
#    `psnr_by_scale` of Exercise 1 falls from ×2 to ×3 to ×4.
# 2. Ill-posed: the LR image does not determine the HR image. Many HR images map to the same LR image, so no
#    method can tell them apart from the LR image alone. In Exercise 4, stripes of ±6 grey levels changed the
#    HR image visibly but its ×4 LR image by only `lr_change` levels: each LR sample sits midway between two
#    stripe columns, where the symmetric bicubic kernel cancels them. SR must guess such detail; learned
#    methods guess it from examples.
# 3. Score on the luma channel Y (BT.601, MATLAB's 16..235 range: `y_channel=True`), and crop `scale` pixels
#    from every border (`crop_border=scale`), where each method handles the missing neighbours its own way.
#    Then average the per-image values over the set. `psnr` and `ssim` refuse to run until you write both
#    keywords.
# 4. From the bundled images: photographs that ship inside pip packages that srkit installs
#    (scikit-image, scikit-learn, matplotlib), read with `data.bundled(split)` and split once into training,
#    validation and test images (`data.SPLITS`). Public benchmarks such as Set5 are used only where they have
#    been downloaded.
