# %% [markdown]
# # 06 · Losses and perceptual quality
#
# Every network so far was trained to make its output *close* to the HR image, pixel by pixel (L2 or L1), and
# judged by PSNR. This lesson asks what "close" should mean. The **loss** decides what a network learns to
# output when the LR image does not determine the HR image — which, at ×3, is almost everywhere there is fine
# detail. Pixel losses then choose an *average* of the plausible answers, which is blurred. **Perceptual**
# (feature) losses (Johnson, Alahi & Fei-Fei, ECCV 2016) measure the error in a network's features, where blur
# costs more, and **adversarial** training (SRGAN: Ledig et al., *Photo-Realistic Single Image Super-Resolution
# Using a Generative Adversarial Network*, CVPR 2017) pushes the output towards *one* plausible answer instead:
# sharper, but further from the truth in PSNR. Blau & Michaeli (*The
# Perception-Distortion Tradeoff*, CVPR 2018) proved that no method can be best at both.
#
# **What you will learn**
# - why minimising a pixel loss gives a blurred output: the best guess under uncertainty is the mean (L2) or
#   the median (L1) of the plausible answers, and a plausible answer has twice the mean's expected squared
#   error: it costs 10·log10(2) ≈ 3 dB of PSNR;
# - the losses in `srkit.losses` — L2, L1, Charbonnier, SSIM, MS-SSIM and the L1+MS-SSIM mix of Zhao et al. — and
#   to train the same small network with several of them, on the same patches for the same number of steps;
# - what a perceptual loss and a discriminator add, and what a perceptual loss with *random* features (all
#   that is available offline) can and cannot do;
# - to measure and plot the **perception–distortion trade-off** with a computable perception proxy, and to say
#   what that proxy does not measure;
# - what PSNR misses: shifts, brightness changes, texture in the wrong place — measured.
#
# **Time needed:** about 55 minutes to read (exercises not counted); the code runs in about 18 min
# with the `cpu` budget (measured on a 2-core CPU): about 73 minutes in all.

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
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from scipy.ndimage import gaussian_filter

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


def best_guess(targets, loss, steps=600):
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
# Exercise 2 turns this into dB. That factor of 2 is the perception–distortion trade-off in miniature.
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
# - **Charbonnier** $\sqrt{e^2 + \varepsilon^2}$: a smooth L1 (LapSRN), differentiable at 0.
# - **SSIM** and **MS-SSIM** (the losses are 1 − SSIM and 1 − MS-SSIM) compare local means, contrasts and
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
# The network: ESPCN ×3 on Y with a residual over bicubic (`bicubic_residual=True`, lesson 05), 22,729
# parameters — small enough to train several times within the budget. Same seed, same patches, same number
# of steps and the same optimiser for each loss; only the loss differs. We score each model on the **test**
# split with the protocol (Y, `crop_border=3`), and keep its outputs for the rest of the lesson. `score` also
# records two numbers that later sections use: the **gradient energy** (the mean squared difference between
# neighbouring pixels, as a ratio to the HR image's, printed as a percentage: a ratio below one means smoother
# than the original) and a **perception proxy**, `metrics.gradient_wasserstein` — how far the distribution of
# the output's local gradients is from the HR image's (lower is closer; section 7 explains why it stands in for
# perceptual quality).
# Training is `srkit.training.fit` (lesson 03 printed its source: Adam with a cosine decay, random 16 × 16 LR
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
    # protocol PSNR / SSIM, RMSE (grey levels), the perception proxy of section 7 and the gradient energy
    # relative to the HR image, each averaged over the test images
    per_image = [
        dict(
            psnr=metrics.psnr(HR[n], sr, crop_border=SCALE, y_channel=True),
            ssim=metrics.ssim(HR[n], sr, crop_border=SCALE, y_channel=True),
            proxy=metrics.gradient_wasserstein(HR[n], sr, crop_border=SCALE, y_channel=True),
            energy=gradient_energy(sr) / gradient_energy(HR[n]),
        )
        for n, sr in outputs.items()
    ]
    result = {k: float(np.mean([p[k] for p in per_image])) for k in per_image[0]}
    result["rmse"] = float(np.mean([255 * 10 ** (-p["psnr"] / 20) for p in per_image]))
    return result


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
# ## 4. Perceptual loss: distances between features
# Johnson et al. compare the output and the target not pixel by pixel but through the feature maps of a fixed
# network, VGG trained on ImageNet: $\ell = \lVert\phi(y) - \phi(\hat y)\rVert^2$. Features respond to edges and
# textures; a blurred output has weak responses where the HR image has strong ones, and is punished for it
# even where the pixel error is small. SRGAN used the fourth convolution of VGG19's fifth block ("VGG54")
# and, for a texture-level loss, the second of the second ("VGG22").
#
# **Offline, honestly.** Keras downloads the ImageNet weights of VGG19 on first use. This machine has no
# internet, so `losses.PerceptualLoss` warns and uses the same VGG19 layers with **fixed random weights**. That
# is a different loss: random features know nothing about natural images (no "cat fur" detector), so claims
# about ImageNet-VGG losses do not carry over. What they still do: a bank of random 3×3 convolutions with
# ReLUs responds to local contrast, edges and their orientations at the scale of its receptive field (14 pixels
# at `block2_conv2`: 3 → 5 → pooling 6 → 10 → 14); matching those responses punishes blur, and matching their *statistics* is the basis of
# texture synthesis with random networks (Ustyuzhaninov, Brendel, Gatys & Bethge, ICLR 2017; He, Wang &
# Hopcroft, NeurIPS 2016). On Colab (or any machine online) the same line loads the ImageNet network, and
# `feature_extractor("vgg19", allow_random=False)` refuses the random substitute.

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    perceptual = losses.PerceptualLoss(layer="block2_conv2")  # ImageNet VGG19 "VGG22" where it can be downloaded
for w in caught:
    print("warning:", w.message)
