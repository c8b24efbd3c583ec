# %% [markdown]
# # 09 · Pixel losses
#
# Every network so far was trained to make its output *close* to the HR image, pixel by pixel (L2 or L1), and
# judged by PSNR. This lesson and the next ask what "close" should mean. The **loss** decides what a network
# learns to output when the LR image does not determine the HR image — which, at ×3, is almost everywhere there
# is fine detail. Pixel losses then choose an *average* of the plausible answers, which is blurred. This lesson
# shows why, on two examples small enough to solve exactly, then trains the same network with three pixel and
# structural losses — L2, L1 and the L1+MS-SSIM mix of [Zhao, Gallo, Frosio & Kautz](../course/references.md#zhao-et-al-2017) (*Loss Functions for Image
# Restoration with Neural Networks*, IEEE TCI 2017) — and measures what the choice changes. Lesson 10 then
# measures the error somewhere else: in a network's features, and by a discriminator's verdict.
#
# **What you will learn**
# - why minimising a pixel loss gives a blurred output: the best guess under uncertainty is the mean (L2) or
#   the median (L1) of the plausible answers, and a plausible answer has twice the mean's expected squared
#   error: it costs 10·log10(2) ≈ 3 dB of PSNR;
# - the losses in `srkit.losses` — L2, L1, Charbonnier, SSIM, MS-SSIM and the L1+MS-SSIM mix of Zhao et al. —
#   and how hard each pushes on an error of a given size;
# - to train the same small network with several of them, on the same patches for the same number of steps, and
#   to measure what each gives: PSNR, SSIM and how much fine-scale contrast the output keeps.
#
# **Time needed:** about 30 minutes to read (exercises not counted); the code runs in about 3 min
# with the `cpu` budget (measured on a 2-core CPU): about 33 minutes in all.

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
import inspect

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from srkit import data, losses, metrics, models, viz
from srkit.evaluate import evaluate
from srkit.resize import imresize, modcrop
from srkit.training import fit

SCALE = 3
train_pairs = data.make_pairs(data.bundled("train"), SCALE)
test_images = data.bundled("test")

# %% [markdown]
# ## 1. Why pixel losses blur: the best guess under uncertainty
# Downscaling throws information away: many HR images give the same LR image. A network trained with a
# pixel loss sees, for one and the same LR patch, different HR targets during training, and can output only
# one thing. Which one minimises the loss? For **L2** it is the **mean** of the possible targets, pixel by
# pixel (the minimiser of $E[(y - \hat y)^2]$ is $\hat y = E[y]$); for **L1** the **median**.
#
# Two 1-D examples, solved by gradient descent with srkit's own `losses.l2` and `losses.l1` (a free vector
# $\hat y$, the loss averaged over the plausible targets):
# - **an edge whose exact position is unknown** (three positions, one HR pixel apart, equally likely);
# - **a fine texture whose phase is unknown**: a sinusoid of period 2.5 HR pixels, above the Nyquist frequency of
#   the ×3 LR grid, so the antialiased bicubic downscaling removes it — every phase gives the same LR signal
#   (we check that), and the LR image cannot tell them apart.

# %%
x = np.arange(36)
edges = np.stack([(x >= p).astype("float32") for p in (17, 18, 19)])
phases = 2 * np.pi * np.arange(8) / 8
textures = np.stack([0.5 + 0.25 * np.cos(2 * np.pi * x / 2.5 + ph) for ph in phases]).astype("float32")
lr_of = lambda t: imresize(t[None, :].astype(float), output_shape=(1, 12))[0]
lr_signals = np.stack([lr_of(t) for t in textures])
inner = np.ptp(lr_signals[:, 2:-2], axis=0).max() * 255  # 2 LR pixels from each end: the padding differs there
print(
    f"texture: the LR signals of the 8 phases differ by at most {inner:.2f} grey levels (away from the ends); "
    f"the HR signals by {np.ptp(textures, axis=0).max() * 255:.0f}"
)
assert inner < 1, "the downscaling removes the texture: the LR cannot tell the phases apart"


def best_guess(targets, loss, steps=200):
    # the vector minimising the mean of `loss` over the plausible targets (one row each), by Adam
    guess = tf.Variable(np.full(targets.shape[1], 0.3, "float32"))
    opt = keras.optimizers.Adam(0.01)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            value = loss(targets, guess[None, :])  # the guess broadcast against every plausible target
        opt.apply_gradients([(tape.gradient(value, guess), guess)])
    return guess.numpy()


