# %% [markdown]
# # 08 · Transfer learning and data augmentation
#
# Lesson 07 made depth work (residual learning, EDSR's residual blocks, the U-Net) and ended at a limit: on our
# 15 training images, EDSR-medium was no better than EDSR-small; data, not capacity, had run out. This lesson gets
# more out of what we have. A trained network is a starting point: **transfer learning** reuses its body at
# another scale, as EDSR trained its ×3 and ×4 models from its ×2 model. And our images can show a network more
# than they seem to: **data augmentation** with the 8 flips and rotations of the square, in training and at test
# time (the self-ensemble), and new HR images made by shrinking or shifting the old ones.
#
# **What you will learn**
# - to fine-tune a ×4 model from the shipped ×2 model (`pretrained.transfer`, `--init-from`), and what it buys
#   over training from scratch for the same steps;
# - to measure what data augmentation buys when data is scarce;
# - the geometric self-ensemble at test time: what it gains, and what it costs;
# - two augmentations of the training images themselves: shrunk copies (`--hr-scales`) hold finer detail, and
#   shifted copies (`--hr-shifts`) show each scene through every phase of the LR grid.
#
# **Time needed:** about 35 minutes to read (exercises not counted); the code runs in about 8 min
# with the `cpu` budget (measured on a 2-core CPU): about 43 minutes in all.

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
import keras
import matplotlib.pyplot as plt
import numpy as np

from srkit import data, models, pretrained, viz
from srkit.evaluate import bicubic_upscaler, evaluate
from srkit.resize import imresize
from srkit.training import fit

SCALE = 3
train_images, val_images, test_images = data.bundled("train"), data.bundled("validation"), data.bundled("test")


# %% [markdown]
# As in lesson 07, every experiment trains with `srkit.training.fit` (lesson 05 printed its source): Adam with a
# cosine decay of the learning rate, random 16 × 16 LR patches with flips and rotations (unless `augment=False`),
# the validation PSNR after each epoch, and the L1 loss; the networks are EDSR-style (lesson 07, section 3).
#
# ## 1. Transfer: a ×4 model fine-tuned from the ×2 model
# An EDSR body (lesson 07, section 3) does not depend on the scale; only the upsampler does (×4 is two ×2
# stages). EDSR trained its ×3 and ×4 models starting from the ×2 model. `pretrained.transfer(source, target)`
# copies every layer that has the same name and shapes — for ×2 → ×4, everything but the second upsampling stage — and
# `srkit.train.train(..., init_from="edsr-small-x2")` (or `--init-from` on the command line) does it for you.
# We compare fine-tuning with training from scratch, same steps, same patches, validation at ×4.

# %%
ft_steps = budget.pick(quick=45, cpu=900, gpu=10_000)
train_pairs_x4 = data.make_pairs(train_images, 4)
val_x4_bicubic = evaluate(bicubic_upscaler(4), val_images, scale=4, crop_border=4).mean_psnr
transfer_runs = {}
for label in ("from scratch", "fine-tuned from x2"):
    keras.utils.set_random_seed(0)
    net = models.build("edsr-small", scale=4)
    if label != "from scratch":
        copied = pretrained.transfer("edsr-small-x2", net)
        print(
            f"copied {len(copied)} layers from edsr-small-x2; learned anew: "
            f"{[layer.name for layer in net.layers if layer.trainable_weights and layer.name not in copied]}"
        )
    start_psnr = evaluate(
        lambda lr: srkit.upscale(lr, model=net, scale=4), val_images, scale=4, crop_border=4
    ).mean_psnr
    run = fit(net, train_pairs_x4, steps=ft_steps, epochs=3, validation=val_images)
    transfer_runs[label] = [start_psnr] + run["val_psnr"]
    print(
        f"{label:<20} validation x4: "
        + " -> ".join(f"{p:.2f}" for p in transfer_runs[label])
        + f" dB (bicubic {val_x4_bicubic:.2f})"
    )
