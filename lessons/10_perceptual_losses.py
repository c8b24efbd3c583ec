# %% [markdown]
# # 10 · Perceptual losses
#
# Lesson 09 showed why a network trained with a pixel loss blurs: where the LR image leaves the detail
# uncertain, the best guess under L2 is the *mean* of the plausible answers and under L1 their median, and every
# pixel loss left most of the HR image's fine-scale contrast out. This lesson measures the error elsewhere.
# **Perceptual** (feature) losses ([Johnson, Alahi & Fei-Fei, ECCV 2016](../course/references.md#johnson-et-al-2016)) measure it in a network's features,
# where blur costs more, and **[adversarial](../course/references.md#goodfellow-et-al-2014)** training (SRGAN: [Ledig et al.](../course/references.md#ledig-et-al-2017), *Photo-Realistic Single Image
# Super-Resolution Using a Generative Adversarial Network*, CVPR 2017) pushes the output towards *one* plausible
# answer instead of their average: sharper, but further from the truth in PSNR. [Blau & Michaeli](../course/references.md#blau-and-michaeli-2018) (*The
# Perception-Distortion Tradeoff*, CVPR 2018) proved that no method can be best at both.
#
# **What you will learn**
# - what a perceptual loss and a discriminator add, and what a perceptual loss with *random* features (all
#   that is available offline) can and cannot do;
# - to fine-tune a pixel-loss model with them, as SRGAN fine-tuned SRResNet, against a fair pixel-loss reference;
# - to measure and plot the **perception–distortion trade-off** with a computable perception proxy, and to say
#   what that proxy does not measure;
# - what PSNR misses: shifts, brightness changes, texture in the wrong place — measured.
#
# **Time needed:** about 40 minutes to read (exercises not counted); the code runs in about 2 min
# with the `cpu` budget (measured on a 2-core CPU): about 42 minutes in all.

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
from scipy.ndimage import gaussian_filter

from srkit import data, losses, metrics, pretrained, viz
from srkit.resize import imresize, modcrop
from srkit.training import fit

SCALE = 3
train_pairs = data.make_pairs(data.bundled("train"), SCALE)
test_images = data.bundled("test")

# %% [markdown]
# As in lesson 09, every model is scored on the **test** split with the protocol (Y, `crop_border=3`), and
# `score` records its **gradient energy**: the mean squared difference between neighbouring pixels, as a ratio to
# the HR image's (printed as a percentage; below one means smoother than the original). It also records the
# RMSE in grey levels (the distortion that PSNR measures, on a linear scale) and a **perception proxy**,
# `metrics.gradient_wasserstein`: how far the distribution of the output's local gradients is from the HR
# image's (lower is closer; section 4 explains why it stands in for perceptual quality).


# %%
def gradient_energy(image):
    # mean squared forward difference of the scored Y image
    y = metrics.prepare(image, crop_border=SCALE, y_channel=True)
    return float(np.mean(np.diff(y, axis=0)[:, :-1] ** 2 + np.diff(y, axis=1)[:-1] ** 2))


HR = {name: modcrop(hr, SCALE) for name, hr in test_images.items()}
LR = {name: imresize(hr, 1 / SCALE) for name, hr in HR.items()}


def score(outputs):
    # each measure averaged over the test images
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

