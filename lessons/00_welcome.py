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
# | **09 · Pixel losses** | why pixel losses blur; L1, L2, Charbonnier, SSIM, MS-SSIM; three of them trained on one network |
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
# | `srkit.download` | checksummed downloads of [DIV2K](../course/references.md#agustsson-and-timofte-2017) and the benchmark sets into `data/` |
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
# the course's results are reported on the test images (and on the public benchmark [Set5](../course/references.md#bevilacqua-et-al-2012), where it has been
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
# higher is better. **SSIM** (structural similarity, [Wang et al. 2004](../course/references.md#wang-et-al-2004)) looks at small neighbourhoods instead of
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
# **Exercise 1 (the crudest upscaler).** Nearest neighbour turns each LR pixel into a block of
# `scale × scale` equal pixels. Write `enlarge_nearest(lr, s)` with numpy alone (not `imresize`): a uint8
# image, gray (H, W) or colour (H, W, 3), in; the same kind of image `s` times larger out, e.g. (3·H, 3·W, 3)
# for a colour image at ×3. The check compares it with `imresize(..., method="nearest")` on random images
# at ×2, ×3 and ×4, and on `lr`.


# %% tags=["stub"]
def enlarge_nearest(lr, s):
    raise NotImplementedError("Exercise 1: every LR pixel becomes an s x s block")


# %% tags=["solution"]
def enlarge_nearest(lr, s):
    return np.repeat(np.repeat(lr, s, axis=0), s, axis=1)  # rows, then columns


enlarge_nearest(lr, scale).shape

# %% tags=["check"]
rng = np.random.default_rng(0)
for shape in [(5, 7), (6, 4, 3)]:
    for s in (2, 3, 4):
        im = rng.integers(0, 256, shape, dtype=np.uint8)
        got, want = np.asarray(enlarge_nearest(im, s)), imresize(im, s, method="nearest")
        assert got.shape == want.shape, f"a {shape} image at x{s} came out {got.shape}: expected H·s by W·s"
        assert got.dtype == np.uint8, f"the result is {got.dtype}: keep uint8"
        assert np.array_equal(got, want), (
            f"{shape} at x{s}: right shape, wrong pixels: is LR pixel (i, j) the whole block under it?"
        )
assert np.array_equal(enlarge_nearest(lr, scale), nearest), "`lr` at x4 does not give `nearest`"
print("Correct: no new value appears - nearest neighbour only copies, hence the blocks.")

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
    "that is not the image with the lowest PSNR: did you crop the protocol's border at x3, and take the minimum?"
)
print(f"Correct: {hardest} ({check.psnr[hardest]:.2f} dB) - fine texture is what interpolation cannot invent.")

# %% [markdown]
# **Exercise 3 (does a result agree with its LR image?).** The one thing we know for sure about the unknown HR
# image is its LR image. Degrade each ×4 result of this lesson again (`data.make_pair`) and compare the LR image
# you get with `lr`: store in `consistency` a dict of PSNRs (Y, `crop_border=1`: the protocol's 4 HR pixels are
# 1 LR pixel) for `"nearest"`, `"bicubic"`, `"ESPCN"` and `"HR"`. Which result agrees best with `lr`, and why
# does bicubic's, though computed from `lr`, not give it back?

# %% tags=["stub"]
consistency = {"nearest": None, "bicubic": None, "ESPCN": None, "HR": None}  # PSNRs against lr, in dB

# %% tags=["solution"]
results = {"nearest": nearest, "bicubic": bicubic, "ESPCN": espcn, "HR": hr}
consistency = {
    name: psnr(lr, data.make_pair(im, scale)[0], crop_border=1, y_channel=True) for name, im in results.items()
}
consistency

# %% tags=["check"]
from skimage.metrics import peak_signal_noise_ratio

from srkit.color import rgb2y

assert isinstance(consistency, dict) and all(
    isinstance(consistency.get(k), (int, float)) for k in ("nearest", "bicubic", "ESPCN", "HR")
), "consistency needs a PSNR (a number) for each of nearest, bicubic, ESPCN and HR"
assert consistency["HR"] == float("inf"), "the HR image degrades to exactly `lr`: its PSNR should be infinite"
for name, im in [("nearest", nearest), ("bicubic", bicubic), ("ESPCN", espcn)]:
    y_lr, y_again = (rgb2y(x)[1:-1, 1:-1] for x in (lr, data.degrade(im, scale)))
    assert abs(consistency[name] - peak_signal_noise_ratio(y_lr, y_again, data_range=255)) < 1e-6, (
        f"{name} is off: degrade the x4 result back to LR size and score it against lr (Y, one LR pixel cropped)"
    )