fig, axes = plt.subplots(1, 2, figsize=(14, 3.8), layout="constrained")
guesses = {}
for ax, (name, targets) in zip(axes, [("edge, position unknown", edges), ("texture, phase unknown", textures)]):
    for t in targets:
        ax.plot(x, t, color="0.8", lw=1)
    for label, loss, style in [("L2", losses.l2, "C0-"), ("L1", losses.l1, "C3--")]:
        guesses[name, label] = best_guess(targets, loss)
        ax.plot(x, guesses[name, label], style, lw=2, label=f"best guess under {label}")
    ax.set_title(f"{name}: plausible HR signals (gray) and the best guesses")
    ax.set_xlabel("HR pixel")
    ax.legend()
plt.show()
assert np.abs(guesses["edge, position unknown", "L2"] - edges.mean(axis=0)).max() < 0.02, "L2: the mean"
assert np.abs(guesses["edge, position unknown", "L1"] - np.median(edges, axis=0)).max() < 0.02, "L1: the median"
assert np.ptp(guesses["texture, phase unknown", "L2"][4:-4]) < 0.02, "the mean of all phases is flat"

# %% [markdown]
# For the edge, L2's answer is a **ramp** — the blurred edge of every PSNR-trained network — while L1's median
# happens to pick the middle edge, sharp (with an even number of candidates it could not choose). For the
# texture both give a **flat** line: every pixel's mean *and* median over the phases is the same. Real image
# detail is full of such ambiguity, so both pixel losses learn to leave fine texture out. (The L1 guess of the
# texture is slightly rough: with 8 candidates the median is not unique, and gradient descent stops anywhere in between.)
#
# Could a network output one of the plausible textures instead? It would look right — but its expected MSE is
# **twice** that of the flat mean: if the true phase is another one, the errors of the two sinusoids add up.
# That factor of 2 is the perception–distortion trade-off in miniature; lesson 10
# measures the trade-off on trained networks.
#
# ## 2. The pixel and structural losses in srkit
# All losses are plain `loss(y_true, y_pred)` functions on float batches in [0, 1], ready for `model.compile`:

# %%
for fn in (losses.l2, losses.l1, losses.charbonnier, losses.ssim_loss, losses.mixed_loss):
    print(inspect.getsource(fn))

# %% [markdown]
# - **L2** (mean squared error): minimising it maximises PSNR; it punishes large errors most and barely
#   notices small ones, so it tolerates a faint blur everywhere.
# - **L1** (mean absolute error): EDSR trained with it; Zhao, Gallo, Frosio & Kautz (*Loss Functions for Image
#   Restoration with Neural Networks*, IEEE TCI 2017) found that L1 often gives a *better* PSNR than L2 itself,
#   because L2 gets stuck in poorer minima.
# - **[Charbonnier](../course/references.md#charbonnier-et-al-1994)** $\sqrt{e^2 + \varepsilon^2}$: a smooth L1 ([LapSRN](../course/references.md#lai-et-al-2017)), differentiable at 0.
# - **SSIM** and **[MS-SSIM](../course/references.md#wang-et-al-2003)** (the losses are 1 − SSIM and 1 − MS-SSIM) compare local means, contrasts and
#   correlations (lesson 00); MS-SSIM combines the contrast and structure terms at five scales with the
#   luminance term at the coarsest. **mixed** = $0.84\,(1-\text{MS-SSIM}) + 0.16\,L_1$ is Zhao et al.'s best loss
#   (they weight the L1 term with a Gaussian window; srkit's uses plain L1).
#
# What each pixel loss does to one pixel's error $e$, and the push it gives (its derivative):

# %%
e = np.linspace(-0.1, 0.1, 401).astype("float32")
curves = {
    "L2": lambda d: d**2,
    "L1": lambda d: abs(d),
    "Charbonnier (eps = 0.01)": lambda d: keras.ops.sqrt(d**2 + 1e-4),
}
fig, (ax_loss, ax_grad) = plt.subplots(1, 2, figsize=(13, 3.6), layout="constrained")
for name, f in curves.items():
    et = tf.constant(e)
    with tf.GradientTape() as tape:
        tape.watch(et)
        value = f(et)
    ax_loss.plot(e * 255, np.asarray(value), label=name)
    ax_grad.plot(e * 255, np.asarray(tape.gradient(value, et)), label=name)
ax_loss.set_title("penalty of one pixel's error")
ax_grad.set_title("its derivative: how hard training pushes")
for ax in (ax_loss, ax_grad):
    ax.set_xlabel("error (grey levels)")
    ax.legend()
plt.show()