print(
    f"perceptual loss on {perceptual.kind} features: {perceptual.extractor.name}, "
    f"{perceptual.extractor.count_params():,} fixed weights"
)
# the real thing, on Colab or anywhere online:
#     features, kind = losses.feature_extractor("vgg19", layer="block5_conv4", allow_random=False)
#     perceptual = losses.PerceptualLoss(features, kind=kind)

# %% [markdown]
# A perceptual loss alone, trained from scratch, learns slowly and can leave colour and brightness loose; SRGAN
# first trained its generator with a pixel loss ("SRResNet") and then switched losses. We do the same:
# **every perceptual and adversarial model below starts from the L1 model of section 3** and trains for
# `ft_steps` more steps at a lower learning rate. For a fair reference, the L1 model is also trained for the
# same extra steps with L1 ("L1, continued").

# %%
ft_steps = budget.pick(quick=100, cpu=600, gpu=5000)
start_weights = trained["L1"].get_weights()


def from_l1():
    keras.utils.set_random_seed(0)
    net = models.build("espcn", scale=SCALE, bicubic_residual=True)
    net.set_weights(start_weights)
    return net


for label, loss in [("L1, continued", losses.l1), (f"perceptual ({perceptual.kind} VGG22)", perceptual)]:
    trained[label] = from_l1()
    history = fit(trained[label], train_pairs, steps=ft_steps, loss=loss, learning_rate=1e-4, seed=1, jit_compile=False)
    seconds = history["seconds"]
    outputs[label] = {n: srkit.upscale(lr, model=trained[label], scale=SCALE) for n, lr in LR.items()}
    results[label] = score(outputs[label])
    print(
        f"{label:<26} +{ft_steps} steps in {seconds:4.0f} s | test PSNR {results[label]['psnr']:.2f} dB, "
        f"gradient energy {results[label]['energy']:.0%} of the HR image's"
    )
PERCEPTUAL = f"perceptual ({perceptual.kind} VGG22)"

# %% [markdown]
# ## 5. Adversarial training (SRGAN)
# A **discriminator** $D$ learns to tell HR patches from generated ones; the generator $G$ is trained to fool it,
# on top of a content loss: $\ell_G = \ell_\text{content} + \lambda\,\text{BCE}(D(G(x)), \text{real})$. The
# discriminator's verdict is about the *distribution* of patches (does this look like an HR patch?), not about
# the one true patch: a learned stand-in for the perceptual quality of Blau & Michaeli (section 7). SRGAN's
# discriminator pools each patch into one verdict; srkit's gives one per 45 × 45-pixel region (a *PatchGAN*,
# Isola et al., CVPR 2017), so the texture of every region counts on its own instead of being averaged away. `losses.SRGAN` is a `keras.Model`
# whose `train_step` alternates the two updates, so `fit` and its callbacks work unchanged:

# %%
print(inspect.getsource(losses.SRGAN.train_step))
disc = losses.discriminator(channels=1, filters=16)
verdicts = disc(np.zeros((1, 48, 48, 1), "float32"))
print(
    f"discriminator: {disc.count_params():,} parameters; a 48 x 48 patch gets {verdicts.shape[1]} x {verdicts.shape[2]} "
    "logits, one per region (real HR vs generated)"
)

# %%
# lambda: the content loss (L1) is ~0.015 here, the adversarial one ~0.7, so 0.5 lets the discriminator dominate.
# A run of seconds needs that strong a push, and a discriminator that learns faster (1e-3) than the generator (1e-4).
ADV_WEIGHT = 0.5
keras.utils.set_random_seed(0)
generator = from_l1()
gan = losses.SRGAN(
    generator, losses.discriminator(channels=1, filters=16), content_loss=losses.l1, adversarial_weight=ADV_WEIGHT
)
gan.compile(g_optimizer=keras.optimizers.Adam(1e-4), d_optimizer=keras.optimizers.Adam(1e-3))
history = fit(gan, train_pairs, steps=ft_steps, epochs=4, loss=None, seed=1)  # loss=None: as compiled above
ADVERSARIAL = f"adversarial (L1 + {ADV_WEIGHT} GAN)"
trained[ADVERSARIAL] = generator
outputs[ADVERSARIAL] = {n: srkit.upscale(lr, model=generator, scale=SCALE) for n, lr in LR.items()}
results[ADVERSARIAL] = score(outputs[ADVERSARIAL])
print(f"+{ft_steps} steps in {history['seconds']:.0f} s")
for key in ("content", "adversarial", "d_loss"):
    print(f"  {key:<12}" + " -> ".join(f"{v:.4f}" for v in history[key]))
print(
    f"test PSNR {results[ADVERSARIAL]['psnr']:.2f} dB, gradient energy {results[ADVERSARIAL]['energy']:.0%} of the HR image's"
)

# %% [markdown]
# The discriminator loss starts at $2\ln 2 \approx 1.39$ (it cannot tell yet) and the generator's adversarial
# loss near $\ln 2 \approx 0.69$. GAN training is a tug of war and is notoriously fickle: real SRGANs train for
# days with a much larger discriminator, and λ, the learning rates and the number of steps all change the
# result. Here it runs for seconds with a heavy adversarial weight, so expect a clear change in texture and PSNR,
# but not SRGAN's photographic detail.
#
# ## 6. Looking at the results
# `viz.compare` shows every output with the same zoomed region (PSNR/SSIM against HR under each title):

# %%
shown = "chelsea"
panels = {"HR": HR[shown], "bicubic": outputs["bicubic"][shown]}
panels.update({label: outputs[label][shown] for label in ("L2", "L1", "L1+MS-SSIM", PERCEPTUAL, ADVERSARIAL)})
fig = viz.compare(panels, zoom=(40, 130, 60, 60), crop_border=SCALE, columns=4, panel_size=3.6)
plt.show()

# %% [markdown]
# Look at the fur in the insets: the pixel-loss outputs are smooth, the perceptual and adversarial ones have
# more fine-scale contrast — some of it right, some of it invented — and lower PSNR. The adversarial output's
# invented detail includes a regular grid of 3 × 3 cells: the checkerboard artefact of a sub-pixel (or
# transposed-convolution) upsampler pushed by a discriminator (Odena, Dumoulin & Olah, *Distill* 2016), a
# classic failure of brief GAN training. Numbers for everything so far, on the whole test split. **Gradient
# energy** is the mean squared gradient of the output relative to the HR image's (a ratio of one = as much
# fine-scale contrast as HR; more than that is noise or ringing, not detail):

# %%
print(f"{'':<28}{'PSNR':>7}{'SSIM':>8}{'RMSE':>7}{'gradient energy':>17}{'proxy':>8}")
for label, r in results.items():
    print(f"{label:<28}{r['psnr']:>7.2f}{r['ssim']:>8.4f}{r['rmse']:>7.2f}{r['energy']:>17.0%}{r['proxy']:>8.2f}")
