# %% [markdown]
# # 02 · Training data
#
# Lesson 01 showed how an image is stored, why SR works on the luma channel Y, and how a low-resolution (LR)
# image is made from a high-resolution (HR) one with the degradation model and MATLAB's bicubic `imresize`. A
# network does not learn from a handful of whole image pairs, though: it learns from many small **aligned
# examples**, delivered fast enough to keep it busy. This lesson turns image pairs into training data: it cuts
# HR images to a size the scale divides, cuts each pair into the input and target matrices of a regression,
# multiplies them by eight with flips and rotations, and builds the `tf.data` pipeline that feeds every
# training lesson of the course. A pair that is off by a single pixel teaches a model the wrong thing without
# any error message, so every step is checked for alignment.
#
# **What you will learn**
# - *modcrop*: why the HR image must be a multiple of the scale, and what MATLAB's size rule does otherwise;
# - patches as the **A** (inputs) and **B** (targets) matrices of a regression, and how to check that they
#   are aligned;
# - the 8 flips and rotations used for augmentation, and why they are valid for SR;
# - the `tf.data` pipeline that feeds training: random aligned crops, how many of them are nearly flat, and
#   what random crops cost in speed against a fixed array of patches.
#
# **Time needed:** about 35 minutes to read (exercises not counted); the code runs in about 1 min
# with the `cpu` budget (measured on a 2-core CPU): about 36 minutes in all.

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
# We use `numpy` and `matplotlib` throughout, and the bundled **training** images: this lesson builds training
# data, so it never touches the test images. As in lesson 01, `rgb=True` repeats the gray ones to three
# channels for exploring. Everything is at ×3.

# %%
import inspect
import time

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from srkit import data, viz
from srkit.benchmark import batches_per_second, pipeline_throughput
from srkit.data import to_float
from srkit.metrics import psnr
from srkit.resize import imresize, modcrop

train = data.bundled("train", rgb=True)  # name -> uint8 H x W x 3 (gray images repeated to 3 channels)
scale = 3
print("train:", ", ".join(f"{n} {im.shape[1]}x{im.shape[0]}" for n, im in train.items()))

# %% [markdown]
# ## 1. Modcrop: HR must be a multiple of the scale
# Shrink with MATLAB's `imresize` an image whose size the scale does not divide, enlarge it back, and the SR
# output no longer has the ground truth's shape: nothing can be compared.

# %%
odd = train["rocket"]
lr_odd = imresize(odd, 1 / 3)
sr_odd = imresize(lr_odd, 3)
print(f"HR {odd.shape} -> LR {lr_odd.shape} -> SR {sr_odd.shape}")
try:
    psnr(odd, sr_odd, crop_border=3, y_channel=True)
except ValueError as error:
    print("psnr refuses:", error)
try:
    data.degrade(odd, 3)
except ValueError as error:
    print("degrade refuses:", error)

# %% [markdown]
# (Resizing back to the exact HR size instead would stretch the image by a fraction of a pixel and misalign
# every pixel.) The protocol's answer is **modcrop**: cut the bottom rows and right columns so that both
# sides are multiples of the scale, keeping the top-left part. `make_pair` does it for you.

# %%
print(inspect.getsource(modcrop))
hr_ok = modcrop(odd, 3)
print(
    f"modcrop: {odd.shape} -> {hr_ok.shape} -> LR {imresize(hr_ok, 1 / 3).shape} -> SR {imresize(imresize(hr_ok, 1 / 3), 3).shape}"
)
assert imresize(imresize(hr_ok, 1 / 3), 3).shape == hr_ok.shape

# %% [markdown]
# ## 2. Patches: the A and B matrices
# Networks are trained on small aligned **patches**, not whole images: many examples per image, and batches
# of equal shape. With LR patches of `p × p` pixels, the LR patch whose top-left corner is at `(i, j)` covers
# exactly the HR patch of `s·p × s·p` pixels at `(s·i, s·j)`. Stacking all LR patches gives the
# **A** matrix (inputs) and the matching HR patches the **B** matrix (targets) of a supervised regression:

# %%
lr, hr = data.make_pair(train["astronaut"], scale)  # modcrop, then MATLAB's bicubic (lesson 01, section 3)
A, B = data.grid_patches(lr, hr, scale=scale, lr_size=16, stride=16)
print(f"LR {lr.shape}, HR {hr.shape}")
print(f"A (inputs):  {A.shape}  = N patches x 16 x 16 x 3")
print(f"B (targets): {B.shape}  = N patches x 48 x 48 x 3")

# %%
texture = A.reshape(len(A), -1).std(axis=1)
picks = sorted(np.argsort(texture)[::-1][:25:5])  # 5 of the 25 most textured patches
fig, axes = plt.subplots(2, len(picks), figsize=(15, 6.6))
for k, top, bottom in zip(picks, axes[0], axes[1]):
    top.imshow(A[k], interpolation="nearest")
    top.set_title(f"A[{k}]  16x16")
    bottom.imshow(B[k], interpolation="nearest")
    bottom.set_title(f"B[{k}]  48x48")
    top.axis("off")
    bottom.axis("off")
fig.suptitle("aligned LR (top) and HR (bottom) patches at x3")
plt.tight_layout()
plt.show()

# %% [markdown]
# Are they really aligned? Downscale each HR patch with the same bicubic and compare it with its LR patch.
# The bicubic kernel reaches 2 pixels to each side (4 taps); shrinking ×3 stretches it three times (the
# antialiasing of lesson 01, sections 3 and 4), to 12 HR pixels, so the outer 2 LR pixels of a patch were computed from HR
# pixels *outside* the patch and may differ; the **interior** must match. A patch shifted by a single HR
# pixel shows how sensitive this check is:

# %%
down = np.stack([imresize(b, 1 / scale) for b in B]).astype(int)
interior = np.s_[:, 2:-2, 2:-2]
err_interior = np.abs(down - A)[interior].max()
err_border = np.abs(down - A).max()
k = picks[0]
i, j = divmod(k, lr.shape[1] // 16)  # grid position of patch k (stride 16)
shifted = hr[i * 48 + 1 : i * 48 + 49, j * 48 + 1 : j * 48 + 49]  # one HR pixel down and right
err_shifted = np.abs(imresize(shifted, 1 / scale).astype(int) - A[k])[2:-2, 2:-2].max()
print(f"max |downscaled B - A|: interior {err_interior}, whole patch {err_border}, one HR pixel off {err_shifted}")
assert err_interior <= 1, "the interior of a downscaled HR patch should reproduce its LR patch"
assert err_shifted > 5 * max(err_interior, 1), "a misaligned patch should be detected"

# %% [markdown]
# ## 3. Augmentation: the 8 symmetries of a square
# A photograph flipped left–right, or rotated by 90°, is still a plausible photograph, and the degradation
# commutes with these operations. The 4 rotations, with and without a flip, give **8 versions of every
# patch pair** for free. `srkit.data.augment_pair(lr, hr, k)` applies the k-th one to both images:

# %%
k_best = int(np.argmax(texture))  # the most textured patch shows it best
versions = [
    tuple(t.numpy() for t in data.augment_pair(tf.constant(A[k_best]), tf.constant(B[k_best]), k)) for k in range(8)
]
fig, axes = plt.subplots(2, 8, figsize=(18, 5))
for k, ((a_k, b_k), top, bottom) in enumerate(zip(versions, axes[0], axes[1])):
    top.imshow(a_k, interpolation="nearest")
    top.set_title(f"k={k}: rot {90 * (k % 4)}°" + (" + flip" if k >= 4 else ""))
    bottom.imshow(b_k, interpolation="nearest")
    top.axis("off")
    bottom.axis("off")
fig.suptitle("augment_pair: the same transform on LR (top) and HR (bottom)")
plt.tight_layout()
plt.show()

# %% [markdown]
# Check that the 8 versions are all different and that each pair is still aligned (bicubic downscaling
# commutes with flips and rotations, up to one grey level of rounding):

# %%
distinct = {a_k.tobytes() for a_k, _ in versions}
err_aug = max(np.abs(imresize(b_k, 1 / scale).astype(int) - a_k)[2:-2, 2:-2].max() for a_k, b_k in versions)
print(f"{len(distinct)} distinct versions; max interior misfit after augmentation: {err_aug}")
assert len(distinct) == 8, "the 8 symmetries of a textured patch should all differ"
assert err_aug <= 1, "augmentation must keep LR and HR aligned"

# %% [markdown]
# ## 4. The tf.data pipeline
# Training lessons draw **random** aligned crops instead of a fixed grid, with a random symmetry each, in
# batches. `srkit.data.patch_dataset` does it with `tf.data`: whole images are cached in memory, crops and
# augmentation run in parallel, and the next batches are prefetched while the model trains. Here at ×3, on
# Y (as the first networks of the course train, from lesson 04 on), with 48 × 48 HR patches:

# %%
start = time.perf_counter()
pairs = data.make_pairs(data.bundled("train"), scale)  # gray images 2-D: their Y is themselves
ds = data.patch_dataset(pairs, scale=scale, patch_size=48, batch_size=16, color="y", seed=0)
batch_iter = iter(ds)
lr_batch, hr_batch = next(batch_iter)
print(f"pairs made, dataset built and first batch delivered in {time.perf_counter() - start:.1f} s")
print(ds.element_spec)
print(
    f"LR {lr_batch.shape}, HR {hr_batch.shape}, {lr_batch.dtype.name}, "
    f"HR range {float(tf.reduce_min(hr_batch)):.2f}..{float(tf.reduce_max(hr_batch)):.2f}"
)

# %%
fig, axes = plt.subplots(2, 8, figsize=(18, 5))
for k, (top, bottom) in enumerate(zip(axes[0], axes[1])):
    top.imshow(lr_batch[k, ..., 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    bottom.imshow(hr_batch[k, ..., 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    top.axis("off")
    bottom.axis("off")
fig.suptitle("one batch: random crops from all training images, randomly flipped/rotated (LR top, HR bottom, Y)")
plt.tight_layout()
plt.show()

# %% [markdown]
# Random crops must be aligned too. Downscale the HR patches of the batch and compare the interiors with
# the LR patches, as in section 2. They cannot match exactly here: the LR image was made in RGB and rounded
# to uint8 before its Y was taken, so expect a fraction of a grey level on average. Shifting every HR patch
# by one pixel shows what a misalignment would look like:

# %%
lr_np, hr_np = lr_batch.numpy()[..., 0], hr_batch.numpy()[..., 0]
misfit = np.mean([np.abs(imresize(h, 1 / scale) - lo)[2:-2, 2:-2] for lo, h in zip(lr_np, hr_np)]) * 255
misfit_shifted = (
    np.mean([np.abs(imresize(np.roll(h, 1, axis=(0, 1)), 1 / scale) - lo)[2:-2, 2:-2] for lo, h in zip(lr_np, hr_np)])
    * 255
)
print(
    f"mean interior misfit in the batch: {misfit:.2f} grey levels aligned, {misfit_shifted:.2f} shifted by one HR pixel"
)
assert misfit < 1, "random crops from patch_dataset should be aligned LR/HR pairs"
assert misfit_shifted > 3 * misfit, "a one-pixel misalignment should stand out clearly"

# %% [markdown]
# Sampling is proportional to image area, so the large Hubble and retina images supply many of the patches,
# and many patches are nearly flat: sky, background, the black of space. How many? The standard deviation of an
# HR patch (on the 0..1 scale) measures its texture; count the patches of the next 20 batches below a few
# thresholds:

# %%
hr_std = np.concatenate([tf.math.reduce_std(next(batch_iter)[1], axis=(1, 2, 3)).numpy() for _ in range(20)])
for threshold in (0.01, 0.02, 0.05):
    print(
        f"HR standard deviation below {threshold:.2f} (about {threshold * 255:.0f} grey levels): "
        f"{np.mean(hr_std < threshold):5.1%} of {len(hr_std)} patches"
    )
flat_share = np.mean(hr_std < 0.02)
assert flat_share > 0.1, "a sizeable share of random crops should be nearly flat"

# %% [markdown]
# A nearly flat pair teaches a model little: almost any smooth prediction is right there. That is worth
# remembering when a model trained on such patches comes out blurry; `patch_dataset(..., min_std=...)` drops
# the patches whose HR standard deviation is below a threshold.
#
# **The batch, patch by patch.** The flip-book below shows the 16 patches of the first batch at the HR size:
# either the LR patch with every pixel repeated 3 × 3 (`imresize(..., method="nearest")`), or the HR patch.
# One slider picks the patch (its label gives the HR standard deviation), the other flips between LR and HR.

# %%
frames = {}
for i, (lo, h) in enumerate(zip(lr_np, hr_np)):
    label = f"{i} (std {h.std():.3f})"
    frames[label, "LR"] = imresize(lo, scale, method="nearest")
    frames[label, "HR"] = h
viz.flipbook(frames, names=("patch", "view"))

# %% [markdown]
# **Question.** Step through the 16 patches with `view` on HR: which would you call flat, and does the
# standard deviation in the label agree with your eye? Then flip between LR and HR on the most textured patch:
# which details of the HR patch does no single LR pixel show, and which could you guess from the LR pixels
# around them? What can a model learn from the flat patches?

# %% [markdown]
# **Is it fast enough?** A training step cannot run faster than the pipeline delivers batches.
# `srkit.benchmark.pipeline_throughput` measures the pipeline alone (after a warm-up), over a number of
# batches that depends on the budget. Random crops have a price: every patch is cut, rotated and flipped while
# training runs. The alternative is a fixed array of patches, like `A` and `B` of section 2, batched straight
# from memory (here in RGB: three times the data of the pipeline's Y patches); `srkit.benchmark.batches_per_second`
# times any dataset the same way. Compare the two in speed, and in how many different examples each can
# deliver: every crop position of every LR image in 8 symmetries, against the rows of `A`. Timings depend on
# the machine and on what else it is doing, so we print them rather than assert them:

# %%
n_batches = budget.pick(quick=200, cpu=1000, gpu=2000)
rate = pipeline_throughput(scale=scale, patch_size=48, batch_size=16, batches=n_batches, color="y")
fixed = tf.data.Dataset.from_tensor_slices((to_float(A), to_float(B))).repeat().batch(16)
fixed_rate = batches_per_second(fixed, 2 * n_batches)
lr_patch = 48 // scale
n_possible = 8 * sum((lo.shape[0] - lr_patch + 1) * (lo.shape[1] - lr_patch + 1) for lo, _ in pairs)
print(f"on {os.cpu_count()} CPU cores:")
print(
    f"  random crops (patch_dataset) {rate:6.0f} batches/s = {16 * rate:6.0f} patches/s, {n_possible:,} possible examples"
)
print(
    f"  fixed array (A, B)           {fixed_rate:6.0f} batches/s = {16 * fixed_rate:6.0f} patches/s, {len(A):,} examples"
)
print(f"the fixed array delivers {fixed_rate / rate:.1f}x as many batches per second")
assert n_possible > 1000 * len(A), "random crops should offer orders of magnitude more examples than a fixed grid"

# %% [markdown]
# Read the rates above for your machine. Random crops cost time for every patch, but they offer a model far
# more different examples (the counts above); a fixed array is cheaper to deliver, but shows the same few
# examples again and again, and a model can end up memorising them. Whether the pipeline's rate is enough
# depends on the model that consumes the batches. The rule: the pipeline should deliver at least about twice
# what the model consumes, because both rates vary from run to run and, on a CPU, share the same processor
# cores. Lesson 16 measures both rates for a network and tells an input-bound run from a compute-bound one;
# where the pipeline is the slower part, larger batches cost less per example, and on a GPU `prefetch` lets
# the CPU prepare the next batches while the GPU computes.

# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1 (MATLAB's size rule).** Write `round_trip_shape(hr_shape, s)`: the shape of
# `imresize(imresize(hr, 1 / s), s)` for an HR image of shape `hr_shape` ((H, W) or (H, W, C)) that was **not**
# modcropped, predicted *without calling `imresize`*. The check compares it with the real round trip on small
# images of many sizes at ×2, ×3 and ×4, and on `odd` of section 1.


# %% tags=["stub"]
def round_trip_shape(hr_shape, s):
    raise NotImplementedError("Exercise 1: the LR size by MATLAB's rule, then enlarged s times")


# %% tags=["solution"]
import math


def round_trip_shape(hr_shape, s):
    lr_h, lr_w = math.ceil(hr_shape[0] / s), math.ceil(hr_shape[1] / s)  # MATLAB rounds the LR size up
    return (s * lr_h, s * lr_w) + tuple(hr_shape[2:])


round_trip_shape(odd.shape, 3)

# %% tags=["check"]
for shape in [(13, 17), (12, 18, 3), (25, 31, 3), (9, 10), (24, 36)]:
    for s in (2, 3, 4):
        actual = imresize(imresize(np.zeros(shape, np.uint8), 1 / s), s).shape
        got = tuple(round_trip_shape(shape, s))
        assert got == actual, (
            f"{shape} at x{s}: your function says {got}, but the round trip makes another shape: "
            "how does MATLAB round a size that the scale does not divide?"
        )
assert tuple(round_trip_shape(odd.shape, 3)) == sr_odd.shape, "section 1's `odd` image does not come out right"
print(f"Correct: {odd.shape[:2]} comes back as {sr_odd.shape[:2]}, not the HR size - modcrop first.")

# %% [markdown]
# **Exercise 2 (a random aligned crop).** `patch_dataset` cuts its examples at random places. Write
# `random_crop(lr, hr, s, p, rng)`: a p × p crop of `lr` at a position drawn uniformly (with `rng.integers`)
# among *all* the positions where it fits, and the crop of `hr` that matches it, returned as a pair
# `(lr_crop, hr_crop)`. The check draws many crops from small images at ×2 and ×3: every position must be able
# to come out, and each HR crop must lie exactly under its LR crop.


# %% tags=["stub"]
def random_crop(lr, hr, s, p, rng):
    raise NotImplementedError("Exercise 2: a random LR position, then both crops")


# %% tags=["solution"]
def random_crop(lr, hr, s, p, rng):
    i = rng.integers(0, lr.shape[0] - p + 1)  # every row where a p-pixel crop fits, the last one included
    j = rng.integers(0, lr.shape[1] - p + 1)
    return lr[i : i + p, j : j + p], hr[s * i : s * (i + p), s * j : s * (j + p)]


[c.shape for c in random_crop(lr, hr, scale, 16, np.random.default_rng(0))]

# %% tags=["check"]
rng = np.random.default_rng(0)
for s, (h, w), p in [(2, (9, 7), 3), (3, (6, 8), 4)]:
    lr_t = np.arange(h * w).reshape(h, w)  # every LR pixel has its own number...
    hr_t = imresize(lr_t.astype(float), s, method="nearest")  # ...and so has the s x s block of HR pixels under it
    seen = set()
    for _ in range(400):
        lr_c, hr_c = random_crop(lr_t, hr_t, s, p, rng)
        assert np.shape(lr_c) == (p, p) and np.shape(hr_c) == (s * p, s * p), (
            f"x{s}, p={p}: crops of shapes {np.shape(lr_c)} and {np.shape(hr_c)}, expected p x p and sp x sp"
        )
        assert np.array_equal(imresize(lr_c.astype(float), s, method="nearest"), hr_c), (
            f"x{s}: the HR crop is not the one under the LR crop"
        )
        seen.add(divmod(int(lr_c[0, 0]), w))
    assert len(seen) == (h - p + 1) * (w - p + 1), (
        f"x{s}: in 400 draws only {len(seen)} of the possible positions came out: can the crop touch every edge?"
    )
print("Correct: LR position (i, j) at xs is HR position (s*i, s*j), and every position is a new example.")


# %% [markdown]
# **Exercise 3 (undoing a symmetry).** `augment_pair(lr, hr, k)` of section 3 applies the k-th of the 8
# symmetries, and each of them is undone by one of the 8. Store in `inverse` a list of 8 numbers such that
# symmetry `k` followed by symmetry `inverse[k]` gives back the original patch, for every `k`. (Hint: which
# rotation undoes a rotation by 90°? What do two flips do?)

# %% tags=["stub"]
inverse = None  # 8 whole numbers: inverse[k] undoes symmetry k

# %% tags=["solution"]
inverse = [(4 - k) % 4 if k < 4 else k for k in range(8)]  # rotate back; a flipped version is its own inverse
print(inverse)

# %% tags=["check"]
assert isinstance(inverse, (list, tuple)) and len(inverse) == 8, "give inverse as a list of 8 numbers"
assert all(isinstance(v, (int, np.integer)) and 0 <= v < 8 for v in inverse), "each entry is a symmetry: 0 to 7"
patch = tf.constant(A[k_best])
for k in range(8):
    once, _ = data.augment_pair(patch, patch, k)
    back, _ = data.augment_pair(once, once, int(inverse[k]))
    assert np.array_equal(back.numpy(), A[k_best]), f"symmetry {inverse[k]} does not undo symmetry {k}"
print("Correct: rotations by 90° and 270° undo each other, and flip + rotation undoes itself.")

# %% [markdown]
# ## Summary
# - Modcrop HR to a multiple of the scale: MATLAB's `imresize` makes `ceil(scale × size)` pixels, so otherwise
#   SR output and HR differ in shape. `make_pair` modcrops, then degrades.
# - LR patch (i, j) of size p matches HR patch (s·i, s·j) of size s·p: the A and B matrices. Check the alignment
#   by downscaling the HR patch: the interior must match, the borders may not.
# - 8 flips/rotations multiply the data for free, because the degradation commutes with them; they must be
#   applied to LR and HR together.
# - `patch_dataset` feeds random aligned crops through `tf.data`; many of them are nearly flat (`min_std` drops
#   them). Random crops offer far more examples than a fixed array, which is faster to deliver; the pipeline
#   should deliver at least about twice what the model consumes (lesson 16 measures both).
#
# ## Questions you should now be able to answer
# 1. What goes wrong if HR is not modcropped, and why not simply resize the SR output to the HR size?
# 2. Which HR pixels does the LR pixel (10, 20) cover at ×4?
# 3. Why do the borders of a downscaled HR patch differ from its LR patch, while the interior matches?
# 4. Why are flips and rotations valid augmentations for SR, while e.g. a colour jitter on the HR image alone is not?
# 5. Random crops or a fixed array of patches: what does each cost, and what does each give a model? What must
#    you measure besides the pipeline's rate to know whether it limits training?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. MATLAB's `imresize` makes `ceil(size / s)` LR pixels, which enlarge to `s · ceil(size / s)`: more than the
#    HR size unless $s$ divides it, so output and ground truth differ in shape and `psnr` refuses. Resizing the
#    output to the HR size instead stretches it by a fraction of a pixel: every pixel is then compared with a
#    slightly shifted one, and the score measures the misalignment, not the method. Modcrop cuts the leftover
#    bottom rows and right columns of HR first.
# 2. At ×4, LR pixel $(i, j)$ covers HR rows $4i$ to $4i + 3$ and columns $4j$ to $4j + 3$: for (10, 20), rows
#    40 to 43 and columns 80 to 83, a 4×4 block.
# 3. Shrinking ×3 stretches the 4-tap bicubic kernel to 12 HR pixels, so each LR pixel is a weighted sum of
#    HR pixels up to 6 pixels from its centre. For the outer 2 LR pixels of a patch, part of that neighbourhood
#    lies outside the HR patch: the original LR pixel saw the real neighbours, the downscaled patch sees its own
#    edge pixels repeated instead. Interior LR pixels depend only on HR pixels inside the patch, so they match
#    (up to a grey level of rounding).
# 4. A flipped or rotated photograph is still a plausible photograph, and the degradation commutes with these
#    symmetries (the bicubic kernel is symmetric and applied alike along both axes): the LR image of the
#    flipped HR image is the flipped LR image, so all 8 versions are correct pairs (section 3 measured their
#    alignment). A colour jitter on the HR image alone breaks the LR-to-HR relation: the target gets colours
#    the input never had, and the model learns to change colours it cannot see. (Jittering the HR image
#    before degrading it would be valid.)
# 5. Random crops cost CPU time for every patch (cut, rotated, flipped while training runs), so the pipeline
#    delivers fewer batches per second (section 4's rates); they give a model every crop position in 8
#    symmetries, far more distinct examples, so it memorises less. A fixed array is cheap to deliver but shows
#    the same few examples again and again. Measure also how many batches per second the model consumes: the
#    pipeline should deliver at least about twice that, since both rates vary and share the CPU cores
#    (lesson 16 measures both).
