# %% [markdown]
# # 01 · Images and degradation
#
# Before a network can learn to undo a degradation, we have to know exactly what the degradation *is*:
# how an image is stored, which channel SR methods work on, and how a low-resolution (LR) image is made from a
# high-resolution (HR) one. Each of these steps hides a trap that silently changes results by tenths of a dB
# or more; this lesson measures them one by one. (Lesson 02 then turns image pairs into training examples.)
#
# **What you will learn**
# - how an image is stored (shape, dtype, range), why `uint8` arithmetic wraps around, and the
#   "float in [0, 1]" convention;
# - what YCbCr is, why SR works on the luma channel **Y**, the exact BT.601 formula papers use, and a trap
#   with gray images that inflates their PSNR by more than a dB;
# - the degradation model $y = (x \circledast k)\downarrow_s + n$: the standard BI, BD and DN degradations, and a harder mix;
# - why "bicubic" is not one thing: four resizers compared pixel by pixel and in dB.
#
# **Time needed:** about 40 minutes to read (exercises not counted); the code runs in about 1 min
# with the `cpu` budget (measured on a 2-core CPU): about 41 minutes in all.

# %% [markdown]
# ## Set-up
# The same first cell as in every lesson: it finds (or, on Colab, installs) `srkit` and prints the training budget.

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
# We load the bundled images once: the **training** images for exploring (with `rgb=True`, which repeats gray
# ones to three channels), and the **test** images for the measurements (never for fitting anything). Gray
# images come as 2-D arrays by default; section 2 shows why that matters for scoring.

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np

from srkit import color, data, metrics
from srkit.data import to_float, to_uint8
from srkit.metrics import psnr
from srkit.resize import downscale_with, imresize, modcrop

train = data.bundled("train", rgb=True)  # name -> uint8 image
test = data.bundled("test")
print("train:", ", ".join(f"{n} {im.shape[1]}x{im.shape[0]}" for n, im in train.items()))
print("test: ", ", ".join(f"{n} {im.shape}" for n, im in test.items()))

# %% [markdown]
# ## 1. Images are arrays
# A colour image is a 3-D array: **height × width × channels** (rows first, like a matrix, then columns,
# then R, G, B). Files store 8 bits per channel, so the pixels arrive as `uint8` integers in 0..255.

# %%
img = train["astronaut"]
print(f"type {type(img).__name__}, shape {img.shape} (H, W, C), dtype {img.dtype}, range {img.min()}..{img.max()}")
print(f"pixel at row 100, column 200: R, G, B = {img[100, 200]}")
print(f"{img.nbytes / 1e6:.2f} MB in memory = {img.shape[0]} x {img.shape[1]} x {img.shape[2]} bytes")

# %% [markdown]
# **Pitfall: `uint8` arithmetic wraps around.** A `uint8` holds 0..255; numpy computes `uint8 + uint8` in
# `uint8` and silently keeps the result modulo 256. Averaging two images or brightening one "by hand"
# goes wrong without any error message:

# %%
a = np.array([200, 100, 250], dtype=np.uint8)
b = np.array([100, 100, 10], dtype=np.uint8)
print("a + b       =", a + b, "   <- 300 became 44, 260 became 4")
print("(a + b) / 2 =", (a + b) / 2, "   <- the mean of 200 and 100 is not 22")
print("b - a       =", b - a, "   <- negative differences wrap to large numbers")
print("in float    =", (to_float(a) + to_float(b)) / 2 * 255)

# %% [markdown]
# The convention of this course (and of most SR code) avoids the trap: **compute in float, with pixels
# in [0, 1]**, and convert back to `uint8` only at the end. `srkit.data.to_float` divides by 255;
# `srkit.data.to_uint8` multiplies by 255, rounds half away from zero (as MATLAB does) and **clips** to
# 0..255. Here is the same brightening done both ways:

# %%
wrapped = img + 100  # uint8 + int stays uint8: bright pixels wrap to dark ones
brightened = to_uint8(to_float(img) + 100 / 255)  # float, then clipped and rounded back
fig, axes = plt.subplots(1, 3, figsize=(13, 4.6))
for ax, im, title in zip(
    axes, [img, wrapped, brightened], ["original", "img + 100 in uint8 (wrapped)", "to_uint8(to_float(img) + 100/255)"]
):
    ax.imshow(im)
    ax.set_title(title)
    ax.axis("off")
plt.tight_layout()
plt.show()
print(f"{np.mean(wrapped < img):.1%} of the values got darker when we added 100")

# %% [markdown]
# The round trip `uint8 → float → uint8` is exact, and `to_uint8` clips out-of-range values instead of
# wrapping them (a network's output often overshoots a little):

# %%
x = to_float(img)
print(f"to_float: dtype {x.dtype}, range {x.min():.3f}..{x.max():.3f}")
print("to_uint8([-0.2, 0, 0.5, 1, 1.3]) =", to_uint8(np.array([-0.2, 0.0, 0.5, 1.0, 1.3])))
assert np.array_equal(to_uint8(x), img), "uint8 -> float -> uint8 must give back the same image"
assert np.mean(wrapped < img) > 0.01 and np.all(brightened >= img)

# %% [markdown]
# ## 2. Colour spaces, and why SR works on Y
# **YCbCr** separates an image into *luma* Y (brightness) and two *chroma* channels, Cb (blue minus luma)
# and Cr (red minus luma). The eye resolves fine detail in brightness much better than in colour, which is
# why JPEG and video codecs store chroma at lower resolution. SRCNN, FSRCNN, ESPCN and VDSR super-resolve
# **Y only** (chroma is upscaled with bicubic); later networks (EDSR, RCAN, ...) work in RGB, but published
# tables still **score on Y**. The standard is ITU-R BT.601 in MATLAB's
# "studio swing": Y lies in 16..235, Cb and Cr in 16..240.

# %%
ycc = color.rgb2ycbcr(img)  # uint8 in -> uint8 out, rounded as MATLAB
fig, axes = plt.subplots(1, 4, figsize=(16, 4.4))
axes[0].imshow(img)
axes[0].set_title("RGB")
for c, name in enumerate(["Y (luma)", "Cb (blue - luma)", "Cr (red - luma)"]):
    axes[c + 1].imshow(ycc[..., c], cmap="gray", vmin=0, vmax=255)
    axes[c + 1].set_title(f"{name}: {ycc[..., c].min()}..{ycc[..., c].max()}")
for ax in axes:
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# The chroma channels look flat. *Measure* where the fine detail is: the **Laplacian**
# (the second derivative, $\nabla^2 = \partial^2/\partial x^2 + \partial^2/\partial y^2$) responds only to
# high frequencies, so its mean square is a measure of "detail energy". Y, Cb and Cr span nearly the same
# range (219 vs 224 levels), so their energies are comparable. We skip the gray images (they have no colour).

# %%
from scipy import ndimage

y_share = {}
for name, im in train.items():
    if np.array_equal(im[..., 0], im[..., 1]) and np.array_equal(im[..., 1], im[..., 2]):
        continue  # a gray image: Cb = Cr = 128 everywhere
    channels = color.rgb2ycbcr(to_float(im)) * 255  # float Y, Cb, Cr on the 0..255 scale
    energy = np.array([np.mean(ndimage.laplace(channels[..., c]) ** 2) for c in range(3)])
    y_share[name] = energy / energy.sum()
    print(
        f"{name:<22} share of Laplacian energy  Y {y_share[name][0]:5.1%}   Cb {y_share[name][1]:5.1%}   Cr {y_share[name][2]:5.1%}"
    )
assert min(s[0] for s in y_share.values()) > 0.5, "Y should hold most of the detail in every colour image"