# the fair reference: the same start, the same extra steps and patches, with the L1 loss alone
ref, adv, perc = results["L1, continued"], results[ADVERSARIAL], results[PERCEPTUAL]
assert ref["psnr"] > adv["psnr"] + 0.05 and ref["psnr"] > perc["psnr"] + 0.05, "the pixel loss wins on PSNR"
assert adv["energy"] > ref["energy"] + 0.02 and perc["energy"] > ref["energy"] + 0.02, (
    "the adversarial and perceptual outputs carry more high-frequency energy than the L1 output"
)
assert adv["proxy"] < ref["proxy"] and perc["proxy"] < ref["proxy"]

# %% [markdown]
# The flip-book below shows the same outputs one at a time on a crop of `chelsea` (an eye and the fur above
# it), from bicubic through every loss to HR itself; the caption gives the crop's PSNR / SSIM against HR.

# %%
crop = np.s_[40:160, 110:230]  # rows, columns of `shown`
losses_shown = ["bicubic", "L2", "L1", "L1+MS-SSIM", "L1, continued", PERCEPTUAL, ADVERSARIAL]
frames = {label: outputs[label][shown][crop] for label in losses_shown}
frames["HR"] = HR[shown][crop]
viz.flipbook(frames, names=("loss",), reference=HR[shown][crop], width=360)

# %% [markdown]
# **Question.** Which output looks sharpest to you, and which has the highest PSNR in the caption — are they the
# same one? Step between "L1, continued" and the adversarial output: which details did the discriminator add
# that HR (the last frame) really has, and which did it invent? Does the SSIM in the caption side with your eye
# or with PSNR?

# %% [markdown]
# ## 7. The perception–distortion trade-off
# Blau & Michaeli measure two things. **Distortion**: how far each output is from *its* HR image (RMSE,
# i.e. PSNR). **Perceptual quality**: how far the *distribution* of outputs is from the distribution of natural
# images, a divergence — a perfect-looking method produces images that cannot be told from real ones, whether
# or not each matches its own original. They proved that the best achievable perceptual quality gets worse as
# distortion is lowered: below some distortion, looking natural is impossible. The minimum-MSE estimator (the
# mean of section 1) sits at one end; methods tuned for looks (GANs) near the other.
#
# **A computable proxy.** There is no NIQE or LPIPS offline (and both need models or data we do not ship).
# `metrics.gradient_wasserstein(hr, sr, crop_border=, y_channel=)` measures one statistic: the earth mover's
# distance between the distributions of gradient magnitudes of the output and of its HR image, in grey
# levels (0: the same statistics). Natural images have heavy-tailed gradient distributions; blur removes the
# large gradients, noise adds too many, and both raise the distance. Its limits, stated once and for all:
# it ignores *where* the gradients are (so it measures no fidelity — that is PSNR's job), it compares with the
# image's own HR rather than with natural images in general, it looks at one scale, and it was not validated
# against human judgements. It is a stand-in for the perception axis, not a quality score.

# %%
print(inspect.getsource(metrics.gradient_wasserstein))

# %% [markdown]
# A cheap way to trace a curve between two points: **network interpolation** (ESRGAN, Wang et al., ECCVW
# 2018): since the adversarial model was fine-tuned from the L1 model, their weights can be blended,
# $w = (1-\alpha)\,w_{L1} + \alpha\,w_\text{GAN}$, and every α gives a model between the two.

# %%
alphas = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5]
interpolated = {}
blend = from_l1()
for a in alphas:
    blend.set_weights([(1 - a) * w0 + a * w1 for w0, w1 in zip(start_weights, trained[ADVERSARIAL].get_weights())])
    interpolated[a] = score({n: srkit.upscale(lr, model=blend, scale=SCALE) for n, lr in LR.items()})
print("alpha  " + "".join(f"{a:>8}" for a in alphas))
print("PSNR   " + "".join(f"{interpolated[a]['psnr']:>8.2f}" for a in alphas))
print("proxy  " + "".join(f"{interpolated[a]['proxy']:>8.2f}" for a in alphas))

