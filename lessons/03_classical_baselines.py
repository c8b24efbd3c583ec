# %% [markdown]
# # 03 · Classical baselines: interpolation, and a method that learns without deep learning
#
# Before training networks we need honest baselines. Interpolation (nearest, bilinear, bicubic, Lanczos)
# is what every SR paper compares against, and RAISR ([Romano, Isidoro & Milanfar, 2017](../course/references.md#romano-et-al-2017)) shows that
# *learning from examples* already beats interpolation — with a few thousand least-squares problems and no
# neural network at all.
#
# **What you will learn**
# - how the interpolation kernels differ, and how they rank in PSNR/SSIM on the test split, ×2 to ×4;
# - to compute PSNR yourself, with the published conventions, and match `srkit.metrics.psnr`;
# - how RAISR hashes pixels by local gradient structure and fits one linear filter per hash bucket;
# - that this learned method beats bicubic on images it has never seen.
#
# **Time needed:** about 30 minutes to read (exercises not counted); the code runs in about 1 min
# with the `cpu` budget (measured on a 2-core CPU): about 31 minutes in all.

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
import time

import matplotlib.pyplot as plt
import numpy as np

from srkit import data, raisr
from srkit.color import rgb2ycbcr, ycbcr2rgb
from srkit.evaluate import evaluate
from srkit.metrics import psnr, ssim
from srkit.resize import METHODS, imresize

test_images = data.bundled("test")
print("test split:", list(test_images))

# %% [markdown]
# ## 1. The interpolation family
# Every resizing method here is the same algorithm with a different **kernel** $k$: output pixel $i$ sits at
# input position $u_i$, and its value is a weighted sum of nearby input pixels with weights $k(u_i - j)$,
# normalised to sum to one. When shrinking by $s$, MATLAB (and srkit) stretch the kernel to $k(x/s)/s$ — the
# antialiasing of lesson 01 — so bicubic then reads $4s$ input pixels per output pixel instead of 4.
# `srkit.resize.METHODS` holds the kernels MATLAB uses; let us plot them (unstretched, as used to enlarge).

# %%
x = np.linspace(-3.5, 3.5, 701)
fig, ax = plt.subplots(figsize=(8, 3.5))
for name in ("nearest", "bilinear", "bicubic", "lanczos3"):
    kernel, width, _ = METHODS[name]
    ax.plot(x, kernel(x), label=f"{name} (support {width:g} px)")
ax.axhline(0, color="gray", lw=0.5)
ax.legend()
ax.set_xlabel("distance in input pixels")
ax.set_title("Interpolation kernels")
plt.show()

# %% [markdown]
# Bicubic ([Keys, 1981](../course/references.md#keys-1981), with $a=-0.5$) and Lanczos have **negative lobes**: they sharpen a little, where
# bilinear only averages. Which one is better is an empirical question, so we measure it on the test split
# with the published protocol (Y channel, `scale` pixels cropped, mean of per-image values). `evaluate`
# with `protocol="y"` (the SRCNN/VDSR variant) takes Y of the HR image first and hands each upscaler a float
# Y image in [0, 1]; `protocol="rgb"` (the EDSR variant, used for colour results below) resizes the RGB uint8
# image and takes Y at the end. The two differ by a few hundredths of a dB.

# %%
methods = ("nearest", "bilinear", "bicubic", "lanczos3")
table = {}
for scale in (2, 3, 4):
    for method in methods:
        upscaler = lambda lr, s=scale, m=method: imresize(lr, s, method=m)
        r = evaluate(upscaler, test_images, scale=scale, crop_border=scale, protocol="y")
        table[(method, scale)] = (r.mean_psnr, r.mean_ssim)

print(f"{'method':<10}" + "".join(f"{'x' + str(s):>18}" for s in (2, 3, 4)))
for method in methods:
    print(f"{method:<10}" + "".join(f"{table[(method, s)][0]:>10.2f} / {table[(method, s)][1]:.4f}" for s in (2, 3, 4)))

# %%
for s in (2, 3, 4):
    assert table[("bicubic", s)][0] > table[("bilinear", s)][0] > table[("nearest", s)][0], f"x{s}: unexpected ranking"
    assert 0 <= table[("lanczos3", s)][0] - table[("bicubic", s)][0] < 0.5, (
        "Lanczos-3 should be a little sharper than bicubic"
    )