# %% [markdown]
# Y holds most of the detail in every colour image (the shares printed above): a network that sharpens Y alone
# gets most of the benefit, with one input and one output channel.
#
# **The formula.** With R, G, B in [0, 1], BT.601 gives $Y = 16 + 65.481\,R + 128.553\,G + 24.966\,B$ on the
# 0..255 scale (the three weights add up to 219 = 235 − 16). Build it yourself and compare it with
# `srkit.color.rgb2y` and with scikit-image's `rgb2ycbcr`:

# %%
import skimage.color

R, G, B = (img[..., c] / 255 for c in range(3))  # float64 in [0, 1]
y_inline = 65.481 * R + 128.553 * G + 24.966 * B + 16  # 0..255 scale, in 16..235
y_srkit = color.rgb2y(img / 255) * 255  # float in -> float out in [16/255, 235/255]
y_skimage = skimage.color.rgb2ycbcr(img)[..., 0]  # skimage returns Y in 16..235 directly
print(f"max |inline - srkit|   = {np.abs(y_inline - y_srkit).max():.1e}")
print(f"max |inline - skimage| = {np.abs(y_inline - y_skimage).max():.1e}")
# For uint8 input MATLAB (and srkit) round half away from zero:
print(
    "uint8 Y identical to the rounded formula:",
    np.array_equal(color.rgb2y(img), np.floor(y_inline + 0.5).astype(np.uint8)),
)
assert np.abs(y_inline - y_srkit).max() < 1e-9 and np.abs(y_inline - y_skimage).max() < 1e-6

# %% [markdown]
# Here is srkit's real code (the linear part lives in `color._linear`, with the matrix `color.RGB2YCBCR`):

# %%
print(inspect.getsource(color.rgb2y))
print("RGB2YCBCR =\n", color.RGB2YCBCR, "\nYCBCR_OFFSET =", color.YCBCR_OFFSET)

# %% [markdown]
# **Pitfall: gray images converted to RGB before taking Y.** A gray image stored as R = G = B = v has
# $Y = 16 + 219\,v$: the *errors* in Y are 219/255 of the errors in gray. Some evaluation scripts convert
# every image to RGB first, which shrinks the MSE and inflates the PSNR of gray images. `srkit.metrics.psnr`
# uses a single-channel image as Y directly. Measure the difference on a gray test image with bicubic ×3:

# %%
gray_name = next(name for name, im in test.items() if im.ndim == 2)
lr_g, hr_g = data.make_pair(test[gray_name], 3)  # bicubic LR (section 3)
sr_g = imresize(lr_g, 3)
psnr_right = psnr(hr_g, sr_g, crop_border=3, y_channel=True)  # gray used as Y
psnr_wrong = psnr(data.as_rgb(hr_g), data.as_rgb(sr_g), crop_border=3, y_channel=True)  # R = G = B, then Y
print(
    f"{gray_name} {hr_g.shape}: {psnr_right:.2f} dB as gray, {psnr_wrong:.2f} dB via R=G=B "
    f"(+{psnr_wrong - psnr_right:.2f} dB for nothing)"
)
assert psnr_wrong - psnr_right > 1.0, "the R=G=B detour should inflate PSNR by more than 1 dB"

# %% [markdown]
# That is why `data.bundled` keeps gray images 2-D unless you ask for `rgb=True`.

# %% [markdown]
# ## 3. The degradation model
# SR papers model the LR image $y$ as the HR image $x$ convolved with a blur kernel $k$, subsampled by the
# scale $s$, plus noise $n$:
# $$ y = (x \circledast k)\downarrow_s + \, n .$$
# A method trained for one degradation is an expert in *that* degradation only, so training and test LR
# images must be made the same way. `srkit.data.degrade` offers the three degradations of the RDN paper
# ([Zhang et al., CVPR 2018](../course/references.md#zhang-et-al-2018)) — **BI** (bicubic), **BD** (blur, then keep one pixel in `s`) and **DN** (bicubic,
# then noise) — and three that are not benchmark standards: a harder mix of blur and noise (`blur-noise`),
# bicubic without antialiasing (`bicubic-noaa`, what many tutorials do by mistake; lesson 11) and a "real"
# chain of blur, noise and JPEG compression (`real`, lesson 14):