# %% [markdown]
# L2's push fades to nothing as an error shrinks; L1 pushes every error with the same force; Charbonnier is L1
# except within $\pm\varepsilon$, where it rounds the corner.
#
# ## 3. The same network, trained with L2, L1 and L1+MS-SSIM
# The network: ESPCN ×3 on Y with a residual over bicubic (`bicubic_residual=True`, lesson 07, section 2),
# 22,729 parameters — small enough to train several times within the budget. Same seed, same patches, same
# number of steps and the same optimiser for each loss; only the loss differs. We score each model on the
# **test** split with the protocol (Y, `crop_border=3`), and keep its outputs. `score` also records the
# **gradient energy**: the mean squared difference between neighbouring pixels, as a ratio to the HR image's
# (printed as a percentage; a ratio below one means smoother than the original). It tells how much fine-scale
# contrast an output keeps: the contrast that section 1 expects a pixel loss to give up.
# Training is `srkit.training.fit` (lesson 05 printed its source: Adam with a cosine decay, random 16 × 16 LR
# patches), with the loss as its argument:

# %%
steps = budget.pick(quick=300, cpu=2000, gpu=20_000)


def gradient_energy(image):
    # mean squared gradient (forward differences) of the scored Y image: its high-frequency energy
    y = metrics.prepare(image, crop_border=SCALE, y_channel=True)
    return float(np.mean(np.diff(y, axis=0)[:, :-1] ** 2 + np.diff(y, axis=1)[:-1] ** 2))


HR = {name: modcrop(hr, SCALE) for name, hr in test_images.items()}
LR = {name: imresize(hr, 1 / SCALE) for name, hr in HR.items()}


def score(outputs):
    # protocol PSNR / SSIM and the gradient energy relative to the HR image, each averaged over the test images
    per_image = [
        dict(
            psnr=metrics.psnr(HR[n], sr, crop_border=SCALE, y_channel=True),
            ssim=metrics.ssim(HR[n], sr, crop_border=SCALE, y_channel=True),
            energy=gradient_energy(sr) / gradient_energy(HR[n]),
        )
        for n, sr in outputs.items()
    ]
    return {k: float(np.mean([p[k] for p in per_image])) for k in per_image[0]}


outputs = {"bicubic": {n: imresize(lr, SCALE) for n, lr in LR.items()}}
results = {"bicubic": score(outputs["bicubic"])}
trained = {}
for label, loss in [("L2", losses.l2), ("L1", losses.l1), ("L1+MS-SSIM", losses.mixed_loss)]:
    keras.utils.set_random_seed(0)
    trained[label] = models.build("espcn", scale=SCALE, bicubic_residual=True)
    # XLA takes minutes to compile tf.image's MS-SSIM here; without it each step is slower, but it starts at once
    seconds = fit(trained[label], train_pairs, steps=steps, loss=loss, jit_compile=label != "L1+MS-SSIM")["seconds"]
    outputs[label] = {n: srkit.upscale(lr, model=trained[label], scale=SCALE) for n, lr in LR.items()}
    results[label] = score(outputs[label])
    print(
        f"{label:<11} {steps} steps in {seconds:4.0f} s | test PSNR {results[label]['psnr']:.2f} dB, "
        f"SSIM {results[label]['ssim']:.4f} (bicubic {results['bicubic']['psnr']:.2f} dB, {results['bicubic']['ssim']:.4f})"
    )
same = evaluate(
    lambda lr: srkit.upscale(lr, model=trained["L1"], scale=SCALE), test_images, scale=SCALE, crop_border=SCALE
)
assert abs(same.mean_psnr - results["L1"]["psnr"]) < 1e-9, "score() measures exactly what srkit.evaluate does"
for label in ("L2", "L1", "L1+MS-SSIM"):
    assert results[label]["psnr"] > results["bicubic"]["psnr"] + 0.1, f"{label} should beat bicubic on the test split"

# %% [markdown]
# All three beat bicubic, and by similar amounts: with the same network and budget the choice among pixel
# losses moves PSNR by hundredths to tenths of a dB (Zhao et al. measured L1+MS-SSIM ahead of L2 on PSNR *and*
# SSIM; in a brief run the order can change). The mixed loss costs more per step: MS-SSIM filters every patch at
# three scales.
#
# What none of them does is bring back the HR image's fine-scale contrast. The gradient energy of every output,
# against the HR image's:

# %%
print(f"{'':<12}{'PSNR':>7}{'SSIM':>8}{'gradient energy':>17}")
for label, r in results.items():
    print(f"{label:<12}{r['psnr']:>7.2f}{r['ssim']:>8.4f}{r['energy']:>17.1%}")