# %% [markdown]
# (SSIM does not always agree: at ×2 nearest neighbour keeps more local contrast than bilinear and gets a
# higher SSIM despite a lower PSNR — one reason papers report both.) Numbers hide *what* goes wrong. Zoomed crops show it: nearest neighbour is blocky, bilinear blurry, and
# bicubic and Lanczos slightly sharper — none of them can restore the leaves of the trees or the small boats on the water.

# %%
scale, name = 3, "china"
lr, hr = data.make_pair(test_images[name], scale)
y0, x0, size = 250, 420, 90  # zoom window in HR pixels (trees and boats: fine detail)
outputs = {"HR": hr} | {m: imresize(lr, scale, method=m) for m in methods}
fig, axes = plt.subplots(1, len(outputs), figsize=(17, 4))
for ax, (title, im) in zip(axes, outputs.items()):
    if title != "HR":
        title += f"\n{psnr(hr, im, crop_border=scale, y_channel=True):.2f} dB / {ssim(hr, im, crop_border=scale, y_channel=True):.4f}"
    ax.imshow(im[y0 : y0 + size, x0 : x0 + size], interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
fig.suptitle(f"'{name}' x{scale}, zoomed (PSNR / SSIM of the whole image)")
plt.show()

# %% [markdown]
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** Write `enlarge_row(row, s, method)`, which enlarges a 1-D signal `s` times with the kernel
# `METHODS[method]` (a tuple `kernel, width, _`), as this section describes. Output pixel $i$ (counted from 0)
# sits at input position $u_i = (i + 0.5)/s - 0.5$; it reads every input pixel $j$ with
# $|u_i - j| < \text{width}/2$, with weight $k(u_i - j)$, the weights normalised to sum to one; an index outside
# the row reads the nearest end pixel. The check compares it with `imresize` on random rows, for the four
# kernels and ×2 to ×4.


# %% tags=["stub"]
def enlarge_row(row, s, method):
    raise NotImplementedError("Exercise 1: positions u_i, then normalised kernel weights of the nearby pixels")


# %% tags=["solution"]
def enlarge_row(row, s, method):
    kernel, width, _ = METHODS[method]
    n = len(row)
    u = (np.arange(n * s) + 0.5) / s - 0.5  # input position of each output pixel
    j = np.floor(u - width / 2)[:, None] + np.arange(int(np.ceil(width)) + 2)  # the input pixels it may read
    weights = kernel(u[:, None] - j)
    weights = weights / weights.sum(axis=1, keepdims=True)  # normalised to sum to one
    return (weights * row[np.clip(j, 0, n - 1).astype(int)]).sum(axis=1)  # outside the row: the end pixel


np.round(enlarge_row(np.array([0.0, 0.0, 1.0, 1.0]), 2, "bicubic"), 3)

# %% tags=["check"]
rng = np.random.default_rng(3)
for method in methods:
    for s in (2, 3, 4):
        row = rng.random(17)
        expected = imresize(row[None, :], (1, s), method=method)[0]  # a one-row image, enlarged along x only
        got = np.asarray(enlarge_row(row, s, method))
        assert got.shape == expected.shape, f"{method} x{s}: return s * len(row) values"
        inside = slice(4 * s, -4 * s)
        assert np.allclose(got[inside], expected[inside], rtol=0, atol=1e-9), (
            f"{method} x{s}: wrong values away from the ends: check u_i, which pixels you read and their weights"
        )
        assert np.allclose(got, expected, rtol=0, atol=1e-9), (
            f"{method} x{s}: right inside, wrong near the ends: an index outside the row reads the end pixel"
        )
print("Correct: every interpolator is this one weighted sum; only the kernel and its width change.")

# %% [markdown]
# ## 2. PSNR, by hand
# `srkit.metrics.psnr` is short, but every line of it matters. You build it step by step on the bicubic
# result above: take the luma Y of both images (BT.601, MATLAB range, rounded to uint8 as MATLAB does), crop
# `scale` pixels from every border, then $\mathrm{PSNR} = 10\log_{10}(255^2 / \mathrm{MSE})$.
#
# **Exercise 2.** Compute `my_psnr`, the PSNR of `bicubic` against `hr`, with these steps (`rgb2ycbcr`,
# slicing, `np.mean`, `np.log10`; not `psnr`). The check compares it with
# `psnr(hr, bicubic, crop_border=scale, y_channel=True)`.

# %%
bicubic = outputs["bicubic"]

# %% tags=["stub"]
my_psnr = None  # a number, in dB

# %% tags=["solution"]
y_hr = rgb2ycbcr(hr)[..., 0].astype(np.float64)  # Y of the reference, 16..235
y_sr = rgb2ycbcr(bicubic)[..., 0].astype(np.float64)  # Y of the result
c = scale
mse = np.mean((y_hr[c:-c, c:-c] - y_sr[c:-c, c:-c]) ** 2)
my_psnr = 10 * np.log10(255.0**2 / mse)
print(f"by hand: {my_psnr:.4f} dB   srkit: {psnr(hr, bicubic, crop_border=scale, y_channel=True):.4f} dB")

# %% tags=["check"]
assert isinstance(my_psnr, (int, float, np.floating)), "give `my_psnr` as a number, in dB"
slips = {
    "crop `scale` pixels from every border before the mean": psnr(hr, bicubic, crop_border=0, y_channel=True),
    "measure Y only, not the three RGB channels": psnr(hr, bicubic, crop_border=scale, y_channel=False),
}
hint = next(
    (h for h, value in slips.items() if abs(my_psnr - value) < 1e-6),
    "subtract in float (uint8 differences wrap around), use Y on the 16..235 scale, crop `scale` pixels per border "
    "and take 255 as the peak",
)
assert abs(my_psnr - psnr(hr, bicubic, crop_border=scale, y_channel=True)) < 1e-9, f"not srkit's value: {hint}"
print(
    "Correct. Without the crop it would be",
    round(psnr(hr, bicubic, crop_border=0, y_channel=True), 2),
    "dB; on RGB",
    round(psnr(hr, bicubic, crop_border=scale, y_channel=False), 2),
    "dB - conventions matter.",
)

# %% [markdown]
# ## 3. RAISR: learning filters from examples
# Bicubic applies the *same* kernel everywhere. But an edge, a texture and a flat sky need different
# treatment. RAISR (Romano, Isidoro & Milanfar, IEEE TCI 2017) upscales with bicubic first, then
#
# 1. **hashes** every pixel by its local gradient structure: the eigen-decomposition of the 2×2 structure
#    tensor $G = \sum_i w_i\, g_i g_i^\top$ over a small window
#    (the gradients $g_i = (\partial_x, \partial_y)$ of its pixels, weighted by a Gaussian $w_i$) gives the dominant **gradient angle**
#    (perpendicular to the edge: a vertical edge has angle 0), its
#    **strength** $\sqrt{\lambda_1}$ and its **coherence** $(\sqrt{\lambda_1}-\sqrt{\lambda_2})/(\sqrt{\lambda_1}+\sqrt{\lambda_2})$
#    (one clear direction vs. texture); together with the pixel's position modulo the scale, that picks one
#    of $s^2 \times 24 \times 3 \times 3$ buckets;
# 2. **learns** for each bucket one small linear filter $h_q$ that maps a bicubic patch to the true HR
#    pixel, by ridge-regularised least squares over all training pixels in that bucket:
#    $(\sum A_i^\top A_i + \lambda I)\,h_q = \sum A_i^\top b_i + \lambda\,\delta$.
#    (The paper solves plain least squares; the ridge $\lambda$ pulling towards the identity filter $\delta$ is
#    srkit's addition, so buckets with few samples stay close to bicubic.)
#
# Why hash the *bicubic* image? Because the filter is applied to it: the bucket must describe the patch the
# filter will see, at the HR pixel grid, and the LR image has no pixel for most HR positions.
#
# The three hash features of a test image look like this:

# %%
y_lr, y_hr_f = raisr.training_pair(test_images["chelsea"], 3)  # float Y in [0, 1], protocol "y"
upscaled = imresize(y_lr, 3)
features = raisr.gradient_structure(upscaled)
fig, axes = plt.subplots(1, 4, figsize=(17, 3.8))
axes[0].imshow(upscaled, cmap="gray")
axes[0].set_title("bicubic Y")
im = axes[1].imshow(features.angle, cmap="hsv")
axes[1].set_title("gradient angle (radians)")
fig.colorbar(im, ax=axes[1])
im = axes[2].imshow(features.strength, cmap="magma")
axes[2].set_title("strength")
fig.colorbar(im, ax=axes[2])
im = axes[3].imshow(features.coherence, cmap="viridis")
axes[3].set_title("coherence")
fig.colorbar(im, ax=axes[3])
for ax in axes:
    ax.axis("off")
plt.show()

# %% [markdown]
# Now we fit RAISR ×3 on the **training split only** — the test images stay unseen. `max_samples` caps how
# many pixels of each image enter the normal equations; the budget sets it (fewer in `quick` mode).

# %%
train_images = data.bundled("train")
max_samples = budget.pick(quick=60_000, cpu=400_000, gpu=400_000)
start = time.perf_counter()
model = raisr.fit(train_images, scale=3, max_samples=max_samples)
print(
    f"fitted {np.prod(model.grid)} buckets of {model.patch}x{model.patch} filters on {len(train_images)} images "
    f"in {time.perf_counter() - start:.1f} s; {int((model.counts >= 100).sum())} buckets had enough samples"
)

# %% [markdown]
# Each bucket's filter is a small image (its taps sum to about one: the centre tap keeps the bicubic pixel).
# Below, the 24 filters of strong, coherent gradients, one per gradient angle, with the centre tap left out
# of the colour scale; each title gives the angle and how many training pixels fell into that bucket. Compare the
# filters with their counts: a bucket fitted on many samples shows a clean structure across the edge, one fitted
# on few is noisier (the `quick` budget fits on fewer samples than `cpu`).

# %%
filters = [model.filter(angle=k, strength=2, coherence=2, pixel_type=(1, 1)) for k in range(24)]
c = model.patch // 2
vmax = max(np.abs(np.delete(f.ravel(), c * model.patch + c)).max() for f in filters)
fig, axes = plt.subplots(2, 12, figsize=(17, 3.3))
for k, (ax, f) in enumerate(zip(axes.ravel(), filters)):
    ax.imshow(f, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    ax.set_title(f"{k * 180 / 24:.0f}°\n{int(model.counts[4, k, 2, 2]):,}", fontsize=8)  # pixel type (1, 1) = 4
    ax.axis("off")
fig.suptitle(
    f"Learned {model.patch}x{model.patch} filters for strong coherent gradients, by gradient angle (red +, blue -, scale ±{vmax:.2f})"
)
plt.show()

# %% [markdown]
# The test: RAISR against bicubic on the test split, same protocol.

# %%
bicubic_x3 = evaluate(lambda lr: imresize(lr, 3), test_images, scale=3, crop_border=3, protocol="y")
raisr_x3 = evaluate(model.upscale, test_images, scale=3, crop_border=3, protocol="y")
print(f"{'image':<10}{'bicubic':>18}{'RAISR':>18}{'gain':>8}")
for name in test_images:
    print(
        f"{name:<10}{bicubic_x3.psnr[name]:>9.2f} / {bicubic_x3.ssim[name]:.4f}{raisr_x3.psnr[name]:>9.2f} / "
        f"{raisr_x3.ssim[name]:.4f}{raisr_x3.psnr[name] - bicubic_x3.psnr[name]:>+8.2f}"
    )
print(
    f"{'mean':<10}{bicubic_x3.mean_psnr:>9.2f} / {bicubic_x3.mean_ssim:.4f}{raisr_x3.mean_psnr:>9.2f} / "
    f"{raisr_x3.mean_ssim:.4f}{raisr_x3.mean_psnr - bicubic_x3.mean_psnr:>+8.2f}"
)

# %%
gain = raisr_x3.mean_psnr - bicubic_x3.mean_psnr
assert gain > 0.3, f"RAISR should beat bicubic by more than 0.3 dB on the test split, got {gain:+.2f} dB"
assert all(raisr_x3.psnr[n] > bicubic_x3.psnr[n] for n in test_images), "RAISR should win on every test image"
assert raisr_x3.mean_ssim > bicubic_x3.mean_ssim

# %% [markdown]
# RAISR works on Y. To see a colour result we put its Y together with the bicubic Cb and Cr (the eye is much
# less sensitive to colour detail — lesson 01). Look at the rim of the cat's eye and the fur.

# %%
lr_rgb, hr_rgb = data.make_pair(test_images["chelsea"], 3)
bicubic_rgb = imresize(lr_rgb, 3)
ycc = rgb2ycbcr(bicubic_rgb.astype(np.float64) / 255)
ycc[..., 0] = model.upscale(rgb2ycbcr(lr_rgb.astype(np.float64) / 255)[..., 0])
raisr_rgb = data.to_uint8(np.clip(ycbcr2rgb(ycc), 0, 1))
y0, x0, size = 60, 160, 100
fig, axes = plt.subplots(1, 3, figsize=(13, 4.6))
for ax, (title, im) in zip(
    axes, [("HR", hr_rgb), ("bicubic x3", bicubic_rgb), ("RAISR x3 (Y) + bicubic CbCr", raisr_rgb)]
):
    if title != "HR":
        title += f"\n{psnr(hr_rgb, im, crop_border=3, y_channel=True):.2f} dB"
    ax.imshow(im[y0 : y0 + size, x0 : x0 + size])
    ax.set_title(title)
    ax.axis("off")
plt.show()
assert psnr(hr_rgb, raisr_rgb, crop_border=3, y_channel=True) > psnr(hr_rgb, bicubic_rgb, crop_border=3, y_channel=True)

# %% [markdown]
# All five methods of this lesson on one image: the flip-book below steps through the four interpolators and
# RAISR on the same ×3 LR image, zoomed on the cat's left eye (each pixel shown 3 × 3 times), with the PSNR /
# SSIM of the whole image against HR in its caption (Y, 3-pixel border cropped).

# %%
from srkit import viz

kernel_outputs = {m: imresize(lr_rgb, 3, method=m) for m in methods} | {"RAISR": raisr_rgb}
viz.flipbook(kernel_outputs, names=("method",), reference=hr_rgb, zoom=(50, 120, 120, 120), crop_border=3)

# %% [markdown]
# **Question.** Step from `nearest` to `RAISR` while watching the rim of the iris and the edge of the pupil.
# Which method first gets rid of the staircase along the rim? Where do `bicubic` and `lanczos3` differ at all
# (look for a thin bright or dark halo beside the pupil's edge: the kernels' negative lobes)? And where does
# RAISR's gain over bicubic, in the caption, show up — on the edges it hashed as strong and coherent, or in
# the fur?

# %% [markdown]
# **Exercise 3.** Write `edge(theta)`: a 41×41 image of a straight edge through the centre pixel (row 20,
# column 20) whose gradient points in the direction `theta` (radians, RAISR's convention: x to the right,
# y **up**, so a vertical edge has angle 0). Give it a smooth profile, $0.5 + 0.3\tanh(d)$, with $d$ the signed
# distance in pixels from the edge line along the gradient: a hard 0/1 step drawn on the pixel grid is a
# staircase, whose angle the hash misreads. The check hashes `edge(k * np.pi / 24)` for all 24 bucket centres
# with `raisr.gradient_structure` and `raisr.quantize` and expects bucket `k` at the centre pixel, with a
# coherence close to 1.


# %% tags=["stub"]
def edge(theta):
    raise NotImplementedError("Exercise 3: a 41 x 41 image of an edge")


# %% tags=["solution"]
def edge(theta):
    rows, cols = np.mgrid[:41, :41] - 20
    x, y = cols, -rows  # rows grow downwards, RAISR's y points up
    d = x * np.cos(theta) + y * np.sin(theta)  # signed distance from the edge line, along the gradient
    return 0.5 + 0.3 * np.tanh(d)


plt.imshow(edge(np.pi / 6), cmap="gray")
plt.title("edge(pi / 6)")
plt.show()

# %% tags=["check"]
for k in range(24):
    image = np.asarray(edge(k * np.pi / 24), dtype=np.float64)
    assert image.shape == (41, 41), "`edge` must return a 41 x 41 image"
    structure = raisr.gradient_structure(image)
    bucket = int(raisr.quantize(structure, angles=24)[0][20, 20])
    assert bucket == k or k % 12 == 0 or bucket != (24 - k) % 24, (
        f"edge(k * pi / 24) with k = {k} lands in the mirrored bucket: rows grow downwards, but y points up"
    )
    assert bucket == k, f"edge(k * pi / 24) with k = {k} lands in another bucket: the gradient is (cos, sin) of theta"
    assert structure.coherence[20, 20] > 0.9, f"with k = {k} the edge is not clean and straight: coherence too low"
print("Correct: a vertical edge is bucket 0, a horizontal one bucket 12; a clean straight edge is fully coherent.")

# %% [markdown]
# **Exercise 4 (is the hash worth it?).** RAISR fits one filter per bucket. Fit one 5 × 5 filter `h` for all
# pixels instead, by least squares over the training pairs `train_y` below, so that
# `ndimage.correlate(imresize(lr_y, 3), h, mode="nearest")` (the sum of `h` times the 5 × 5 bicubic patch
# around each pixel) matches `hr_y`, and store it in `one_filter`. The check scores it on the **validation**
# split against bicubic and against RAISR with one filter per pixel type and no hash.

# %%
from scipy import ndimage

train_y = [raisr.training_pair(im, 3) for im in train_images.values()]  # (LR, HR) float Y pairs, x3

# %% tags=["stub"]
one_filter = None  # a 5 x 5 array

# %% tags=["solution"]
lhs, rhs = np.zeros((25, 25)), np.zeros(25)
for lr_y, hr_y in train_y:
    # every other pixel (a step of 3 would keep a single position in each 3 x 3 block of pixels)
    patches = np.lib.stride_tricks.sliding_window_view(imresize(lr_y, 3), (5, 5))[::2, ::2].reshape(-1, 25)
    targets = hr_y[2:-2, 2:-2][::2, ::2].ravel()  # the HR pixel at the centre of each patch
    lhs += patches.T @ patches  # the normal equations, summed image by image as RAISR does
    rhs += patches.T @ targets
one_filter = np.linalg.solve(lhs, rhs).reshape(5, 5)
np.round(one_filter, 3)

# %% tags=["check"]
assert np.shape(one_filter) == (5, 5), "give one_filter as a 5 x 5 array"
per_type = raisr.fit(
    train_images, scale=3, patch=5, angles=1, strengths=1, coherences=1, symmetry=False, max_samples=20_000
)
v = [
    evaluate(u, data.bundled("validation"), scale=3, crop_border=3, protocol="y").mean_psnr
    for u in (lambda lr: imresize(lr, 3), lambda lr: ndimage.correlate(imresize(lr, 3), one_filter, mode="nearest"))
    + (per_type.upscale, model.upscale)
]
assert v[1] - v[0] > 0.7 * (v[2] - v[0]), f"{v[1] - v[0]:+.2f} dB over bicubic: not the least-squares filter"
print(
    f"over bicubic, validation: one filter {v[1] - v[0]:+.2f}, one per pixel type {v[2] - v[0]:+.2f}, RAISR {v[3] - v[0]:+.2f} dB"
)

# %% [markdown]
# ## Summary
# - Interpolators are one algorithm with different kernels; on the test split Lanczos-3 ≳ bicubic > bilinear
#   > nearest in PSNR, at every scale. They cannot restore detail that the LR image lost.
# - PSNR is a few lines, but each convention (Y, rounding, border crop, peak 255) changes the number.
# - RAISR learns one small linear filter per gradient-structure bucket by least squares, fitted on the
#   training split only; it beats bicubic on the unseen test images — learning from examples pays, even
#   without a neural network. Deep networks (from lesson 04 on) learn far richer, non-linear mappings.
#
# ## Questions you should now be able to answer
# 1. Why do bicubic and Lanczos sharpen slightly while bilinear cannot?
# 2. Why does RAISR hash on the *bicubic* image and not on the LR image?
# 3. What does the pixel type (position modulo the scale) capture, and how many buckets are there at ×4?
# 4. Why must the filters be fitted on the training split only, and what would a test-split fit prove?
# 5. What does the ridge weight trade off?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. Their kernels have negative lobes (bicubic between 1 and 2 pixels away, Lanczos-3 in alternating lobes):
#    next to an edge, a pixel subtracts a little of the far side, so the transition gets steeper and slightly
#    overshoots (the thin halo of the flip-book). Bilinear's triangle is never negative: each output is a
#    weighted average of its two neighbours and always lies between them, so it can only smooth.
# 2. The filter is applied to the bicubic image, on the HR grid: the bucket must describe the very patch the
#    filter will see, measured the same way in training and in use. The LR image has no pixel at most HR
#    positions, and its gradients are those of a coarser grid.
# 3. Each of the $s^2$ HR positions inside an $s \times s$ block sits at a different offset from the LR pixels,
#    so bicubic blurs it differently and it needs its own filter. At ×4 there are
#    $4^2 \times 24 \times 3 \times 3 = 3456$ buckets.
# 4. The test images must stay unseen so that their score estimates the quality on new images. Fitted on the
#    test split, the filters could adapt to those very images: a higher score that only shows RAISR can fit
#    what it was given, not that it generalises. Settings such as the ridge are chosen on validation.
# 5. Fitting the training pixels of each bucket (filters free to follow the data, noisy where a bucket has few
#    samples) against staying close to the identity filter, i.e. to bicubic: a huge ridge collapses RAISR to
#    bicubic, a small one keeps what the data taught.