# %%
print(data.degrade.__doc__)

# %% [markdown]
# Apply all of them to one image at ×3 and look at the same region (the yellow square) in each. `modcrop` first
# cuts the HR image to multiples of the scale (lesson 02 shows why); every LR pixel is shown as a square.

# %%
from matplotlib.patches import Rectangle

scale = 3
hr = modcrop(img, scale)
lrs = {kind: data.degrade(hr, scale, kind=kind) for kind in data.DEGRADATIONS}
y0, x0, size = 150, 180, 120  # zoom window in HR pixels (multiples of the scale)
panels = [("HR", hr, 1)] + [(f"LR '{kind}' {lr.shape[1]}x{lr.shape[0]}", lr, scale) for kind, lr in lrs.items()]
fig, axes = plt.subplots(2, 4, figsize=(13, 7), layout="constrained")
axes = axes.ravel()
axes[0].imshow(hr)
axes[0].add_patch(Rectangle((x0, y0), size, size, fill=False, edgecolor="yellow", lw=2))
axes[0].set_title(f"HR {hr.shape[1]}x{hr.shape[0]}, zoom window")
for (title, im, s), ax in zip(panels, axes[1:]):
    ax.imshow(im[y0 // s : (y0 + size) // s, x0 // s : (x0 + size) // s], interpolation="nearest")
    ax.set_title(title)
for ax in axes:
    ax.axis("off")
fig.suptitle(f"{len(lrs)} degradations at x{scale}: the zoom window of each")
plt.show()

# %% [markdown]
# `blur` (a Gaussian of σ = 1.6, then every third pixel) is visibly softer than `bicubic`; `noise` adds
# Gaussian noise of σ = 30 grey levels; `bicubic-noaa` folds fine detail into false patterns (lesson 11
# measures what training on it costs); `real` imitates a camera (lesson 14). Check `blur` and `noise` with
# numbers: the Laplacian again for sharpness, and the standard deviation of `noise − bicubic` on the pixels far
# enough from 0 and 255 that clipping does not cut the noise off:

# %%
sharpness = {kind: np.std(ndimage.laplace(color.rgb2y(to_float(lr)) * 255)) for kind, lr in lrs.items()}
print("std of the Laplacian of Y:", ", ".join(f"{k} {v:.1f}" for k, v in sharpness.items()))
base = lrs["bicubic"].astype(np.float64)
unclipped = np.all((base > 60) & (base < 195), axis=-1)  # more than 2 sigma from 0 and 255
noise_std = np.std((lrs["noise"] - base)[unclipped])
print(f"noise std on {unclipped.mean():.0%} of the pixels: {noise_std:.1f} grey levels (asked for 30)")
assert sharpness["blur"] < sharpness["bicubic"], "the Gaussian blur should give a softer LR image than bicubic"
assert abs(noise_std - 30) < 3, "the added noise should have a standard deviation close to 30 grey levels"

# %% [markdown]
# **A degradation playground.** The flip-book below degrades a crop of the same image (the face and hair) with
# every kind at ×2, ×3 and ×4 and enlarges each LR image back with bicubic. Its caption gives the PSNR / SSIM
# (on Y) against the HR crop: what each degradation costs a method that knows nothing about it.

# %%
from srkit import viz

face = hr[30:210, 150:330]  # 180 x 180 HR pixels: a multiple of 2, 3 and 4
playground = {(s, kind): imresize(data.degrade(face, s, kind=kind), s) for s in (2, 3, 4) for kind in data.DEGRADATIONS}
viz.flipbook(playground, names=("scale", "degradation"), reference=face)

# %% [markdown]
# **Question.** Step through the six degradations at ×2, then at ×4. Which one costs bicubic the most PSNR at
# every scale? Does the ranking by PSNR match how bad the frames *look*? Compare `noise` with `blur` in PSNR and
# in SSIM: which would you rather look at? Then compare `bicubic` with `bicubic-noaa` at ×2 and at ×3: which
# scores higher at each scale, and what do you see in the hair that the number does not tell you? (Section 4
# explains why the winner changes with the scale.)

# %% [markdown]
# ## 4. The resizer zoo: "bicubic" is not one thing
# Every published table makes its LR images with MATLAB's `imresize(HR, 1/s, 'bicubic')`, and
# `srkit.resize.imresize` reproduces it exactly. Most tutorials use whatever resizer is at hand instead.
# Three common ones, all called "bicubic":
# - **Pillow** `Image.resize(..., Image.Resampling.BICUBIC)`: the same Keys kernel with antialiasing, but
#   fixed-point arithmetic and its own rounding;
# - **TensorFlow** `tf.image.resize(..., "bicubic")`: by default `antialias=False`, so when shrinking it does
#   *not* widen the kernel: it samples the image without low-pass filtering it first (aliasing);
# - **TensorFlow with `antialias=True`**: widened kernel, but different edge handling and float32 arithmetic.
#
# `srkit.resize.downscale_with(hr, scale, library)` calls each one as it is usually called, on a uint8 HR image
# (gray or RGB), and returns a uint8 LR image. Its source:

# %%
print(inspect.getsource(downscale_with))

# %%
resizers = {
    "MATLAB (srkit imresize)": lambda hr, s: imresize(hr, 1 / s),
    "Pillow BICUBIC": lambda hr, s: downscale_with(hr, s, "pillow"),
    "tf bicubic": lambda hr, s: downscale_with(hr, s, "tensorflow"),
    "tf bicubic antialias": lambda hr, s: downscale_with(hr, s, "tensorflow-antialias"),
}

# %% [markdown]
# Now the experiment, on the **test** split: make the LR image with each resizer, compare it pixel by pixel with
# MATLAB's, then enlarge it with srkit's bicubic and score it with the protocol. Only the LR maker changes.

# %%
table = {}
for s in (2, 3):
    hrs = {name: modcrop(im, s) for name, im in test.items()}
    reference = {name: imresize(hr, 1 / s) for name, hr in hrs.items()}
    for rname, resize in resizers.items():
        lrs_r = {name: resize(hr, s) for name, hr in hrs.items()}
        diff = np.concatenate([(lrs_r[n].astype(int) - reference[n]).ravel() for n in hrs])
        mean_psnr, _ = metrics.mean_over_set(
            psnr, list(hrs.values()), [imresize(lrs_r[n], s) for n in hrs], crop_border=s, y_channel=True
        )
        table[rname, s] = dict(differ=np.mean(diff != 0), max_diff=int(np.abs(diff).max()), psnr=mean_psnr)

print(
    f"{'LR made by':<24}|{'x2: LR px != MATLAB':>20}{'max':>5}{'PSNR':>8}{'delta':>8} |{'x3: LR px != MATLAB':>20}{'max':>5}{'PSNR':>8}{'delta':>8}"
)
for rname in resizers:
    cells = []
    for s in (2, 3):
        r, ref = table[rname, s], table["MATLAB (srkit imresize)", s]
        cells.append(f"{r['differ']:>20.1%}{r['max_diff']:>5}{r['psnr']:>8.2f}{r['psnr'] - ref['psnr']:>+8.2f}")
    print(f"{rname:<24}|" + " |".join(cells))

# %% [markdown]
# Read the table row by row:
# - **Pillow** and **tf with antialiasing** disagree with MATLAB on a good share of LR pixels, but by a few
#   grey levels at most; the bicubic baseline hardly moves.
# - **tf's default** (`antialias=False`) changes most LR pixels, by tens of grey levels on fine texture, and
#   moves the mean PSNR by tenths of a dB or more, **in a direction that depends on the scale**: at ×2 tf
#   samples between two pixels with taps (−1/16, 9/16, 9/16, −1/16), a much weaker low-pass than MATLAB's
#   antialiased kernel, so its LR image keeps more detail and bicubic recovers more (PSNR goes up); at ×3 its
#   sample points fall exactly on HR pixels, so it simply *decimates*, aliasing fine texture that no
#   interpolation can undo (PSNR goes down). A model trained or tested on such LR images solves a different
#   problem; its numbers cannot be compared with a paper's.
#
# The assertions check these relations (not the exact numbers, which depend on the images):

# %%
matlab, tfd = "MATLAB (srkit imresize)", "tf bicubic"
delta = {s: table[tfd, s]["psnr"] - table[matlab, s]["psnr"] for s in (2, 3)}
for s in (2, 3):
    assert table[matlab, s]["differ"] == 0
    assert abs(delta[s]) > 0.1, f"x{s}: tf's non-antialiased LR should move the mean PSNR by more than 0.1 dB"
    for close in ("Pillow BICUBIC", "tf bicubic antialias"):
        assert table[tfd, s]["differ"] > 2 * table[close, s]["differ"], "tf's default should change many more pixels"
        assert table[close, s]["max_diff"] * 5 < table[tfd, s]["max_diff"], "and by much more"
        assert abs(table[close, s]["psnr"] - table[matlab, s]["psnr"]) < abs(delta[s]), (
            "the antialiased resizers should stay closer to MATLAB than tf's default"
        )
assert np.sign(delta[2]) != np.sign(delta[3]), "tf's error changes sign between x2 and x3 on these images"
print(f"tf default vs MATLAB: {delta[2]:+.2f} dB at x2, {delta[3]:+.2f} dB at x3")

# %% [markdown]
# Where do the resizers disagree? Below: the same LR crop from each resizer (top) and its difference from
# MATLAB's in Y (bottom, clipped at ±4 grey levels) on a colour test image at ×3. tf's default aliases fine
# texture; the others differ by a grey level or so here and there, more at the image borders: Pillow rounds in
# fixed point, filters rows before columns (MATLAB columns first) and renormalises its kernel at the borders
# where MATLAB repeats the edge pixels; tf computes in float32 and rounds once.

# %%
color_name = next(name for name, im in test.items() if im.ndim == 3)
hr_c = modcrop(test[color_name], 3)
lr_ref = imresize(hr_c, 1 / 3)
r0, c0, n = 20, 40, 50  # LR crop window
fig, axes = plt.subplots(2, 4, figsize=(16, 8.6), layout="constrained")
for (rname, resize), top, bottom in zip(resizers.items(), axes[0], axes[1]):
    lr_r = resize(hr_c, 3)
    top.imshow(lr_r[r0 : r0 + n, c0 : c0 + n], interpolation="nearest")
    top.set_title(rname)
    d = color.rgb2y(lr_r).astype(int) - color.rgb2y(lr_ref)
    im = bottom.imshow(d[r0 : r0 + n, c0 : c0 + n], cmap="RdBu", vmin=-4, vmax=4)
    bottom.set_title(
        f"Y minus MATLAB's Y (whole image):\n{np.mean(d != 0):.0%} of pixels differ, max {np.abs(d).max()}"
    )
    top.axis("off")
    bottom.axis("off")
fig.colorbar(im, ax=axes[1].tolist(), shrink=0.8, label="grey levels (colours clipped at ±4)")
fig.suptitle(f"test image '{color_name}', LR x3 from four resizers")
plt.show()

# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1 (which resizer made this LR image?).** LR images rarely come with a note saying how they were
# made. Write `which_resizer(lr, hr, s)`: the name (a key of `resizers`, section 4) of the resizer that made
# `lr` from the HR image `hr` at ×`s`. The check makes LR images of `probe`, a crop of the training image
# `"flower"`, with each of the four resizers at ×2 and ×3, and asks your function about each one.

# %%
probe = train["flower"][100:220, 200:380].copy()  # 120 x 180 pixels: a multiple of 2 and of 3


# %% tags=["stub"]
def which_resizer(lr, hr, s):
    raise NotImplementedError("Exercise 1: the key of `resizers` that made `lr`")


# %% tags=["solution"]
def which_resizer(lr, hr, s):
    differ = {name: np.mean(resize(hr, s) != lr) for name, resize in resizers.items()}
    return min(differ, key=differ.get)  # the one that reproduces lr: no value differs


# %% tags=["check"]
for s in (2, 3):
    for name, resize in resizers.items():
        lr_probe = resize(probe, s)
        got = which_resizer(lr_probe, probe, s)
        assert got in resizers, f"which_resizer returned {got!r}, which is not a key of `resizers`"
        assert np.array_equal(resizers[got](probe, s), lr_probe), (
            f"x{s}: the LR image made by {name!r} was put down to {got!r}, which makes a different one"
        )
print("Correct: two 'bicubic' LR images differ unless made by the same code - ask which one was used.")

# %% [markdown]
# **Exercise 2 (another script, another Y).** Many SR scripts take Y with Pillow's `Image.convert("L")`:
# $L = 0.299\,R + 0.587\,G + 0.114\,B$ on the 0..255 scale. How many dB does that add to the PSNR of a
# *colour* image (negative if it lowers it) compared with the protocol's Y, in exact (float) arithmetic? Work
# it out from the formulas, without measuring, and store it in `pillow_db`.

# %% tags=["stub"]
pillow_db = None  # dB, from the formulas

# %% tags=["solution"]
# 65.481 / 0.299 = 128.553 / 0.587 = 24.966 / 0.114 = 219: Y = 16 + 219/255 L, so errors in L are 255/219 larger
pillow_db = -20 * np.log10(255 / 219)
print(f"{pillow_db:.4f} dB")

# %% tags=["check"]
assert isinstance(pillow_db, (int, float)), "give pillow_db as a number of dB"
for name in ("chelsea", "china"):  # the colour test images
    hf, sf = to_float(modcrop(test[name], 3)), to_float(imresize(data.make_pair(test[name], 3)[0], 3))
    pillow = -10 * np.log10(np.mean(((hf - sf) @ [0.299, 0.587, 0.114]) ** 2))  # Pillow's L, in float
    assert abs(pillow - psnr(hf, sf, crop_border=0, y_channel=True) - pillow_db) < 1e-6, (
        f"not exact on {name}: compare the weights of L with those of Y, and mind the sign"
    )
print("Correct: the mirror image of the gray-image pitfall.")

# %% [markdown]
# **Exercise 3 (where does the noise enter?).** DN adds its noise *after* the downscaling. Write
# `noise_left(sigma, s)`: the standard deviation (grey levels) that Gaussian noise of `sigma` grey levels keeps
# when added to the HR image *before* MATLAB's bicubic ×`s` downscaling (float, no rounding or clipping),
# measured on plenty of noise. Why so much less than `sigma`?


# %% tags=["stub"]
def noise_left(sigma, s):
    raise NotImplementedError("Exercise 3: measure what the downscaling leaves of the noise")


# %% tags=["solution"]
def noise_left(sigma, s):
    noise = np.random.default_rng(0).normal(0, sigma, (600 * s, 600 * s))  # imresize is linear: noise alone
    return float(np.std(imresize(noise, 1 / s)))


print(f"sigma 30 before x3: {noise_left(30, 3):.1f} grey levels left")

# %% tags=["check"]
from srkit.resize import _weight_matrix  # srkit's 1-D weights of MATLAB's imresize

for sigma, s in [(30, 3), (10, 2), (30, 4)]:
    expected = sigma * np.sum(_weight_matrix(60 * s, 60, 1 / s, "bicubic", True)[30] ** 2)
    assert abs(noise_left(sigma, s) - expected) < 0.02 * expected, f"sigma={sigma} at x{s}: off by more than 2 %"
print("Correct: the antialiasing averages the noise of many HR pixels; DN's noise, added after, stays whole.")

# %% [markdown]
# ## Summary
# - Images are `H × W × C` arrays of `uint8`; compute in float in [0, 1] (`to_float`), convert back with
#   `to_uint8` (rounds and clips). `uint8` arithmetic wraps around silently.
# - SR works on and is scored on **Y** of BT.601 YCbCr (16..235): it holds most of the detail. Use a gray image
#   as Y directly; the R = G = B detour adds 20 log10(255/219) = 1.32 dB.
# - LR = (HR ⊛ k)↓s + n. The benchmark degradation is MATLAB's bicubic `imresize`; `degrade` also offers blur,
#   noise, both, bicubic without antialiasing and a "real" chain. Train and test on the same degradation.
# - Resizers called "bicubic" disagree: Pillow and antialiased tf slightly; tf's default (no antialiasing) on
#   most pixels, moving the bicubic baseline by tenths of a dB or more, in a direction that depends on the scale.
#
# ## Questions you should now be able to answer
# 1. What is `np.uint8(250) + np.uint8(10)` in numpy, and how do you add images safely?
# 2. Why do SR papers train and score on Y rather than on RGB? What range does Y have in MATLAB's convention?
# 3. A gray image scores 1.32 dB higher in one evaluation script than in another. What probably happened?
# 4. Write the degradation model and name the six degradations of `srkit.data.degrade`. Which one do
#    published tables use?
# 5. Why can the PSNR of the *same* bicubic upscaler differ by a dB between two tutorials?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. It is 4: numpy adds two `uint8` values in `uint8` and keeps the result modulo 256 (260 − 256). For
#    scalars it may warn about the overflow; on arrays it wraps silently. Add images safely in float:
#    `to_float` (pixels in [0, 1]), compute, then `to_uint8`, which rounds and clips back to 0..255 (or at
#    least `astype(int)` before adding or subtracting).
# 2. The eye resolves fine detail in brightness much better than in colour, and Y holds most of the detail:
#    its share of the Laplacian energy printed in section 2 is above one half in every colour training image.
#    A network on Y needs one input and one output channel, and chroma is enlarged with bicubic. Tables score
#    on Y even for RGB networks, so all methods are compared alike. In MATLAB's BT.601 "studio swing", Y lies
#    in 16..235 (Cb and Cr in 16..240).
# 3. One script converted the gray image to R = G = B before taking Y. Then $Y = 16 + 219\,v$, so every error
#    is scaled by 219/255, the MSE by its square, and the PSNR rises by exactly 20 log10(255/219) = 1.32 dB
#    with no change in the image. A gray image must be used as Y directly, as
#    `srkit.metrics.psnr` does.
# 4. $y = (x \circledast k)\downarrow_s + n$: the HR image $x$ blurred by a kernel $k$, subsampled by the scale
#    $s$, plus noise $n$. `degrade` offers `bicubic` (BI), `blur` (BD: Gaussian blur, then one pixel in $s$),
#    `noise` (DN: bicubic, then Gaussian noise), `blur-noise`, `bicubic-noaa` (no antialiasing) and `real`
#    (blur, noise and JPEG). Published tables use BI: MATLAB's antialiased `imresize(HR, 1/s, 'bicubic')`,
#    which `srkit.resize.imresize` reproduces.
# 5. The two tutorials made their LR images with different resizers that are all called "bicubic". tf's
#    default (`antialias=False`) does not widen the kernel when shrinking: it changes most LR pixels and moves
#    the mean PSNR by tenths of a dB or more, up at ×2 and down at ×3 (section 4's table); Pillow and tf with
#    antialiasing differ from MATLAB only slightly. Scoring RGB instead of Y, or skipping the border crop,
#    changes the number too.