fig, ax = plt.subplots(figsize=(8.5, 5.6))
ax.plot(
    [interpolated[a]["rmse"] for a in alphas],
    [interpolated[a]["proxy"] for a in alphas],
    "-",
    color="0.6",
    zorder=1,
    label="L1 -> adversarial, interpolated weights",
)
for a in alphas[1:-1]:
    ax.annotate(
        f"a={a}",
        (interpolated[a]["rmse"], interpolated[a]["proxy"]),
        xytext=(4, 4),
        textcoords="offset points",
        fontsize=8,
        color="0.4",
    )
for label, r in results.items():
    ax.scatter(r["rmse"], r["proxy"], s=60, zorder=2, label=label)
ax.scatter(0, 0, marker="*", s=200, color="gold", edgecolor="k", zorder=2, label="HR (the ideal)")
ax.set_xlabel("distortion: RMSE on Y (grey levels; lower = higher PSNR)")
ax.set_ylabel("perception proxy: gradient_wasserstein (lower = more natural)")
ax.set_title("Perception-distortion plane, test split (Blau & Michaeli 2018)")
ax.set_xlim(left=0)
ax.set_ylim(bottom=0)
ax.legend(fontsize=8, loc="upper left")
plt.show()
rmse = [interpolated[a]["rmse"] for a in alphas]
proxy = [interpolated[a]["proxy"] for a in alphas]
assert rmse[-1] > rmse[0] and proxy[-1] < proxy[0], (
    "towards the adversarial model: more distortion, more natural statistics"
)

# %% [markdown]
# Read the plot as Blau & Michaeli's Figure 1: bottom left is ideal (HR), and no method gets there. Bicubic is
# bad on both axes. The pixel losses move left (less distortion) — and a little down, because they do restore
# some detail. The perceptual and adversarial models move **down** (gradient statistics closer to HR's) and
# **right** (more distortion): along the interpolated curve, every step towards the adversarial weights buys
# more natural statistics with PSNR. (α = 1.5 *extrapolates* beyond the adversarial model.)
#
# ## 8. What PSNR misses
# PSNR compares pixels at the same positions, so it is blind to what makes two images *look* alike or
# different. On the `camera` test image: a copy **shifted by one pixel**, a copy **darker by 10 grey levels**,
# a **blurred** copy (Gaussian, σ = 1) and a copy with the **same detail in the wrong place** (the blurred copy
# plus the fine detail HR − blur, moved by 2 pixels: plausible texture, wrong positions):

# %%
hr = HR["camera"].astype(float)
soft = gaussian_filter(hr, 1.0)
variants = {
    "HR": hr,
    "shifted 1 px": np.roll(hr, 1, axis=1),
    "darker by 10": hr - 10,
    "blurred (sigma 1)": soft,
    "detail moved 2 px": soft + np.roll(hr - soft, 2, axis=1),
}
variants = {k: np.clip(v, 0, 255) / 255 for k, v in variants.items()}  # float images in [0, 1]
print(f"{'':<20}{'PSNR':>7}{'SSIM':>8}{'proxy':>8}")
misses = {}
for name, im in variants.items():
    if name == "HR":
        continue
    misses[name] = dict(
        psnr=metrics.psnr(variants["HR"], im, crop_border=SCALE, y_channel=True),
        ssim=metrics.ssim(variants["HR"], im, crop_border=SCALE, y_channel=True),
        proxy=metrics.gradient_wasserstein(variants["HR"], im, crop_border=SCALE, y_channel=True),
    )
    print(f"{name:<20}{misses[name]['psnr']:>7.2f}{misses[name]['ssim']:>8.4f}{misses[name]['proxy']:>8.2f}")
camera_bicubic = metrics.psnr(HR["camera"], outputs["bicubic"]["camera"], crop_border=SCALE, y_channel=True)
print(f"(bicubic x3 of camera: {camera_bicubic:.2f} dB)")
fig = viz.compare(variants, zoom=(400, 60, 64, 64), crop_border=SCALE, columns=5, panel_size=3.2)
plt.show()
assert misses["shifted 1 px"]["psnr"] < camera_bicubic, "a one-pixel shift scores worse than bicubic"
assert misses["blurred (sigma 1)"]["psnr"] > misses["detail moved 2 px"]["psnr"] + 1
assert misses["detail moved 2 px"]["proxy"] < misses["blurred (sigma 1)"]["proxy"] / 3