for label in ("L2", "L1", "L1+MS-SSIM"):
    energy = results[label]["energy"]
    assert results["bicubic"]["energy"] + 0.02 < energy < 0.5, f"{label}: sharper than bicubic, far smoother than HR"

# %% [markdown]
# Every pixel loss restores some fine-scale contrast that bicubic lacks, and every one stops far short of the HR
# image's: the ambiguous detail of section 1 (fur, grass, texture whose phase the LR image does not tell) is
# averaged away whichever pixel loss is used. The flip-book below shows the outputs one at a time on a crop of
# `chelsea` (an eye and the fur above it), from bicubic through the three losses to HR itself; the caption gives
# the crop's PSNR / SSIM against HR.

# %%
shown, crop = "chelsea", np.s_[40:160, 110:230]  # rows, columns of the test image
frames = {label: outputs[label][shown][crop] for label in ("bicubic", "L2", "L1", "L1+MS-SSIM")}
frames["HR"] = HR[shown][crop]
viz.flipbook(frames, names=("loss",), reference=HR[shown][crop], width=360)

# %% [markdown]
# **Question.** Step between L2, L1 and L1+MS-SSIM: can you tell them apart, and does the caption's order of PSNR
# match the order of SSIM? Then step to HR: which details did no pixel loss restore — and, from section 1, why
# could none of them?

# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** Ambiguity is often partial. Suppose the LR image tells the phase of section 1's texture to
# within $\pm\delta$: every phase in $[\varphi_0 - \delta, \varphi_0 + \delta]$ is equally likely. Write
# `kept_contrast(delta)`: the fraction of the texture's amplitude that the best guess under L2 keeps
# ($\delta$ in radians, $0 < \delta \le \pi$; at $\delta = \pi$ nothing is known, and section 1 found a flat
# line). The check averages many plausible textures for several $\delta$.


# %% tags=["stub"]
def kept_contrast(delta):
    raise NotImplementedError("Exercise 1: the amplitude of the mean of the plausible sinusoids, as a fraction")


# %% tags=["solution"]
def kept_contrast(delta):
    # the mean of cos(w x + phi) over phi uniform in [-delta, delta] is cos(w x) * sin(delta) / delta
    return np.sin(delta) / delta


kept_contrast(np.pi / 2)

# %% tags=["check"]
fine = np.linspace(0, 2.5, 250, endpoint=False)  # one period of the texture, finely sampled
for delta in (0.2, 1.0, 2.0, 2.5, np.pi):
    offsets = ((np.arange(1000) + 0.5) / 1000 * 2 - 1) * delta  # phases spread evenly over [-delta, delta]
    l2_best = np.cos(2 * np.pi * fine[:, None] / 2.5 + offsets[None, :]).mean(axis=1)  # amplitude 1 textures
    assert abs(float(kept_contrast(delta)) - np.abs(l2_best).max()) < 1e-3, (
        f"kept_contrast({delta:.2f}) is off: average cos(w x + phi) over the plausible phases phi"
    )
print(
    f"Correct: knowing the phase to within a quarter period either way keeps {kept_contrast(np.pi / 2):.0%} of the "
    "texture's amplitude, and the square of that of its gradient energy (section 3)."
)

# %% [markdown]
# **Exercise 2.** How small is the "small" error that Charbonnier treats differently from L1? Write
# `half_push_error(eps)`: the size of one pixel's error (in [0, 1] units, positive) at which Charbonnier with
# this ε pushes half as hard as L1 does (section 2). The check differentiates `losses.charbonnier` there, for
# several ε.


# %% tags=["stub"]
def half_push_error(eps):
    raise NotImplementedError("Exercise 2: the error at which Charbonnier's derivative is half of L1's")


# %% tags=["solution"]
def half_push_error(eps):
    return eps / np.sqrt(3)  # e / sqrt(e^2 + eps^2) = 1/2


half_push_error(1e-3)

# %% tags=["check"]
for eps in (1e-3, 0.01, 0.05):
    error = tf.Variable([[float(half_push_error(eps))]])
    with tf.GradientTape() as tape:
        value = losses.charbonnier(tf.zeros((1, 1)), error, eps=eps)
    push = float(tape.gradient(value, error)[0, 0])  # L1 pushes with 1
    assert abs(push - 0.5) < 1e-3, f"eps={eps}: at your error Charbonnier pushes with {push:.3f} of L1's force"
print(
    f"Correct: with srkit's default eps = 0.001, only errors below {255 * half_push_error(1e-3):.2f} grey levels "
    "lose half of L1's push, less than uint8's rounding: for any visible error Charbonnier is L1."
)