print(
    f"Correct: degraded again, ESPCN's result scores {consistency['ESPCN']:.1f} dB against lr, bicubic's only "
    f"{consistency['bicubic']:.1f} dB:"
)
print("enlarging with bicubic and shrinking again blurs twice, so its LR image comes back softer than `lr`.")

# %% [markdown]
# **Exercise 4 (one LR image, many HR images).** Find a `pattern` (floats, the shape of `hr`, on the 0..1
# scale: 5 grey levels are 5/255) such that `hr / 255 + pattern` is *further* from `hr` than bicubic's result
# is (a lower PSNR, Y, border cropped), yet its ×4 LR image (`data.make_pair`) differs from that of `hr / 255`
# by less than one grey level at every LR pixel off the border. Which detail does the degradation's blur remove?

# %% tags=["stub"]
pattern = None  # a float array of hr's shape, added to hr / 255

# %% tags=["solution"]
rows, cols = np.indices(hr.shape[:2])
pattern = np.where((rows + cols) % 2 == 0, 12 / 255, -12 / 255)[..., None] * np.ones(3)  # a fine checkerboard
print(
    f"+-12 grey levels from pixel to pixel: {psnr(hr / 255, hr / 255 + pattern, crop_border=4, y_channel=True):.2f} dB"
)

# %% tags=["check"]
assert isinstance(pattern, np.ndarray) and pattern.shape == hr.shape, (
    f"give pattern as a float array of shape {hr.shape}"
)
twin = hr / 255 + pattern
twin_psnr = psnr(hr / 255, twin, crop_border=scale, y_channel=True)
assert twin_psnr < scores["bicubic"][0], (
    f"hr / 255 + pattern scores {twin_psnr:.2f} dB against hr, higher than bicubic: make the pattern stronger"
)
lr_change = np.abs(data.make_pair(twin, scale)[0] - data.make_pair(hr / 255, scale)[0])[1:-1, 1:-1] * 255
assert lr_change.max() < 1, (
    f"the LR image changes by up to {lr_change.max():.1f} grey levels: the degradation still sees your pattern"
)
print(f"Correct: {twin_psnr:.2f} dB from hr, yet LR changes of at most {lr_change.max():.2f} grey levels.")

# %% [markdown]
# ## Summary
# - SR inverts a degradation: HR → (modcrop, MATLAB bicubic downscale) → LR. Infinitely many HR images
#   map to the same LR image (add any pattern that the downscaling removes, as in Exercise 4: the symmetric
#   bicubic kernel cancels, e.g., a pattern that alternates from one pixel to the next), so SR is *ill-posed*
#   — the data do not determine the answer — and must *guess* the missing detail; learned methods guess from
#   examples. A good guess still degrades back to the LR image (Exercise 3); bicubic's does not.
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
#    can only spread what the LR image holds, so more of the HR image is missing and the error grows (the
#    bicubic PSNR falls from ×2 to ×3 to ×4).
# 2. Ill-posed: the LR image does not determine the HR image. Many HR images map to the same LR image, so no
#    method can tell them apart from the LR image alone. In Exercise 4, a pattern that alternates from pixel to
#    pixel (a fine checkerboard or stripes of period 2) moved the HR image further from `hr` than bicubic's
#    result is, yet changed its ×4 LR image by less than a grey level: each LR sample sits midway between two
#    of its columns (and rows), where the symmetric bicubic kernel cancels it (as it cancels any pattern that
#    is odd about every LR sample position, such as stripes of period 4). SR must guess such detail;
#    learned methods guess it from examples.
# 3. Score on the luma channel Y (BT.601, MATLAB's 16..235 range: `y_channel=True`), and crop `scale` pixels
#    from every border (`crop_border=scale`), where each method handles the missing neighbours its own way.
#    Then average the per-image values over the set. `psnr` and `ssim` refuse to run until you write both
#    keywords.
# 4. From the bundled images: photographs that ship inside pip packages that srkit installs
#    (scikit-image, scikit-learn, matplotlib), read with `data.bundled(split)` and split once into training,
#    validation and test images (`data.SPLITS`). Public benchmarks such as Set5 are used only where they have
#    been downloaded.