# %% [markdown]
# - The **shifted** copy looks identical and scores *below* bicubic's PSNR (SSIM drops too). This is why the
#   protocol insists on exact alignment (lesson 01's resizers that disagree by half a pixel), and why a
#   network with a sub-pixel offset is punished as if it were blurred.
# - The **darker** copy looks the same, yet PSNR is $20\log_{10}(255/10) = 28.1$ dB, like a mediocre SR method
#   (exercise 3). SSIM, which compares contrast and structure separately from brightness, barely moves.
# - The **blurred** copy has a *higher* PSNR than the copy with all its detail moved two pixels, which looks as
#   sharp as HR. Our proxy ranks them the other way round — and so would your eye on the grass.
#
# What PSNR misses, the proxy sees; what the proxy misses (positions), PSNR sees. That is why papers since
# SRGAN report both a distortion measure and a perceptual one (and run user studies), and why the PIRM 2018
# challenge (Blau et al.) ranked methods in three regions of the perception–distortion plane instead of one list.
#
# ## Exercises
# Each exercise has a worked solution in the cell below it: read the task, try your own answer in that cell,
# then run the check cell.
#
# **Exercise 1.** Compute the Charbonnier loss of `y_true`, `y_pred` below by hand in NumPy (`by_hand`), with
# srkit's default $\varepsilon = 10^{-3}$: the mean over all pixels of $\sqrt{(y - \hat y)^2 + \varepsilon^2}$.
# The check compares it with `losses.charbonnier`, and with L1 (they should differ by less than $\varepsilon$).

# %%
rng = np.random.default_rng(6)
y_true = rng.uniform(size=(2, 12, 12, 1)).astype("float32")
y_pred = np.clip(y_true + rng.normal(0, 0.05, y_true.shape), 0, 1).astype("float32")
by_hand = np.mean(np.sqrt((y_true.astype(float) - y_pred) ** 2 + 1e-3**2))
by_hand

# %%
assert abs(by_hand - float(losses.charbonnier(y_true, y_pred))) < 1e-6, (
    f"srkit says {float(losses.charbonnier(y_true, y_pred))}"
)
assert 0 < by_hand - float(losses.l1(y_true, y_pred)) < 1e-3
print(f"Correct: Charbonnier {by_hand:.6f}, L1 {float(losses.l1(y_true, y_pred)):.6f}: a smoothed L1.")

# %% [markdown]
# **Exercise 2.** The price of a plausible guess. The true HR texture has an unknown phase (section 1). Method A
# outputs the flat mean (what L2 learns); method B outputs a sinusoid of the right amplitude and frequency with
# a phase of its own, independent of the truth (what a perfect GAN could do: it looks right). Predict, in dB,
# how much lower B's PSNR is than A's, both computed from the MSE averaged over all phases (`db_cost`, a number;
# hint: B's error is the difference of two independent sinusoids). The check measures it over all 64 × 64 pairs
# of phases.

# %%
db_cost = 10 * np.log10(2)  # MSE(B) = E[(s1 - s2)^2] = 2 Var(s) = 2 MSE(A)
db_cost

# %%
ph = 2 * np.pi * np.arange(64) / 64
waves = np.stack([0.25 * np.cos(2 * np.pi * x / 2.5 + p) for p in ph])  # the texture, mean removed
mse_mean = np.mean(waves**2)  # A: output 0 (the mean)
mse_guess = np.mean((waves[:, None, :] - waves[None, :, :]) ** 2)  # B: any phase vs any truth
measured = 10 * np.log10(mse_guess / mse_mean)
assert abs(db_cost - measured) < 0.05, f"measured {measured:.3f} dB"
print(
    f"Correct: a plausible guess costs {measured:.2f} dB against the mean, although it looks right and the mean does not."
)

# %% [markdown]
# **Exercise 3.** Predict the PSNR of the `camera` test image made darker by `d = 10` grey levels everywhere
# (`predicted_psnr`, in dB, as the protocol measures it: Y, `crop_border=3`; the float image does not clip). The
# check measures it.

# %%
d = 10
predicted_psnr = 20 * np.log10(255 / d)  # MSE = d^2 everywhere
predicted_psnr