# %% [markdown]
# ## 1. Perceptual loss: distances between features
# Johnson et al. compare the output and the target not pixel by pixel but through the feature maps of a fixed
# network, [VGG](../course/references.md#simonyan-and-zisserman-2015) trained on ImageNet: $\ell = \lVert\phi(y) - \phi(\hat y)\rVert^2$. Features respond to edges and
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
# texture synthesis with random networks ([Ustyuzhaninov, Brendel, Gatys & Bethge, ICLR 2017](../course/references.md#ustyuzhaninov-et-al-2017); [He, Wang &
# Hopcroft, NeurIPS 2016](../course/references.md#he-et-al-2016b)). On Colab (or any machine online) the same line loads the ImageNet network, and
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
# **every perceptual and adversarial model below starts from a pixel-loss model**, the ESPCN ×3 that srkit
# ships (`pretrained.load("espcn-x3")`): the network of lesson 09, with ReLU instead of tanh and without the
# residual over bicubic, trained with L2 on the bundled training split for far longer than a lesson can (its
# record is printed below). Each model trains for `ft_steps` more steps at a lower learning rate. For a fair
# reference, the same start is also trained for the same extra steps with L1 alone ("L1, continued"): the
# adversarial model of section 2 uses L1 as its content loss, so the only difference left is the discriminator.

# %%
START = "ESPCN, shipped (L2)"
stages = pretrained.training_stages("espcn-x3")  # one training record per run, first run first
start = pretrained.load("espcn-x3")
start_weights = start.get_weights()
outputs[START] = {n: srkit.upscale(lr, model=start, scale=SCALE) for n, lr in LR.items()}
results[START] = score(outputs[START])
print(
    f"espcn-x3: {sum(s['steps'] for s in stages):,} steps with the losses {sorted({s['loss'] for s in stages})} | "
    f"test PSNR {results[START]['psnr']:.2f} dB (bicubic {results['bicubic']['psnr']:.2f} dB), "
    f"gradient energy {results[START]['energy']:.0%} of the HR image's (bicubic {results['bicubic']['energy']:.0%})"
)
assert results[START]["psnr"] > results["bicubic"]["psnr"] + 0.5, "the starting point is a good pixel-loss model"

# %%
ft_steps = budget.pick(quick=80, cpu=300, gpu=5000)
PERCEPTUAL = f"perceptual ({perceptual.kind} VGG22)"


def from_start():
    # every run starts from the same shipped weights, loaded again from the verified file
    keras.utils.set_random_seed(0)
    return pretrained.load("espcn-x3")


for label, loss in [("L1, continued", losses.l1), (PERCEPTUAL, perceptual)]:
    trained[label] = from_start()
    history = fit(trained[label], train_pairs, steps=ft_steps, loss=loss, learning_rate=1e-4, seed=1, jit_compile=False)
    seconds = history["seconds"]
    outputs[label] = {n: srkit.upscale(lr, model=trained[label], scale=SCALE) for n, lr in LR.items()}
    results[label] = score(outputs[label])
    print(
        f"{label:<26} +{ft_steps} steps in {seconds:4.0f} s | test PSNR {results[label]['psnr']:.2f} dB, "
        f"gradient energy {results[label]['energy']:.0%} of the HR image's"
    )

# %% [markdown]
# ## 2. Adversarial training (SRGAN)
# A **discriminator** $D$ learns to tell HR patches from generated ones; the generator $G$ is trained to fool it,
# on top of a content loss: $\ell_G = \ell_\text{content} + \lambda\,\text{BCE}(D(G(x)), \text{real})$. The
# discriminator's verdict is about the *distribution* of patches (does this look like an HR patch?), not about
# the one true patch: a learned stand-in for the perceptual quality of Blau & Michaeli (section 4). SRGAN's
# discriminator pools each patch into one verdict; srkit's gives one per 45 × 45-pixel region (a *PatchGAN*,
# [Isola et al., CVPR 2017](../course/references.md#isola-et-al-2017)), so the texture of every region counts on its own instead of being averaged away. `losses.SRGAN` is a `keras.Model`
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
generator = from_start()
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
# ## 3. Looking at the results
# `viz.compare` shows every output with the same zoomed region (PSNR/SSIM against HR under each title):

# %%
shown = "chelsea"
panels = {"HR": HR[shown], "bicubic": outputs["bicubic"][shown]}
panels.update({label: outputs[label][shown] for label in (START, "L1, continued", PERCEPTUAL, ADVERSARIAL)})
fig = viz.compare(panels, zoom=(40, 130, 60, 60), crop_border=SCALE, columns=3, panel_size=3.6)
plt.show()