shipped_x4 = pretrained.load("edsr-small-x4")
shipped_x4_psnr = evaluate(
    lambda lr: srkit.upscale(lr, model=shipped_x4, scale=4), val_images, scale=4, crop_border=4
).mean_psnr
stages = pretrained.training_stages("edsr-small-x4")  # one record per training run, first run first
print(
    f"shipped edsr-small-x4 (from scratch, {sum(s['steps'] for s in stages):,} steps in {len(stages)} runs): {shipped_x4_psnr:.2f} dB"
)
assert transfer_runs["fine-tuned from x2"][-1] > transfer_runs["from scratch"][-1], (
    "fine-tuning should win on the same budget"
)
assert transfer_runs["fine-tuned from x2"][-1] > val_x4_bicubic, "the fine-tuned model should beat bicubic at x4"

# %%
fig, ax = plt.subplots(figsize=(7.5, 4.3))
at = [0] + [ft_steps // 3 * (k + 1) for k in range(3)]
for label, curve in transfer_runs.items():
    ax.plot(at, curve, "o-", label=label)
ax.axhline(val_x4_bicubic, color="gray", ls="--", label="bicubic x4")
ax.axhline(shipped_x4_psnr, color="green", ls=":", label="shipped edsr-small-x4")
ax.set_ylim(min(min(curve) for curve in transfer_runs.values()) - 0.5, shipped_x4_psnr + 0.5)
ax.set_xlabel("training step at x4")
ax.set_ylabel("validation PSNR (dB)")
ax.legend()
ax.set_title("x4 from the x2 model vs from scratch")
plt.tight_layout()
plt.show()

# %% [markdown]
# Compare the first points (step 0, before any training; the first value of each row printed above): the
# transferred model starts within a dB or so of bicubic (its second upsampling stage is random, and the tail
# receives its features), the fresh one far below (its last layer is random, not zero, so its residual starts
# as noise added to bicubic); and it stays ahead of the network trained from scratch for the same steps. That is the
# cheap scalability win of pretrained weights: the expensive part of training, the body, is done once.
#
# ## 2. Data augmentation: in training and at test time
# `patch_dataset` applies one of the 8 flips and rotations of the square to each patch (`augment=True`). With
# 15 training images and a small network the effect is hard to see, so we make data scarce on purpose: an
# EDSR 4×32 network trained on **one 192×192 crop** of one training image, with and without augmentation.

# %%
crop = train_images["astronaut"][:192, 96:288]
one_crop = data.make_pairs({"astronaut crop": crop}, SCALE)
aug_steps = budget.pick(quick=200, cpu=600, gpu=3000)
aug_runs, aug_nets = {}, {}  # the histories, and the trained networks for the flip-book below
for label, augment in [("8 symmetries", True), ("no augmentation", False)]:
    keras.utils.set_random_seed(0)
    net = models.build("edsr-small", scale=SCALE, blocks=4, filters=32)
    aug_nets[label] = net
    aug_runs[label] = fit(net, one_crop, steps=aug_steps, epochs=2, augment=augment, validation=val_images)
    print(
        f"{label:<16} training loss {aug_runs[label]['loss'][-1]:.4f} | validation "
        + " -> ".join(f"{p:.2f}" for p in aug_runs[label]["val_psnr"])
        + " dB"
    )
gain_aug = aug_runs["8 symmetries"]["val_psnr"][-1] - aug_runs["no augmentation"]["val_psnr"][-1]
print(f"augmentation: {gain_aug:+.2f} dB on the validation images")
assert gain_aug > 0.05, "with one training crop, augmentation should help on unseen images"

# %% [markdown]
# Without augmentation the network memorises the crop (look at the training loss against the validation PSNR);
# the 8 symmetries (4 rotations, each mirrored or not) give it 8 times more distinct examples of edges in every
# orientation. The same symmetries help at **test** time: run the network on the 8 flipped/rotated versions of
# the input, undo each on the output and average (geometric **self-ensemble**, [Timofte et al. 2016](../course/references.md#timofte-et-al-2016); "EDSR+" in
# the EDSR paper).
# `srkit.upscale(..., self_ensemble=True)` does it, for 8 times the arithmetic (8 passes through the network):

# %%
edsr3 = pretrained.load("edsr-small-x3")
kept = {}  # each upscaler's outputs on the test split, in the order of test_images, for the flip-book below


def keeping(label, **options):
    # an upscaler for `evaluate` that runs edsr3 and keeps what it returns in kept[label]
    kept[label] = []

    def run(lr):
        kept[label].append(srkit.upscale(lr, model=edsr3, scale=SCALE, **options))
        return kept[label][-1]

    return run


single = evaluate(keeping("edsr-small-x3"), test_images, scale=SCALE, crop_border=SCALE)
ensemble = evaluate(
    keeping("edsr-small-x3 + self-ensemble", self_ensemble=True), test_images, scale=SCALE, crop_border=SCALE
)
for name in test_images:
    print(
        f"{name:<9} single {single.psnr[name]:.3f} dB   self-ensemble {ensemble.psnr[name]:.3f} dB   "
        f"({ensemble.psnr[name] - single.psnr[name]:+.3f})"
    )
print(
    f"mean      {single.mean_psnr:.3f} -> {ensemble.mean_psnr:.3f} dB; time per image {single.mean_seconds:.2f} -> {ensemble.mean_seconds:.2f} s"
)
assert ensemble.mean_psnr > single.mean_psnr, "the self-ensemble should raise the mean test PSNR"

# %% [markdown]
# Now look at what augmentation changes. The flip-book below steps through one crop of the `coins` test image:
# bicubic, the two networks trained on the astronaut crop (without augmentation, then with the 8 symmetries),
# the shipped EDSR-small, and its self-ensemble; the caption gives the crop's PSNR / SSIM against HR.

# %%
where, view = "coins", np.s_[60:180, 60:180]  # rows, columns: rims, relief and flat background
index = list(test_images).index(where)
lr_c, hr_c = data.make_pair(test_images[where], SCALE)
frames = {"bicubic": imresize(lr_c, SCALE)}
for label in ("no augmentation", "8 symmetries"):
    frames[f"one crop, {label}"] = srkit.upscale(lr_c, model=aug_nets[label], scale=SCALE)
frames.update({label: outputs[index] for label, outputs in kept.items()})
frames = {label: image[view] for label, image in frames.items()}
viz.flipbook(frames, names=("model",), reference=hr_c[view], width=360)

# %% [markdown]
# **Question.** Step from bicubic to the two networks that saw only the astronaut crop. Does the one trained
# without augmentation render the coins' rims equally well in every direction, or does it favour some
# orientations? How much of the gap to the shipped EDSR-small (15 images, many more steps) does augmentation
# close? Then compare EDSR-small with its self-ensemble: can you point at any pixel that changed, for eight times
# the arithmetic?

# %% [markdown]
# A third augmentation works on the **training images themselves: shrink them**. FSRCNN ([Dong, Loy & Tang](../course/references.md#dong-et-al-2016b),
# ECCV 2016) shrank each of its [91 photographs](../course/references.md#yang-et-al-2010) by 0.9, 0.8, 0.7 and 0.6. A shrunk photograph is a new HR image
# whose details are finer and sharper (camera blur and JPEG blocks shrink with it), so there is more in it for
# the network to learn. `data.downscaled_copies` makes the copies with the protocol's bicubic, and
# `python -m srkit.train … --hr-scales 0.9 0.8 0.7 0.6 0.5` trains on the originals plus their copies.
# "More to learn" can be measured: it is how far bicubic ×3 falls short on an image.

# %%
shrunk = data.downscaled_copies(train_images, [0.5])
halves = {name: image for name, image in shrunk.items() if name.endswith("@0.5")}
originals = {name: image for name, image in shrunk.items() if name not in halves}
room = {
    label: evaluate(bicubic_upscaler(SCALE), images, scale=SCALE, crop_border=SCALE)
    for label, images in [("originals", originals), ("shrunk to 0.5", halves)]
}
for label, result in room.items():
    print(f"{label:<14} {len(result.psnr)} images, bicubic x{SCALE}: {result.mean_psnr:.2f} dB")
for name in ("astronaut", "brick", "text"):
    print(f"  {name:<10} {room['originals'].psnr[name]:.2f} -> {room['shrunk to 0.5'].psnr[name + '@0.5']:.2f} dB")
assert room["originals"].mean_psnr - room["shrunk to 0.5"].mean_psnr > 1.0, (
    "shrunk photographs should be harder for bicubic"
)

# %% [markdown]
# Bicubic loses more on the half-size copies (above): each of their pixels carries more detail, so they are a
# cheap way to show a network harder examples (the shipped models were trained with them; `MODEL_CARD.md` lists
# what each run gained). The copies are not new photographs, though: on 15 images, data remains the limit.

# %% [markdown]
# A fourth augmentation changes **where the LR grid falls**. `make_pair` keeps one HR pixel in `scale`, on a
# grid that starts at the top-left corner, so every edge of a training image is seen through one sampling
# phase only; a flip or a rotation turns the grid with the image and gives no new phase. Dropping the first
# `dy` rows and `dx` columns of the HR image before degrading it (0 ≤ dy, dx < scale) gives `scale²` LR
# images of the same scene, one per phase: `data.shifted_copies`, or `python -m srkit.train … --hr-shifts`.
# Is a shifted copy new information, or just the old LR image moved by a fraction of a pixel? Predict it from
# the unshifted LR image with the best tool we have, bicubic interpolation, and measure what is left:

# %%
scene = train_images["astronaut"]
phases = data.shifted_copies({"astronaut": scene}, SCALE)  # the scene through all 9 phases at x3
lr = {name: pair[0] for name, pair in zip(phases, data.make_pairs(phases, SCALE))}  # uint8 LR images
base, moved = lr["astronaut"].astype(float), lr["astronaut+0,1"].astype(float)  # the second: HR shifted by one pixel
# LR pixel j of `moved` sits 1/3 of an LR pixel right of pixel j of `base`: bicubic-enlarge `base` x3 and
# read it there (row 3i+1 is base's row i, column 3j+2 is a third of a pixel to the right of its column j)
guess = imresize(lr["astronaut"], SCALE).astype(float)[1::SCALE, 2::SCALE]
width = min(guess.shape[1], moved.shape[1])
unexplained = np.abs(moved[:, :width] - guess[:, :width]).mean()
print(
    f"{len(phases)} LR images of one scene; the one shifted by one HR pixel differs from the unshifted one "
    f"by {np.abs(moved - base).mean():.2f} grey levels on average,"
)
print(f"and from bicubic's prediction of it, made from the unshifted LR image, by {unexplained:.2f}")
assert len(phases) == SCALE**2 and unexplained > 0.5, (
    "a new sampling phase should hold detail that interpolation cannot predict"
)

# %% [markdown]
# What bicubic could not predict from the unshifted image (the second number above) is detail that fell
# between its samples (aliasing), and every phase catches a different part of it. (Burst photography builds
# its super-resolution on exactly this, with many shifted frames of one scene.) Shifted copies add most at ×4,
# which has 16 phases against 4 at ×2 (the shipped models were trained with them; `MODEL_CARD.md` lists each
# run). Whatever the augmentation, choose checkpoints on validation images, never on Set5: choosing on Set5
# would make every Set5 number in this course meaningless. The copies are new views of the same 15 scenes, not
# new scenes.

# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** Transfer by hand. Write `copy_matching(source, target)`: copy into the Keras model `target`
# the weights of every layer of `source` that has a layer of the same name in `target`, with weights of the same
# shapes, and return the names of the layers it copied (what `pretrained.transfer` does, section 1). The check
# runs yours and srkit's on fresh EDSR-small networks at ×3 and ×4 from the shipped ×2 model, and on an ESPCN
# ×2 from the shipped ×3 one, and compares the names and every weight.


# %% tags=["stub"]
def copy_matching(source, target):
    raise NotImplementedError("Exercise 1: copy the matching layers' weights, return their names")


# %% tags=["solution"]
def copy_matching(source, target):
    copied = []
    for layer in target.layers:
        if layer.name not in [src.name for src in source.layers]:
            continue
        weights, mine = source.get_layer(layer.name).get_weights(), layer.get_weights()
        if weights and len(weights) == len(mine) and all(a.shape == b.shape for a, b in zip(weights, mine)):
            layer.set_weights(weights)
            copied.append(layer.name)
    return copied


copy_matching

# %% tags=["check"]
cases = [
    (pretrained.load("edsr-small-x2"), "edsr-small", 3),
    (pretrained.load("edsr-small-x2"), "edsr-small", 4),
    (pretrained.load("espcn-x3"), "espcn", 2),
]
for source, name, scale in cases:
    keras.utils.set_random_seed(1)
    yours = models.build(name, scale=scale)
    keras.utils.set_random_seed(1)
    ref = models.build(name, scale=scale)
    names, copied = set(copy_matching(source, yours)), set(pretrained.transfer(source, ref))
    assert names == copied, (
        f"{source.name} -> {name} x{scale}: {len(copied - names)} layer(s) that can be copied are missing, and "
        f"{len(names - copied)} of the names you return are not layers a transfer copies"
    )
    assert all(np.array_equal(a, b) for a, b in zip(yours.get_weights(), ref.get_weights())), (
        f"{source.name} -> {name} x{scale}: the right names, but not the same weights as after a transfer"
    )
print("Correct: a layer is reused when its name and shapes match; the rest keep their random start.")

# %% [markdown]
# **Exercise 2.** Write the self-ensemble yourself. `views(x)` below gives the 8 symmetries of an image in the
# order k = 0, …, 7: rotated by k · 90° for k < 4, rotated by (k − 4) · 90° and then mirrored left to right for
# k ≥ 4. Write `undo(y, k)`, which turns the network's output for view k back to the orientation of the original
# image, so that the mean of `undo(srkit.upscale(views(x)[k], ...), k)` over the 8 views is the self-ensemble.
# The check compares your mean with `srkit.upscale(..., self_ensemble=True)` on a crop that is not square.

# %%
views = lambda x: [np.rot90(x, k % 4)[:, ::-1] if k >= 4 else np.rot90(x, k) for k in range(8)]


# %% tags=["stub"]
def undo(y, k):
    raise NotImplementedError("Exercise 2: return y turned back to the orientation of the original image")


# %% tags=["solution"]
def undo(y, k):
    y = y[:, ::-1] if k >= 4 else y  # the mirror was applied last, so it is undone first
    return np.rot90(y, -(k % 4))


undo

# %% tags=["check"]
lr_crop = data.make_pair(test_images["coins"], SCALE)[0][20:60, 30:80] / 255.0  # 40 x 50 LR pixels, float Y
outputs = [
    undo(srkit.upscale(np.ascontiguousarray(v), model=edsr3, scale=SCALE), k) for k, v in enumerate(views(lr_crop))
]
assert all(o.shape == (40 * SCALE, 50 * SCALE) for o in outputs), (
    f"undone outputs have shapes {sorted({o.shape for o in outputs})}: each must have the original orientation"
)
by_hand = np.mean(outputs, axis=0)
by_srkit = srkit.upscale(lr_crop, model=edsr3, scale=SCALE, self_ensemble=True)
assert np.abs(by_hand - by_srkit).max() < 1e-3, "your mean differs from srkit's self-ensemble: check each undo"
print("Correct: undo the mirror first, then the rotation, and the 8 outputs line up.")

# %% [markdown]
# **Exercise 3.** A symmetry is a valid augmentation only if the degradation looks the same after it: the LR
# image of the turned HR image must be the turned LR image. The bicubic downscaling of the protocol has no
# preferred direction; a camera that moved sideways during the exposure has one. `motion_lr` below blurs each
# row over 5 pixels, then downscales. Give `valid`: the set of view numbers k (as in `views`) for which training
# pairs made with `motion_lr` may still be augmented with view k. The check compares both sides for each k.


# %%
def motion_lr(hr):
    # uint8 HR -> float LR: a 1 x 5 horizontal box blur (edge pixels repeated), then bicubic / SCALE
    padded = np.pad(hr / 255, [(0, 0), (2, 2), (0, 0)], mode="edge")
    return imresize(sum(padded[:, i : i + hr.shape[1]] for i in range(5)) / 5, 1 / SCALE)


# %% tags=["stub"]
valid = set()  # the view numbers k, from 0 to 7, that a motion-blurred training pair may still use

# %% tags=["solution"]
valid = {0, 2, 4, 6}  # the views that keep rows as rows: identity, half turn, mirror, mirror after a half turn
valid

# %% tags=["check"]
assert isinstance(valid, (set, frozenset, list, tuple)), "give `valid` as a set of view numbers"
blurred_lr = motion_lr(crop)
measured = {
    k
    for k, (hr_view, lr_view) in enumerate(zip(views(crop), views(blurred_lr)))
    if np.abs(motion_lr(np.ascontiguousarray(hr_view)) - lr_view).max() < 1e-6
}
missing, wrong = measured - set(valid), set(valid) - measured
assert not missing and not wrong, (
    f"{len(missing)} valid view(s) missing, {len(wrong)} of yours give pairs this camera cannot produce: "
    "where does each view send the direction of the blur?"
)
print("Correct: a direction-dependent degradation halves the symmetries a training pair may use.")

# %% [markdown]
# ## Summary
# - **Transfer:** an EDSR body does not depend on the scale, only its upsampler does. A ×4 network initialised
#   from the ×2 model starts near bicubic and beats one trained from scratch for the same steps (section 1).
# - **Augmentation:** the 8 symmetries help most when data is scarce (one crop: measured in section 2), and again
#   at test time as a self-ensemble (8 passes through the network for a small, reliable gain); shrunk copies of
#   the training photographs (`--hr-scales`) hold finer detail (bicubic ×3 loses clearly more on them: section 2)
#   and still taught the converged ESPCN a little more; shifted copies (`--hr-shifts`) show each scene through
#   every phase of the LR grid, which helped at ×4 and was within noise at ×2 and ×3.
#
# ## Questions you should now be able to answer
# 1. Why can the ×2 EDSR body and its ×2 upsampling stage be reused at ×4, while the second ×2 stage must be
#    learned anew?
# 2. When does data augmentation matter most, and what is the cost of the self-ensemble?
# 3. Why does a flip or a rotation of a training image give no new phase of the LR grid, while a shift by one HR
#    pixel does? Why do the shifts stop at `scale − 1` pixels?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. The body's convolutions work on LR features and have the same shapes at every scale (3×3, 32 → 32), and
#    what they detect (edges, textures of the LR image) does not depend on how much the image will be enlarged.
#    At ×4 the upsampler is two ×2 stages, and the first has the same name, shapes and job as the ×2 model's only
#    stage, as does the tail. The second stage has no counterpart in the ×2 model, so it starts random (the
#    layers section 1 prints as learned anew).
# 2. When data is scarce for the network's capacity: on one crop (section 2) the network without augmentation
#    memorises it (low training loss, lower validation PSNR), and the 8 symmetries give it edges in every
#    orientation. The self-ensemble costs 8 passes through the network per image (section 2 prints the time per
#    image of both) for a small gain in mean test PSNR, hardly visible in the flip-book.
# 3. `make_pair` computes each LR pixel from the HR pixels around the centre of one `scale` × `scale` block
#    (a symmetric bicubic kernel), the blocks tiling the mod-cropped image from its top-left corner. A flip or a
#    rotation maps that tiling onto itself, so the LR image is the old one turned, with the same samples. A shift
#    by one HR pixel moves the block centres across the scene, so every LR pixel weighs other HR pixels: detail
#    that fell between the old samples. A shift by `q·scale + r` is the shift by `r` moved by `q` whole LR pixels,
#    so only the `scale²` shifts below `scale` give distinct phases.
