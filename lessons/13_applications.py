# %% [markdown]
# # 13 · Applications: your own images, whole folders, scientific images
#
# The earlier lessons trained SR models under the published protocol (clean LR images made by MATLAB-bicubic
# downscaling), and lessons 11 and 12 measured them that way. This lesson takes the shipped models out into the
# world: it applies them to *your* images, enlarges whole folders with the `srkit` command, and looks at
# microscopy, medical and astronomy images with the caveats they need. Lesson 14 then meets a realistic
# degradation (blur, noise and JPEG) and fine-tunes a model for it; lesson 15 deploys the models.
#
# **What you will learn**
# - to apply a model to your own image (upload widget, a folder, or the command line `srkit upscale`), and to
#   judge the result without ground truth;
# - what the `srkit` command guarantees when it enlarges a folder, and what it does with a file it cannot read;
# - what SR can and cannot do for microscopy, medical and astronomical images (it is not a new measurement).
#
# **Time needed:** about 35 minutes to read (exercises not counted); the code runs in about 1 min
# with the `cpu` budget (measured on a 2-core CPU): about 36 minutes in all.

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
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from IPython.display import display
from PIL import Image

from srkit import cli, data, download, pretrained, viz
from srkit.color import to_y
from srkit.metrics import psnr
from srkit.resize import imresize