# %% [markdown]
# Look at the fur in the insets: the pixel-loss outputs are smooth, the perceptual and adversarial ones have
# more fine-scale contrast — some of it right, some of it invented — and lower PSNR. Part of the adversarial
# output's invented detail is blocky, on a faint grid of 3 × 3 cells: the checkerboard artefact of a sub-pixel (or
# transposed-convolution) upsampler pushed by a discriminator ([Odena, Dumoulin & Olah, *Distill* 2016](../course/references.md#odena-et-al-2016)), a
# classic failure of brief GAN training. Numbers for everything so far, on the whole test split (a gradient
# energy above one would be noise or ringing, not detail):

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
losses_shown = ["bicubic", START, "L1, continued", PERCEPTUAL, ADVERSARIAL]
frames = {label: outputs[label][shown][crop] for label in losses_shown}
frames["HR"] = HR[shown][crop]
viz.flipbook(frames, names=("loss",), reference=HR[shown][crop], width=360)

# %% [markdown]
# **Question.** Which output looks sharpest to you, and which has the highest PSNR in the caption — are they the
# same one? Step between "L1, continued" and the adversarial output: which details did the discriminator add
# that HR (the last frame) really has, and which did it invent? Does the SSIM in the caption side with your eye
# or with PSNR?

# %% [markdown]
# ## 4. The perception–distortion trade-off
# Blau & Michaeli measure two things. **Distortion**: how far each output is from *its* HR image (RMSE,
# i.e. PSNR). **Perceptual quality**: how far the *distribution* of outputs is from the distribution of natural
# images, a divergence — a perfect-looking method produces images that cannot be told from real ones, whether
# or not each matches its own original. They proved that the best achievable perceptual quality gets worse as
# distortion is lowered: below some distortion, looking natural is impossible. The minimum-MSE estimator (the
# mean of lesson 09, section 1) sits at one end; methods tuned for looks (GANs) near the other.
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
# A cheap way to trace a curve between two points: **network interpolation** (ESRGAN, [Wang et al., ECCVW
# 2018](../course/references.md#wang-et-al-2018)): since the adversarial model was fine-tuned from the shipped pixel-loss model, their weights can be
# blended, $w = (1-\alpha)\,w_\text{pixel} + \alpha\,w_\text{GAN}$, and every α gives a model between the two
# (α = 0 is the shipped model itself, α = 1 the adversarial one).

# %%
alphas = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5]
interpolated = {0.0: results[START], 1.0: results[ADVERSARIAL]}  # the two ends: the models themselves
blend = from_start()
for a in [a for a in alphas if a not in interpolated]:
    blend.set_weights([(1 - a) * w0 + a * w1 for w0, w1 in zip(start_weights, trained[ADVERSARIAL].get_weights())])
    interpolated[a] = score({n: srkit.upscale(lr, model=blend, scale=SCALE) for n, lr in LR.items()})
curve = [interpolated[a] for a in alphas]
print("alpha  " + "".join(f"{a:>8}" for a in alphas))
print("PSNR   " + "".join(f"{r['psnr']:>8.2f}" for r in curve))
print("proxy  " + "".join(f"{r['proxy']:>8.2f}" for r in curve))

fig, ax = plt.subplots(figsize=(8.5, 5.6))
ax.plot([r["rmse"] for r in curve], [r["proxy"] for r in curve], "-", color="0.6", label="interpolated weights")
for a, r in zip(alphas, curve):
    ax.annotate(f"a={a}", (r["rmse"], r["proxy"]), xytext=(4, 4), textcoords="offset points", fontsize=8)
for label, r in results.items():
    ax.scatter(r["rmse"], r["proxy"], s=60, zorder=2, label=label)