# %%
measured = metrics.psnr(HR["camera"] / 255, (HR["camera"] - float(d)) / 255, crop_border=SCALE, y_channel=True)
assert abs(predicted_psnr - measured) < 0.01, f"measured {measured:.3f} dB"
print(
    f"Correct: {measured:.2f} dB for an image you could not tell from the original; "
    f"bicubic x3 scores {camera_bicubic:.2f} dB on it."
)

# %% [markdown]
# **Exercise 4.** Make a pair of your own where the rankings flip. From the `china` test image, build two
# images of the same shape as `HR["china"]` (uint8): `smooth`, with the higher PSNR, and `textured`, with the
# lower PSNR but the lower (better) perception proxy — both against `HR["china"]` with the protocol. Any
# construction is fine (section 8 shows one; the trained models are another).

# %%
ref = HR["china"]
blur = gaussian_filter(ref.astype(float), (1.0, 1.0, 0))  # sigma 1 in space, none across colours
smooth = np.clip(np.round(blur), 0, 255).astype(np.uint8)
textured = np.clip(np.round(blur + np.roll(ref - blur, 2, axis=1)), 0, 255).astype(np.uint8)  # detail moved 2 px
# (the trained models are another answer: outputs["L2"]["china"] and outputs[ADVERSARIAL]["china"], usually)
[metrics.psnr(ref, im, crop_border=SCALE, y_channel=True) for im in (smooth, textured)]

# %%
ref = HR["china"]
assert smooth.shape == textured.shape == ref.shape and smooth.dtype == textured.dtype == np.uint8
p_s, p_t = (metrics.psnr(ref, im, crop_border=SCALE, y_channel=True) for im in (smooth, textured))
g_s, g_t = (metrics.gradient_wasserstein(ref, im, crop_border=SCALE, y_channel=True) for im in (smooth, textured))
assert p_s > p_t, f"smooth should have the higher PSNR: {p_s:.2f} vs {p_t:.2f} dB"
assert g_t < g_s, f"textured should have the lower proxy: {g_t:.2f} vs {g_s:.2f}"
assert not np.array_equal(smooth, ref) and not np.array_equal(textured, ref)
print(f"Correct: PSNR prefers smooth ({p_s:.2f} vs {p_t:.2f} dB), the proxy prefers textured ({g_t:.2f} vs {g_s:.2f}).")

# %% [markdown]
# ## Summary
# - **Pixel losses average.** When the LR image leaves the HR detail uncertain, the L2-optimal output is the mean
#   of the plausible answers and the L1-optimal one their median: blurred edges, missing texture. A plausible
#   sharp answer doubles the expected squared error of the mean, 10·log10(2) ≈ 3 dB of PSNR (exercise 2).
# - **L2, L1, L1+MS-SSIM** trained on the same network, patches and steps all beat bicubic by similar margins;
#   the choice among them changes PSNR by little.
# - **Perceptual loss** compares feature maps. Offline, srkit's uses VGG19 with fixed random weights (it says
#   so): a texture-and-edge loss, not ImageNet's; online, the same call loads ImageNet VGG19.
# - **Adversarial training** (SRGAN) adds a discriminator's verdict on whether a patch looks real. Fine-tuned from
#   the L1 model, it and the perceptual loss raised the output's high-frequency energy and lowered PSNR (measured).
# - **Perception–distortion:** plotted with RMSE and a gradient-statistics proxy, the methods lie along a
#   trade-off — bicubic, the pixel losses, the perceptual and adversarial models, and a curve of interpolated
#   weights between L1 and adversarial; HR's corner is out of reach (Blau & Michaeli 2018).
# - **What PSNR misses:** a one-pixel shift scores below bicubic, a brightness change of 10 grey levels scores
#   20·log10(255/10) ≈ 28 dB, and a blurred image beats one with correct-looking but displaced detail. Report a distortion *and* a
#   perception measure, and look at the images.
#
# ## Questions you should now be able to answer
# 1. Why does a network trained with L2 produce blurred edges even with unlimited data and capacity?
# 2. When can L1 give a sharper answer than L2, and when does it blur just as much?
# 3. What does a perceptual loss compare, and what changes when its network has random instead of ImageNet weights?
# 4. What does the discriminator of SRGAN judge, and why does that lower PSNR?
# 5. Why can no method reach the bottom-left corner of the perception–distortion plane?
# 6. Name two image changes that PSNR punishes but you cannot see, and one that you see but PSNR rewards.