tf.get_logger().setLevel("ERROR")  # no INFO lines from TensorFlow in the outputs below
SCALE = 3
WORK = Path(tempfile.mkdtemp(prefix="srkit-lesson13-"))  # everything this lesson writes goes here
# subprocesses (the srkit command) must import the same srkit as this notebook
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(
        filter(None, [str(Path(srkit.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")])
    ),
}
test_images = data.bundled("test")
edsr3 = pretrained.load("edsr-small-x3")
print(f"this lesson writes only into {WORK}")

# %% [markdown]
# ## 1. Your own image
# Three ways in, tried in this order: an image you **upload** with the widget below (JupyterLab and Colab: click
# *Upload*, choose a file, then run the next cell); else the first image in the folder `data/my_images/` (the
# path is printed below; put PNG, JPEG, BMP or TIFF files there); else — as when this lesson runs unattended
# in CI — a bundled **test** image. Uploaded bytes are written to a file and read with `srkit.data.load_image`,
# so they pass the same checks as any file (lesson 17): format, pixel limit, corruption.

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
# should compare with bicubic (not with the blocky "nearest" enlargement, which flatters any method; exercise 1
# shows that even a sharpness score prefers its blocks). The slider compares the two at full size: the model's
# result left of the divider, bicubic's on the right.

# %%
viz.swipe(
    mine_results["bicubic"],
    mine_results["edsr-small-x3"],
    labels=("bicubic", "edsr-small-x3"),
    width=min(600, side * SCALE),
)

# %% [markdown]
# **Question.** Drag the divider slowly across an edge, a texture and a flat region of your image. Where does
# the model make an edge crisper than bicubic does, and where does it add something you cannot tell is really
# there: a halo beside an edge, speckles on a flat patch, a pattern in fine texture? If the model's result looks
# noisy or blotchy and your image is a JPEG from a phone or the web, lesson 14 explains why.

# %% [markdown]
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
# The gray image stayed gray (mode `L`) and each output is named after its input. Exercise 2 asks what the
# command does when one file of a folder is not an image at all.
#
# ## 3. Microscopy, medical and astronomical images
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
#   likely, learned from other images — here from the 15 training images (photographs, micrographs, textures,
#   text). The error map shows where the guess is wrong (exercise 3 counts how often a change went the wrong
#   way); on a patient's image you would not have that map.
# - **Hallucinated detail is dangerous in medicine.** A model that sharpens noise can create a small bright spot
#   that looks like a lesion, or smooth one away; a GAN-trained model (lesson 10) invents texture on purpose.
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
# - **Train on the right degradation and the right domain**: the blur, noise and compression of a microscope
#   or a telescope are not those of bicubic downscaling. Lesson 14 measures what such a mismatch costs, and
#   how much fine-tuning on the right degradation wins back.

# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** Could a number replace your eyes on an image without ground truth? A common guess is
# "sharper is better". Write `gradient_energy(image)`: the mean squared difference between horizontally
# neighbouring pixels of the luma (`to_y(image)` as float) plus the mean squared difference between vertically
# neighbouring ones, halved. The check compares your function with this definition on a small image, then
# measures the three panels of section 1 (`mine_results`) with it.


# %% tags=["stub"]
def gradient_energy(image):
    raise NotImplementedError("Exercise 1: return one number, 0 for a flat image")


# %% tags=["solution"]
def gradient_energy(image):
    y = to_y(image).astype(float)  # float first: differences of uint8 pixels wrap around
    return (np.mean(np.diff(y, axis=1) ** 2) + np.mean(np.diff(y, axis=0) ** 2)) / 2


gradient_energy


# %% tags=["check"]
def reference_energy(image):  # the definition through TensorFlow's image_gradients (you need not use it)
    dy, dx = tf.image.image_gradients(tf.constant(to_y(image), tf.float32)[None, ..., None])
    return (np.mean(dx.numpy()[0, :, :-1] ** 2) + np.mean(dy.numpy()[0, :-1] ** 2)) / 2  # their last row/column: 0


probes = {
    "3 x 4 gray ramp falling along both axes": (np.arange(12, dtype=np.uint8).reshape(3, 4) * np.uint8(20))[::-1, ::-1],
    "5 x 9 image of random gray levels": np.random.default_rng(13).integers(0, 256, (5, 9), dtype=np.uint8),
    "crop of an RGB test image": test_images["chelsea"][100:140, 200:260],
}
for what, image in probes.items():
    got = gradient_energy(image)
    assert np.isclose(got, reference_energy(image), rtol=1e-4), (
        f"on a {what}, your gradient_energy differs from the definition (is it "
        f"{'too large' if got > reference_energy(image) else 'too small'}? both axes, the luma as float: "
        "differences of uint8 pixels wrap around)"
    )
energies = {k: gradient_energy(im) for k, im in mine_results.items()}
print("Correct: " + ", ".join(f"{k} {e:.0f}" for k, e in energies.items()))
print(
    f"The highest score goes to: {max(energies, key=energies.get)}. Sharpness is not fidelity: block edges, "
    "halos and noise all raise it. Compare with bicubic by eye, or score the models on a smaller copy of your "
    "image (lesson 14)."
)

# %% [markdown]
# **Exercise 2.** What does the `srkit` command do with a file it cannot read, and how does a script that
# calls it find out? The folder `bad_folder` (made below) holds `good.png` (your crop) and `broken.png` (a line
# of text, named like an image). Write `enlarge_folder(folder_in, folder_out)`: it enlarges every image of
# `folder_in` into `folder_out` with the shipped `espcn` at ×3, quietly, by calling `cli.main(args)` (the
# function behind `srkit` and `python -m srkit.cli`; `args` are the words after `srkit`, as in section 2), and
# returns the set of names of the input files that got no output file (an empty set if all were enlarged). Use
# what the command returns (`print(cli.__doc__)` lists its exit codes) and the files it writes (named as in
# section 2), not its messages. The check runs it on `bad_folder` and on section 2's `folder_in`, each into a
# fresh folder.

# %%
bad_folder = WORK / "bad_folder"
bad_folder.mkdir(exist_ok=True)
Image.fromarray(crop).save(bad_folder / "good.png")
(bad_folder / "broken.png").write_text("this is not a PNG image\n")
sorted(p.name for p in bad_folder.iterdir())


# %% tags=["stub"]
def enlarge_folder(folder_in, folder_out):
    raise NotImplementedError("Exercise 2: return a set of file names, empty if every input was enlarged")


# %% tags=["solution"]
def enlarge_folder(folder_in, folder_out):
    folder_in, folder_out = Path(folder_in), Path(folder_out)
    args = ["upscale", str(folder_in), "-o", str(folder_out), "--model", "espcn", "--scale", "3", "--quiet"]
    if cli.main(args) == 0:  # exit code 0: every input was enlarged
        return set()
    # 1: some inputs failed; the others are still enlarged, and a failed one leaves no file, not even a partial one
    return {
        p.name
        for p in folder_in.iterdir()
        if p.suffix.lower() in data.IMAGE_SUFFIXES and not (folder_out / f"{p.stem}_x3{p.suffix.lower()}").exists()
    }


enlarge_folder

# %% tags=["check"]
said = {}
for folder, expected in [(bad_folder, {"broken.png"}), (folder_in, set())]:
    out = WORK / f"{folder.name}_checked"
    shutil.rmtree(out, ignore_errors=True)  # a fresh output folder each time the check runs
    messages = io.StringIO()
    with contextlib.redirect_stderr(messages):  # the command names the files it could not read on stderr
        missing = enlarge_folder(folder, out)
    said[folder.name] = messages.getvalue().strip()
    assert isinstance(missing, (set, frozenset)), "enlarge_folder must return a set of file names"
    if folder == bad_folder:
        good = out / "good_x3.png"
        assert good.exists(), "no good_x3.png was written: enlarge with the shipped espcn at x3 into folder_out"
        with Image.open(good) as im:
            assert im.size == (crop.shape[1] * 3, crop.shape[0] * 3), "use --model espcn --scale 3"
    assert missing == expected, (
        f"on {folder.name} your function reports {sorted(missing)} as not enlarged: compare the input names "
        "with the output files the command wrote (NAME_x3.EXT)"
    )
print("Correct: the command enlarges what it can, writes nothing for a file it cannot read, and says so:")
print(said["bad_folder"])


# %% [markdown]
# **Exercise 3.** The third panel of the MRI figure shows what the model changed, the fourth where it is wrong.
# Combine them: of the pixels where `edsr-small-x3` changed bicubic's value by more than `threshold` grey levels,
# which fraction did it move *further from* the truth (`|SR - HR| > |bicubic - HR|`)? Write
# `moved_away(hr, bicubic, sr, threshold=5)` that returns this fraction as a float from 0 to 1 (and 0.0 when
# no pixel changed that much). The check compares it with the definition on a small example, then applies it
# to the MRI slice.


# %% tags=["stub"]
def moved_away(hr, bicubic, sr, threshold=5):
    raise NotImplementedError("Exercise 3: return a float from 0 to 1")


# %% tags=["solution"]
def moved_away(hr, bicubic, sr, threshold=5):
    hr, bicubic, sr = (np.asarray(a, dtype=float) for a in (hr, bicubic, sr))
    changed = np.abs(sr - bicubic) > threshold
    if not changed.any():
        return 0.0
    return float(np.mean(np.abs(sr - hr)[changed] > np.abs(bicubic - hr)[changed]))


moved_away

# %% tags=["check"]
truth = np.array([[100, 100, 100, 100, 100]], dtype=np.uint8)
smooth = np.array([[90, 110, 100, 100, 90]], dtype=np.uint8)
guess = np.array([[100, 130, 103, 150, 70]], dtype=np.uint8)  # changed: 1st closer; 2nd, 4th, 5th further; 3rd by 3
for threshold, fraction in [(5, 3 / 4), (25, 1.0), (60, 0.0)]:
    got = moved_away(truth, smooth, guess, threshold)
    assert isinstance(got, float), f"moved_away returned {type(got).__name__}, not a float"
    assert np.isclose(got, fraction), (
        f"with threshold={threshold}, your moved_away differs on a 5-pixel example: count only the pixels the "
        "model changed by more than the threshold, and among them those now further from the truth (in uint8, "
        "100 - 130 is not -30)"
    )
share = moved_away(hr_m, bic_m, sr_m)
assert 0 < share < 0.5, "the model helps on the MRI slice, so fewer than half of its changes can go the wrong way"
print(
    f"Correct: of the pixels that edsr-small-x3 changed by more than 5 grey levels, {share:.0%} moved away from "
    "the truth. On a patient's image, nothing tells you which ones."
)

# %% [markdown]
# Finally, delete this lesson's scratch folder (skip this cell to keep the images):

# %%
shutil.rmtree(WORK, ignore_errors=True)
print(f"removed {WORK}")

# %% [markdown]
# ## Summary
# - **Your images:** upload, a folder, or `srkit upscale IN... -o OUT` for whole folders; without ground truth,
#   compare with bicubic by eye — not with a blocky enlargement, and not by a sharpness score, which prefers
#   blocks (exercise 1). Lesson 14 scores models on a downscaled copy of your image.
# - **The `srkit` command** keeps each file's format, never overwrites an input, writes each output completely
#   or not at all, and names every file it could not read in its message and exit code (exercise 2).
# - **Domains:** SR helps on held-out medical images too (an MRI slice, a retina crop), but it adds guesses,
#   not measurements — some of its changes move away from the truth (exercise 3): no diagnosis, counting or
#   photometry on its output without validation on that modality.
#
# ## Questions you should now be able to answer
# 1. Why is the nearest-neighbour enlargement the wrong thing to compare a model's result with, and why can a
#    sharpness score not replace a reference?
# 2. A folder of 1,000 photos holds one corrupt file: what does `srkit upscale` write, and how does a script
#    that calls it find out?
# 3. Name two things an SR model must never be used for in medical or astronomical imaging without validation.

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. The nearest-neighbour enlargement only repeats each LR pixel as a block: it is the crudest possible
#    result, so beating it shows nothing; bicubic is the honest baseline a model must beat. A sharpness score
#    measures contrast between neighbours, not agreement with the truth: the blocks' edges are jumps of a whole
#    LR step, so nearest typically scores highest of the three panels (Exercise 1 prints them), and halos, sharpened
#    noise and invented texture raise it too. Only a reference, or a downscaled copy of the image (lesson 14),
#    tells right from wrong.
# 2. It enlarges the 999 readable photos, writes nothing for the corrupt one (each output goes to a temporary
#    file that is renamed only when complete, so no partial file either), names that file in an
#    `error: <file>: ...` line on stderr and exits with code 1 ("some inputs failed"; 0 means all done, 2 wrong
#    usage). A script checks the exit code, and on 1 compares the inputs with the `NAME_x3.EXT` outputs, or
#    reads the error lines (Exercise 2).
# 3. For example: a diagnosis from detail the model added (it can create a lesion-like spot or smooth a real
#    one away; some of its changes move away from the truth, Exercise 3); counting cells or measuring areas and
#    intensities on its output; photometry or source detection in astronomy (it does not conserve flux and can
#    invent, split or merge faint sources). Never use it in place of a higher-resolution acquisition.