ax.scatter(0, 0, marker="*", s=200, color="gold", edgecolor="k", label="HR (the ideal)")
ax.set(xlabel="distortion: RMSE on Y (grey levels; lower = higher PSNR)", xlim=(0, None), ylim=(0, None))
ax.set(ylabel="perception proxy: gradient_wasserstein (lower = more natural)")
ax.set_title("Perception-distortion plane, test split (Blau & Michaeli 2018)")
ax.legend(fontsize=8, loc="upper left")
plt.show()
rmse, proxy = np.array([r["rmse"] for r in curve]), np.array([r["proxy"] for r in curve])
assert np.all(np.diff(rmse) > 0) and np.all(np.diff(proxy) < 0), (
    "every step towards the adversarial model: more distortion, more natural statistics"
)

# %% [markdown]
# Read the plot as Blau & Michaeli's Figure 1: bottom left is ideal (HR), and no method gets there. Bicubic is
# bad on both axes. The pixel-loss models (the shipped one and "L1, continued") move left (less distortion) — and
# a little down, because they do restore some detail. The perceptual and adversarial models move **down** (gradient statistics closer to HR's) and
# **right** (more distortion): along the interpolated curve, every step towards the adversarial weights buys
# more natural statistics with PSNR. (α = 1.5 *extrapolates* beyond the adversarial model.)
#
# ## 5. What PSNR misses
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
# - The **darker** copy looks the same, yet PSNR is $20\log_{10}(255/10) = 28.1$ dB, like a mediocre SR
#   method. SSIM, which compares contrast and structure separately from brightness, barely moves.
# - The **blurred** copy has a *higher* PSNR than the copy with all its detail moved two pixels, which looks as
#   sharp as HR. Our proxy ranks them the other way round — and so would your eye on the grass.
#
# What PSNR misses, the proxy sees; what the proxy misses (positions), PSNR sees. That is why papers since
# SRGAN report both a distortion measure and a perceptual one (and run user studies), and why the PIRM 2018
# challenge ([Blau et al.](../course/references.md#blau-et-al-2018)) ranked methods in three regions of the perception–distortion plane instead of one list.
#
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** The losses of a game the discriminator has won. `losses.SRGAN.train_step` (section 2) scores
# every logit with a binary cross-entropy. Suppose the discriminator gives logit +3 to every region of a real
# patch and −3 to every region of a generated one. Predict its loss `d_winning` and the generator's adversarial
# loss `g_losing` (two numbers); the check computes both with that cross-entropy.

# %% tags=["stub"]
d_winning = None  # the discriminator's loss
g_losing = None  # the generator's adversarial loss

# %% tags=["solution"]
d_winning = 2 * np.log1p(np.exp(-3))  # -log(sigmoid(3)) for the real patches + -log(1 - sigmoid(-3)) for the rest
g_losing = np.log1p(np.exp(3))  # -log(sigmoid(-3)): the label "real" on a logit of -3
d_winning, g_losing

# %% tags=["check"]
assert all(isinstance(a, (int, float)) for a in (d_winning, g_losing)), "give d_winning and g_losing as numbers"
bce = keras.losses.BinaryCrossentropy(from_logits=True)
real = np.full((2, 6, 6, 1), 3.0, "float32")  # the logits of real regions; generated regions get -real
ones, zeros = np.ones_like(real), np.zeros_like(real)
assert abs(d_winning - float(bce(ones, real) + bce(zeros, -real))) < 1e-4, (
    "d_winning: the discriminator's loss adds two terms, one per kind of patch, each a confident, right verdict"
)
assert abs(g_losing - float(bce(ones, -real))) < 1e-4, "g_losing: the label 'real' against a confident 'generated'"
print(f"Correct: {d_winning:.3f} and {g_losing:.3f}; at chance both would be ln 2 per verdict.")