# %% [markdown]
# **Exercise 3.** `under_l1(k)` below is an L1 loss that punishes an output below the target `k` times more
# than one above it. For section 1's edge (three positions, equally likely), write `under_guess(k)`: its best
# guess, an array of 36 values, without gradient descent. The check runs `best_guess` for several `k`.


# %%
def under_l1(k):
    return lambda y, p: keras.ops.mean(k * keras.ops.relu(y - p) + keras.ops.relu(p - y))


# %% tags=["stub"]
def under_guess(k):
    raise NotImplementedError("Exercise 3: the 36 values that minimise under_l1(k) over the plausible edges")


# %% tags=["solution"]
def under_guess(k):
    bright = edges.mean(axis=0)  # the probability that each pixel is bright
    return (bright > 1 / (k + 1)).astype(float)  # bright when k * P(bright) outweighs P(dark)


under_guess(4.0)

# %% tags=["check"]
for k in (0.25, 0.6, 1.5, 4.0):
    yours = np.asarray(under_guess(k), dtype=float)
    assert yours.shape == (36,), f"under_guess({k}) has shape {yours.shape}: give 36 values"
    assert np.abs(best_guess(edges, under_l1(k)) - yours).max() < 0.05, f"under_guess({k}) is not what it converges to"
print("Correct: the loss sets a threshold on the probability of a bright pixel; L1's is one half, the median.")

# %% [markdown]
# ## Summary
# - **Pixel losses average.** When the LR image leaves the HR detail uncertain, the L2-optimal output is the mean
#   of the plausible answers and the L1-optimal one their median: blurred edges, missing texture. A plausible
#   sharp answer doubles the expected squared error of the mean, 10·log10(2) ≈ 3 dB of PSNR.
# - **srkit's losses** are plain `loss(y_true, y_pred)` functions: L2 pushes large errors hardest and small ones
#   hardly at all, L1 pushes every error equally, Charbonnier is a smooth L1, and the SSIM losses compare local
#   means, contrasts and structure.
# - **L2, L1, L1+MS-SSIM** trained on the same network, patches and steps all beat bicubic by similar margins;
#   the choice among them changes PSNR by little, and none of them brings back the fine-scale contrast of the HR
#   image (measured as gradient energy).
#
# ## Questions you should now be able to answer
# 1. Why does a network trained with L2 produce blurred edges even with unlimited data and capacity?
# 2. When can L1 give a sharper answer than L2, and when does it blur just as much?
# 3. Why is a sharp, plausible guess of a texture worse in PSNR than a flat one, and by how much?
# 4. How does the push that L2, L1 and Charbonnier give an error change as the error shrinks?
# 5. Which of the three trained losses would you choose for the best PSNR, and what would you expect to gain?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. One LR image has many plausible HR images, and more data or capacity does not remove that ambiguity. For a
#    given input, L2 is minimised by the mean of the plausible targets, pixel by pixel; where the position of an
#    edge is uncertain that mean is a ramp, and where the phase of a texture is unknown it is flat (section 1).
#    A perfect L2 network learns exactly that mean, so it blurs by design.
# 2. L1 is minimised by the pixelwise median. When one answer holds more than half of the probability at each
#    pixel, the median is a value of a real answer, so a pixel goes straight from dark to bright: a sharp edge
#    (section 1's edge). When the plausible values are spread evenly, as the phases of a texture, the
#    median is flat like the mean (or not unique), so L1 blurs as much as L2.
# 3. A texture of random phase is wrong by the difference of two independent sinusoids, so its expected squared
#    error is the truth's variance plus its own: twice the flat mean's, which is wrong only by the truth. That is
#    10·log10(2) ≈ 3 dB of PSNR (a texture of `a` times the amplitude costs 10·log10(1 + a²)). PSNR rewards hedging, not plausibility: the perception–distortion trade-off.
# 4. L2's derivative is proportional to the error, so its push fades to nothing as the error shrinks; L1's is
#    constant (the sign of the error), so small errors are pushed as hard as large ones; Charbonnier pushes like
#    L1 for errors much larger than $\varepsilon$ and fades smoothly to zero inside $\pm\varepsilon$, so it is
#    differentiable at zero (section 2's right-hand plot).
# 5. Read section 3's table: the three land close together, and in a brief run their order can change. L1 is a
#    sound choice (as good or better than L2 on PSNR in Zhao et al.'s and EDSR's experience, and cheaper per step
#    than the MS-SSIM mix); expect at most a few hundredths to tenths of a dB from the loss, and no return of
#    fine texture: every pixel loss leaves the gradient energy far below the HR image's.