# %% [markdown]
# **Exercise 2.** A loss that ignores where the texture is. The perceptual loss compares features position by
# position, so detail in the wrong place is punished like missing detail. The *texture loss* of EnhanceNet
# ([Sajjadi, Schölkopf & Hirsch, ICCV 2017](../course/references.md#sajjadi-et-al-2017)) compares feature statistics only: for every pair of channels, how
# strongly the two respond together, averaged over all positions — the C × C **Gram matrix** of [Gatys et al.](../course/references.md#gatys-et-al-2015)'s
# texture synthesis. Write `gram(f)` for a NumPy feature map `f` of shape (H, W, C). The check tests it on
# random feature maps, then compares both losses on three images of section 5.


# %% tags=["stub"]
def gram(f):
    raise NotImplementedError("Exercise 2: a C x C array for an H x W x C feature map")


# %% tags=["solution"]
def gram(f):
    f = np.asarray(f).reshape(-1, f.shape[-1])  # positions x channels
    return f.T @ f / len(f)


gram(np.ones((2, 3, 4))).shape

# %% tags=["check"]
rng = np.random.default_rng(0)
for shape in [(4, 6, 3), (9, 5, 8), (16, 16, 32)]:
    f = rng.normal(1.0, 2.0, shape)
    g = np.asarray(gram(f))
    assert g.shape == (shape[-1],) * 2, f"{shape}: gram has shape {g.shape}, expected (C, C)"
    assert np.allclose(np.asarray(gram(np.tile(f, (2, 3, 1)))), g), f"{shape}: gram grows with the image's size"
    flat = f.reshape(-1, shape[-1])
    assert np.allclose(g, np.cov(flat, rowvar=False, bias=True) + np.outer(flat.mean(0), flat.mean(0))), (
        f"{shape}: not how strongly each pair of channels responds together, averaged over the positions"
    )
feats = {
    k: np.asarray(perceptual.features(variants[k][None, ..., None].astype("float32")))[0]
    for k in ("HR", "blurred (sigma 1)", "detail moved 2 px")
}
print("Correct. Distance to HR:        perceptual (features)   texture (Gram)")
for k in ("blurred (sigma 1)", "detail moved 2 px"):
    texture = np.mean((gram(feats[k]) - gram(feats["HR"])) ** 2)
    print(f"{k:<31}{np.mean((feats[k] - feats['HR']) ** 2):>22.4f}{texture:>17.4f}")

# %% [markdown]
# **Exercise 3.** Game the proxy. Write `post(sr)`: a fixed post-processing of one output image (uint8 in,
# uint8 of the same shape out; no training, no HR image) that at least halves the mean proxy of the
# "L1, continued" outputs on the test split. The check scores your processed outputs with `score` and prints
# them beside the adversarial model's: which method would you rather be shown, and which would a table of
# proxies rank first?


# %% tags=["stub"]
def post(sr):
    raise NotImplementedError("Exercise 3: return a processed uint8 image of the same shape")


# %% tags=["solution"]
def post(sr, amount=3.0):
    image = sr.astype(float)
    soft = gaussian_filter(image, (1.0, 1.0, 0)[: image.ndim])  # unsharp masking: add back amplified detail
    return np.clip(np.round(image + amount * (image - soft)), 0, 255).astype(np.uint8)


post

# %% tags=["check"]
before = outputs["L1, continued"]
processed = {n: post(sr.copy()) for n, sr in before.items()}
assert all(
    isinstance(im, np.ndarray) and im.dtype == np.uint8 and im.shape == before[n].shape for n, im in processed.items()
), "post must return a uint8 image of the shape it was given"
after, ref_l1, adv = score(processed), results["L1, continued"], results[ADVERSARIAL]
assert after["proxy"] < ref_l1["proxy"] / 2, f"the proxy went from {ref_l1['proxy']:.2f} to {after['proxy']:.2f}"
print(f"{'':<28}{'PSNR':>7}{'proxy':>8}")
for label, r in [("L1, continued", ref_l1), ("L1, continued + post", after), (ADVERSARIAL, adv)]:
    print(f"{label:<28}{r['psnr']:>7.2f}{r['proxy']:>8.2f}")

# %% [markdown]
# ## Summary
# - **Perceptual loss** compares feature maps. Offline, srkit's uses VGG19 with fixed random weights (it says
#   so): a texture-and-edge loss, not ImageNet's; online, the same call loads ImageNet VGG19.
# - **Adversarial training** (SRGAN) adds a discriminator's verdict on whether a patch looks real. Fine-tuned from
#   the shipped pixel-loss ESPCN, as SRGAN was from SRResNet, it and the perceptual loss raised the output's
#   high-frequency energy and lowered PSNR against the same start trained on with L1 alone (measured).
# - **Perception–distortion:** plotted with RMSE and a gradient-statistics proxy, the methods lie along a
#   trade-off — bicubic, the pixel-loss models, the perceptual and adversarial models, and a curve of interpolated
#   weights between the shipped model and the adversarial one; HR's corner is out of reach (Blau & Michaeli 2018).
# - **What PSNR misses:** a one-pixel shift scores below bicubic, a brightness change of 10 grey levels scores
#   20·log10(255/10) ≈ 28 dB, and a blurred image beats one with correct-looking but displaced detail. Report a
#   distortion *and* a perception measure, and look at the images.
#
# ## Questions you should now be able to answer
# 1. What does a perceptual loss compare, and what changes when its network has random instead of ImageNet weights?
# 2. Why do SRGAN and this lesson start the perceptual and adversarial training from a pixel-loss model, and what
#    is the fair model to compare them with?
# 3. What does the discriminator of SRGAN judge, and why does that lower PSNR?
# 4. Why can no method reach the bottom-left corner of the perception–distortion plane?
# 5. Name two image changes that PSNR punishes but you cannot see, and one that you see but PSNR rewards.

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. The feature maps of a fixed network at one layer, $\lVert\phi(y) - \phi(\hat y)\rVert^2$, instead of the
#    pixels: blur weakens the responses to edges and texture, so it costs more there than in a pixel loss. With
#    random weights the layers are random 3×3 filters with ReLUs: they still respond to local contrast and
#    edge orientation within their receptive field, so the loss still punishes blur and matches texture
#    statistics, but they know nothing about natural images, and results about ImageNet-VGG losses do not carry over.
# 2. A perceptual or adversarial loss alone learns slowly and leaves colour and brightness loose; a pixel-loss
#    model already gets the content right, and the new loss then only changes the fine texture (SRGAN started
#    from SRResNet, this lesson from the shipped ESPCN). The fair reference is the same start trained for the
#    same extra steps on the same patches with the pixel loss alone ("L1, continued"), so that the only
#    difference left is the loss, not the extra training.
# 3. Whether each region of a patch looks like a region of a real HR image: a verdict on the distribution of
#    patches, not a comparison with the one true patch. Where the LR image leaves the detail uncertain, it
#    pushes the output to one sharp, plausible answer instead of the mean of them; the mean is what minimises
#    the squared error, so any sharp guess that is not exactly right adds error, and PSNR falls.
# 4. Reaching it would need zero distortion and the statistics of natural images at once. When the LR image
#    leaves the HR image uncertain, the output with the least distortion is the mean of the plausible answers,
#    which is blurred and looks like no natural image; to look natural an output must commit to one answer,
#    which on average is further from the truth. Blau & Michaeli proved the trade-off for every method.
# 5. A shift by one pixel (invisible, yet scored below bicubic in section 5) and a uniform brightness change,
#    which gives every pixel the same error (10 grey levels: 20·log10(255/10) ≈ 28 dB). Seen but rewarded: blur, which scored a higher PSNR than the
#    copy whose sharp detail was moved by 2 pixels, although that copy looks as sharp as HR.
