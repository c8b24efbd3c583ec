# %% [markdown]
# # 17 · Model and data security
#
# Lessons 13 to 16 loaded shipped weights, read your images, ran the `srkit` command and exported models. Each of
# those reads something from the outside world, and a model file or a data set deserves the same suspicion as a
# web request. srkit's rules: every
# file is verified against a known SHA-256 before use (which catches corruption and truncated downloads; against
# deliberate tampering the list of hashes itself must come from a trusted place, such as the installed
# package, not from beside the file); model files are loaded with `safe_mode=True`; images
# are checked before they are decoded; and no pickle anywhere. This lesson makes each rule concrete.
#
# **What you will learn**
# - SHA-256 verification of weights and downloads, and why a tampered model file that still loads and still
#   looks right is caught by its hash and not by your eye;
# - what `safe_mode=True` refuses, what a `Lambda` layer could do when a model is loaded, and how to check an
#   architecture without loading it;
# - decompression bombs and input limits, and why there is no pickle.
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
import hashlib
import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from srkit import data, download, pretrained, viz
from srkit.metrics import psnr
from srkit.resize import modcrop

SCALE = 3
WORK = Path(tempfile.mkdtemp(prefix="srkit-lesson17-"))  # everything this lesson writes goes here
# subprocesses (the srkit command, an unsafe load) must import the same srkit as this notebook
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(
        filter(None, [str(Path(srkit.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")])
    ),
}
test_images = data.bundled("test")
espcn3 = pretrained.load("espcn-x3")
print(f"this lesson writes only into {WORK}")

# %% [markdown]
# ## 1. Weights and downloads verified by SHA-256
# A **SHA-256** is a cryptographic hash: a 256-bit fingerprint (64 hexadecimal digits) computed from every byte of
# a file. Change one bit anywhere and about half of the fingerprint's bits change, and nobody knows how to make a
# different file with a given fingerprint. `pretrained.load` checks the file's SHA-256 against the *manifest*
# (`manifest.json`, installed with srkit's weights: each model's expected hash) before loading it. On a *copy*
# of a shipped weight file (the real files are never touched) we flip a single bit:

# %%
copies = WORK / "weights-copy"
copies.mkdir()
for f in ("espcn-x3.keras", "manifest.json"):
    shutil.copy(pretrained.WEIGHTS / f, copies / f)
print(f"copy loads: {pretrained.load('espcn-x3', folder=copies).name}")
raw = bytearray((copies / "espcn-x3.keras").read_bytes())
raw[len(raw) // 2] ^= 0x01  # one bit, somewhere in the weights
(copies / "espcn-x3.keras").write_bytes(bytes(raw))
try:
    pretrained.load("espcn-x3", folder=copies)
    raise AssertionError("a corrupted weight file was loaded")
except pretrained.PretrainedError as error:
    print(f"refused: {str(error)[:160]}...")

# %% [markdown]
# A fingerprint protects only as well as the list it is checked against. An attacker who can change the weight
# file in a folder can often change the `manifest.json` beside it too, and then the check passes. So a manifest
# must come from a place you trust more than the file's folder: `pretrained.load` and `pretrained.path` use the
# manifest installed with srkit unless you pass `folder=`.

# %%
forged = WORK / "forged"
forged.mkdir()
shutil.copy(copies / "espcn-x3.keras", forged / "espcn-x3.keras")  # the file with the flipped bit
entries = pretrained.manifest(copies)
entries["espcn-x3"]["sha256"] = download.sha256_file(forged / "espcn-x3.keras")  # the attacker's own fingerprint
(forged / "manifest.json").write_text(json.dumps(entries, indent=2))
print(f"checked against the manifest beside it: {pretrained.path('espcn-x3', folder=forged).name} passes")
trusted = pretrained.info("espcn-x3")["sha256"]  # from the manifest installed with srkit
assert download.sha256_file(forged / "espcn-x3.keras") != trusted, "the altered file matches srkit's manifest"
print("checked against srkit's installed manifest: no match, so it is not the published file")

# %% [markdown]
# Downloads work the same way (`srkit.download.fetch`): bytes go to a `.part` file, are hashed, and only a file
# with the expected SHA-256 is renamed to its destination. Nothing can be downloaded in this lesson, but the
# same code reads `file://` addresses, so we "download" the shipped file and the corrupted copy:

# %%
expected = pretrained.info("espcn-x3")["sha256"]
good = download.fetch(
    pretrained.path("espcn-x3").as_uri(),
    sha256=expected,
    dest=WORK / "fetched" / "good.keras",
    progress=False,
    retries=0,
)
print(f"verified and kept: {good.name} (SHA-256 {download.sha256_file(good)[:16]}...)")
try:
    download.fetch(
        (copies / "espcn-x3.keras").as_uri(),
        sha256=expected,
        dest=WORK / "fetched" / "bad.keras",
        progress=False,
        retries=0,
    )
    raise AssertionError("a corrupted download was accepted")
except download.ChecksumError as error:
    print(f"refused: ...{str(error)[-150:]}")
assert sorted(p.name for p in (WORK / "fetched").iterdir()) == ["good.keras"], "nothing of the bad file is left"

# %% [markdown]
# A flipped bit is an accident. Someone who tampers on purpose changes the weights and saves a valid file,
# one that Keras loads without complaint. Here every weight of a copy of `espcn-x3` is changed by a small random
# factor (seeded), and the result is saved over the corrupted copy:

# %%
rng = np.random.default_rng(0)
altered = keras.models.clone_model(espcn3)
altered.set_weights([w * (1 + 0.02 * rng.standard_normal(w.shape)).astype(w.dtype) for w in espcn3.get_weights()])
altered.save(copies / "espcn-x3.keras")
reloaded = keras.models.load_model(copies / "espcn-x3.keras", safe_mode=True)  # a valid model file
hr_roofs = modcrop(test_images["china"], SCALE)
lr_roofs = data.degrade(hr_roofs, SCALE)
file_a = srkit.upscale(lr_roofs, model=reloaded, scale=SCALE)  # the altered file
file_b = srkit.upscale(lr_roofs, model=espcn3, scale=SCALE)  # the published file
change = np.abs(file_a.astype(int) - file_b)
print(
    f"file A vs file B: {change.mean():.1f} grey levels apart on average (at most {change.max()}); PSNR against "
    f"the HR image: A {psnr(hr_roofs, file_a, crop_border=SCALE, y_channel=True):.2f} dB, "
    f"B {psnr(hr_roofs, file_b, crop_border=SCALE, y_channel=True):.2f} dB"
)
print(f"SHA-256 of file A: {download.sha256_file(copies / 'espcn-x3.keras')}")
print(f"SHA-256 of file B: {download.sha256_file(pretrained.path('espcn-x3'))}")
print(f"the manifest says: {expected}")
espcn3.save(WORK / "resaved.keras")  # the published weights, unchanged, saved again
print(f"SHA-256 of the published weights saved again: {download.sha256_file(WORK / 'resaved.keras')}")
assert download.sha256_file(WORK / "resaved.keras") != expected, "a .keras file also stores when it was saved"
assert download.sha256_file(copies / "espcn-x3.keras") != expected and change.max() > 0
try:
    pretrained.load("espcn-x3", folder=copies)
    raise AssertionError("the altered weight file was loaded")
except pretrained.PretrainedError:
    print("pretrained.load refuses file A")

# %%
roi = (slice(186, 426), slice(40, 340))  # a 240 x 300 region of china: tiled roofs, trees, water
viz.swipe(file_b[roi], file_a[roi], labels=("file B", "file A"), width=600)

# %% [markdown]
# **Question.** Drag the divider slowly across the roofs and the trees. Could you tell from the pictures alone
# which file is the published one, or that one of them was altered at all? Now compare the hashes printed
# above: which file does the manifest vouch for? (A SHA-256 says "not the published file"; it does not say what
# changed — even saving the same weights again gives another hash, because the file also stores metadata.)

# %% [markdown]
# ## 2. Safe loading: what a `Lambda` layer could do
# A `.keras` file is a zip of JSON (the architecture), HDF5 (a binary format for arrays: the weights) and
# metadata — data, not code. With exceptions: a `keras.layers.Lambda` layer wrapping a Python function stores
# that function's **bytecode** (the compiled instructions Python's interpreter runs), which runs when the model
# is loaded (and a few wrapper layers, such as `TorchModuleWrapper`, load pickled or saved programs; pickle is
# section 4). Here is a harmless one that writes a marker file into the current folder:

# %%
here = os.getcwd()
os.chdir(WORK)  # building the model calls the function once: let its marker land in WORK
try:
    x_in = keras.Input((None, None, 1))
    sneaky = keras.layers.Lambda(lambda t: (open("lambda_was_here.txt", "w").write("code from a model file ran"), t)[1])
    innocent = keras.Model(x_in, sneaky(x_in))
finally:
    os.chdir(here)
innocent_path = WORK / "innocent-looking.keras"
innocent.save(innocent_path)
stored = json.loads(zipfile.ZipFile(innocent_path).read("config.json"))
print("the file holds:", zipfile.ZipFile(innocent_path).namelist())
print("the Lambda's code as stored:", stored["config"]["layers"][1]["config"]["function"]["config"]["code"][:60], "...")
try:
    keras.models.load_model(innocent_path, safe_mode=True)
    raise AssertionError("safe_mode=True loaded a Lambda")
except ValueError as error:
    print(f"safe_mode=True refuses: {str(error)[:110]}...")

# %% [markdown]
# The stored code is opaque bytecode: nobody reviews that. `safe_mode=True` (Keras's default, and what
# srkit always passes) refuses it. It is only as good as your Keras: crafted `config.json` files bypassed it
# before Keras 3.9 and 3.11 (CVE-2025-1550, CVE-2025-8747, CVE-2025-9906: the public identifiers of those
# vulnerabilities), which is why srkit requires
# Keras ≥ 3.11 — and why an architecture from a stranger is still worth reading before you load it (exercise 2). To see what `safe_mode=False` would do, we load the file in a **separate
# process** running in an empty folder named `sandbox` (so this notebook never enables unsafe loading; the
# folder only collects what the code writes — it is not a security sandbox, the code could reach all your files):

# %%
sandbox = WORK / "sandbox"
sandbox.mkdir()
unsafe = (
    "import keras, os; keras.models.load_model(os.environ['MODEL'], safe_mode=False); print(sorted(os.listdir('.')))"
)
done = subprocess.run(
    [sys.executable, "-c", unsafe],
    cwd=sandbox,
    env={**ENV, "MODEL": str(innocent_path)},
    capture_output=True,
    text=True,
    timeout=300,
)
print(f"files in the sandbox after loading with safe_mode=False: {done.stdout.strip()}")
print(f"the marker says: {(sandbox / 'lambda_was_here.txt').read_text()!r}")
assert done.returncode == 0 and (sandbox / "lambda_was_here.txt").exists(), "just loading the file ran its code"


# %% [markdown]
# Just **loading** the file ran its code — it could as well have read your SSH keys or installed something.
# That is why srkit's models contain no `Lambda` layer (lesson 07's VDSR-style residual adds its bicubic
# enlargement with srkit's `Upsample` layer): every layer is a standard Keras layer or one of srkit's registered layers, whose code is in srkit, not
# in the file. We check every shipped file's architecture, without loading it:


# %%
def layer_classes(path):
    # every class_name in the architecture (config.json) of a .keras file, read as JSON; nothing is loaded
    found, todo = set(), [json.loads(zipfile.ZipFile(path).read("config.json"))]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            found.add(item.get("class_name"))
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return found - {None}


shipped_classes = set().union(*(layer_classes(pretrained.path(n)) for n in pretrained.names()))
print(f"{len(pretrained.names())} shipped models use: {sorted(shipped_classes)}")
assert "Lambda" not in shipped_classes and "Lambda" in layer_classes(innocent_path)

# %% [markdown]
# ## 3. Input limits: decompression bombs and absurd sizes
# An image file's header states its size, and a decoder allocates that much memory before reading the pixels.
# A **decompression bomb** is a tiny file claiming an enormous image. We make one — a valid 1×1 PNG whose header
# claims 100,000 × 100,000 pixels (30 GB once decoded as RGB) — and give it to `load_image` and to the
# `srkit upscale` command (lesson 13), in a folder beside a good image:

# %%
import struct
import zlib


def png_claiming(path, width, height):
    # a valid 1 x 1 PNG whose header claims width x height pixels (the header's CRC recomputed)
    Image.fromarray(np.zeros((1, 1), np.uint8)).save(path)
    raw = bytearray(path.read_bytes())
    ihdr = raw.index(b"IHDR")
    raw[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    raw[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(raw[ihdr : ihdr + 17])))
    path.write_bytes(bytes(raw))
    return path


suspicious = WORK / "suspicious"
suspicious.mkdir()
bomb = png_claiming(suspicious / "bomb.png", 100_000, 100_000)
Image.fromarray(test_images["coins"][:60, :60]).save(suspicious / "fine.png")
print(f"bomb.png: {bomb.stat().st_size} bytes claiming {100_000 * 100_000 * 3 / 1e9:.0f} GB of RGB pixels")
try:
    data.load_image(bomb)
    raise AssertionError("the bomb was decoded")
except data.ImageLoadError as error:
    print(f"load_image: {error}")
big_claim = png_claiming(suspicious / "big.png", 3000, 3000)
try:
    data.load_image(big_claim, max_pixels=4_000_000)  # e.g. a web service's own, lower limit
    raise AssertionError("the limit was ignored")
except data.ImageLoadError as error:
    print(f"load_image(..., max_pixels=4_000_000): {error}")
big_claim.unlink()
done = subprocess.run(
    [
        sys.executable,
        "-m",
        "srkit.cli",
        "upscale",
        str(suspicious),
        "-o",
        str(WORK / "suspicious_x3"),
        "--model",
        "espcn",
        "--quiet",
    ],
    capture_output=True,
    text=True,
    env=ENV,
)
print(
    f"srkit upscale: exit code {done.returncode}; "
    + "; ".join(line for line in done.stderr.splitlines() if line.startswith("error:"))
)
print(f"written: {sorted(p.name for p in (WORK / 'suspicious_x3').iterdir())}")
assert done.returncode == 1 and "bomb.png" in done.stderr
assert sorted(p.name for p in (WORK / "suspicious_x3").iterdir()) == ["fine_x3.png"]

# %% [markdown]
# The bomb is refused **before decoding**, with the file named: `load_image` reads the size from the header and
# compares it with its limit (`max_pixels=`, default `srkit.data.MAX_PIXELS` = 16,384², about 268 million
# pixels). Pillow, which decodes the images, has its own guard that would refuse anything above about 179 million
# pixels whatever you allowed; while the header is read, `load_image` raises that guard to its own limit (it never
# switches it off). Choose the limit for the use: a web service would set it far below what a desktop tool
# accepts. The good file is still processed, and exit code 1 tells a script that something failed. Arrays get
# the same treatment: `srkit.upscale` refuses NaN, infinite or
# empty images and wrong dtypes or shapes with one clear message (`tests/test_bad_inputs.py` lists them all):

# %%
for bad in [
    np.full((4, 4), np.nan),
    np.zeros((0, 5), np.uint8),
    np.zeros((4, 4), np.int32),
    np.zeros((4, 4, 2), np.uint8),
]:
    try:
        srkit.upscale(bad, model=espcn3, scale=SCALE)
        raise AssertionError(f"accepted {bad.dtype} {bad.shape}")
    except (ValueError, TypeError) as error:
        print(f"{str(bad.dtype):<8}{str(bad.shape):<11}{type(error).__name__}: {error}")

# %% [markdown]
# ## 4. No pickle anywhere
# Python's `pickle` format can run arbitrary code when it is loaded (it may call any function with any
# arguments), so a pickled model, data set or cache is as dangerous as the `Lambda` above — and it is what
# `joblib`, `np.load(..., allow_pickle=True)` and `torch.load(..., weights_only=False)` read (PyTorch ≥ 2.6 defaults
# to a restricted unpickler). srkit stores models as `.keras` (JSON +
# HDF5), records and manifests as JSON, and RAISR's filters (lesson 03) as a plain `.npz`, read with
# `allow_pickle=False` (numpy's default) — a file that needs pickle is refused:

# %%
package = Path(srkit.__file__).parent
sources = "\n".join(p.read_text() for p in package.rglob("*.py"))
risky = ["import pickle", "pickle.load", "allow_pickle=True", "torch.load", "joblib", "safe_mode=False", "dill"]
print(
    f"srkit's {len(list(package.rglob('*.py')))} source files mention: {[w for w in risky if w in sources] or 'none of'} {risky}"
)
np.save(WORK / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)  # an array that needs pickle
try:
    np.load(WORK / "objects.npy")
    raise AssertionError("numpy loaded a pickled array")
except ValueError as error:
    print(f"np.load refuses it: {error}")
assert not any(w in sources for w in risky)


# %% [markdown]
# ## Exercises
# Each exercise gives you a cell to complete: until you do, it holds a placeholder (or a function that stops
# with `NotImplementedError`), and the check cell below it fails. The check tells you whether your answer is
# right, and what is wrong if not, without giving the answer away.
#
# **Exercise 1.** Verify a weight file yourself. Write `sha256_stream(stream)`: the hexadecimal SHA-256 of what
# an open binary file `stream` holds (Python's `hashlib` computes SHA-256), reading it in blocks of 1 MiB at most,
# so that a multi-gigabyte file never sits in memory whole. The check feeds it shipped weight files and an empty
# one, compares the results with `download.sha256_file`, and watches the size of each read.


# %% tags=["stub"]
def sha256_stream(stream):
    raise NotImplementedError("Exercise 1: return the digest as a string of 64 hexadecimal digits")


# %% tags=["solution"]
def sha256_stream(stream):
    sha = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        sha.update(block)
    return sha.hexdigest()


sha256_stream

# %% tags=["check"]
import io


class CountedReads(io.BytesIO):  # a file in memory that records the size each read asks for
    def read(self, size=-1):
        asked.append(size)
        return super().read(size)


(WORK / "empty.keras").write_bytes(b"")
for path in [pretrained.path("edsr-medium-x3"), pretrained.path("espcn-x3"), WORK / "empty.keras"]:
    asked = []
    digest = sha256_stream(CountedReads(path.read_bytes()))
    assert isinstance(digest, str) and len(digest) == 64, "return the hexadecimal digest: a string of 64 characters"
    assert digest == download.sha256_file(path), f"{path.name}: this is not the file's SHA-256"
    assert asked and all(isinstance(n, int) and 0 < n <= 1 << 20 for n in asked), (
        f"{path.name}: read the stream with stream.read(size), at most 1 MiB at a time: never the whole file at once"
    )
print("Correct: reads of at most 1 MiB, and each digest matches (for the shipped files, the manifest's too).")


# %% [markdown]
# **Exercise 2.** A colleague sends you `model.keras`. Write `safe_to_load(path)`, returning `False` if the
# file's architecture uses a layer that carries code or loads a program (`Lambda`, and Keras' wrappers of other
# frameworks' programs: `TorchModuleWrapper`, `TFSMLayer`, `JaxLayer`, `FlaxLayer`), or a class that is neither a
# standard Keras class nor one of srkit's (so its code would have to come from somewhere you have not reviewed);
# `True` otherwise. It must not load the model. Standard Keras classes are the names in `keras.layers`,
# `keras.models` and `keras.initializers`, plus three entries every saved model has (`Functional`,
# `DTypePolicy`, `__keras_tensor__`); srkit's classes are registered with Keras
# (`keras.saving.get_custom_objects()`, keys like `"srkit>Upsample"`). The check tries it on every shipped model,
# on the `Lambda` file of section 2, on a file whose architecture names an unknown layer class, and on one that
# uses `TorchModuleWrapper`.


# %% tags=["stub"]
def safe_to_load(path):
    raise NotImplementedError("Exercise 2: return True or False, without loading the model")


# %% tags=["solution"]
def safe_to_load(path):
    classes = layer_classes(path)  # section 2: class names read from config.json, nothing loaded
    known = (
        set(dir(keras.layers))
        | set(dir(keras.models))
        | set(dir(keras.initializers))
        | {"DTypePolicy", "Functional", "__keras_tensor__"}
    )
    known -= {"Lambda", "TorchModuleWrapper", "TFSMLayer", "JaxLayer", "FlaxLayer"}  # they load code or programs
    srkit_layers = {name.split(">")[-1] for name in keras.saving.get_custom_objects()}
    return "Lambda" not in classes and classes <= known | srkit_layers


safe_to_load

# %% tags=["check"]
for name in pretrained.names():
    assert safe_to_load(pretrained.path(name)), (
        f"{name} is a shipped model, and safe, but your function rejects it; its classes: "
        f"{sorted(layer_classes(pretrained.path(name)))}"
    )
assert not safe_to_load(innocent_path), "a Lambda layer carries code"
unknown = WORK / "unknown-layer.keras"
with zipfile.ZipFile(pretrained.path("espcn-x3")) as src, zipfile.ZipFile(unknown, "w") as dst:
    for item in src.namelist():
        content = src.read(item)
        if item == "config.json":
            config = json.loads(content)
            config["config"]["layers"][1]["class_name"] = "TotallyHarmlessLayer"
            content = json.dumps(config).encode()
        dst.writestr(item, content)
assert not safe_to_load(unknown), "an unknown layer class means code from somewhere else"
torch_wrapped = WORK / "torch-layer.keras"  # a real Keras layer, but one that unpickles a PyTorch module
with zipfile.ZipFile(unknown) as src, zipfile.ZipFile(torch_wrapped, "w") as dst:
    for item in src.namelist():
        dst.writestr(item, src.read(item).replace(b"TotallyHarmlessLayer", b"TorchModuleWrapper"))
assert not safe_to_load(torch_wrapped), "keras.layers also has layers that load code: TorchModuleWrapper is one"
print("Correct: check the architecture before you load, and load with safe_mode=True anyway.")

# %% [markdown]
# **Exercise 3.** A colleague hands you a folder of weight files "from the course". Write `unverified(folder)`:
# the sorted list of the names of the `.keras` files in `folder` that must not be loaded — those that no
# manifest entry lists (the file's stem is the model's name: `pretrained.names()`), and those whose SHA-256
# differs from the manifest's (`pretrained.info(name)["sha256"]`). A right answer looks like
# `["a.keras", "b.keras"]`. The check builds a folder with untouched copies, the altered file of section 1 and
# some other surprises.


# %% tags=["stub"]
def unverified(folder):
    raise NotImplementedError("Exercise 3: return a sorted list of file names")


# %% tags=["solution"]
def unverified(folder):
    bad = []
    for path in sorted(Path(folder).glob("*.keras")):
        known = path.stem in pretrained.names()
        if not known or download.sha256_file(path) != pretrained.info(path.stem)["sha256"]:
            bad.append(path.name)
    return bad


unverified

# %% tags=["check"]
usb = WORK / "from-a-colleague"
usb.mkdir(exist_ok=True)
for n in ("fsrcnn-x3", "srcnn-x3", "espcn-x4"):
    shutil.copy(pretrained.path(n), usb / f"{n}.keras")  # untouched
shutil.copy(copies / "espcn-x3.keras", usb / "espcn-x3.keras")  # section 1's altered weights: loads fine
shutil.copy(pretrained.path("fsrcnn-x2"), usb / "edsr-small-x3.keras")  # a real shipped file, under another name
truncated = pretrained.path("edsr-small-x4").read_bytes()
(usb / "edsr-small-x4.keras").write_bytes(truncated[: len(truncated) // 2])  # a download cut short
shutil.copy(pretrained.path("espcn-x2"), usb / "espcn-x2-finetuned.keras")  # a name no manifest lists
untouched = {"fsrcnn-x3.keras", "srcnn-x3.keras", "espcn-x4.keras"}
flagged = unverified(usb)
assert isinstance(flagged, list) and all(isinstance(f, str) for f in flagged), "return a list of file names"
assert flagged == sorted(flagged), "sort the list"
missed = len(set(p.name for p in usb.iterdir()) - untouched - set(flagged))
assert not missed, f"{missed} file(s) that must not be loaded are missing from your list"
assert not untouched & set(flagged), f"{len(untouched & set(flagged))} file(s) on your list are the published ones"
print(f"Correct: {flagged} must not be loaded; the three untouched copies may.")

# %% [markdown]
# Finally, delete this lesson's scratch folder (skip this cell to keep the files it made):

# %%
shutil.rmtree(WORK, ignore_errors=True)
print(f"removed {WORK}")

# %% [markdown]
# ## Summary
# - **Verify:** check every file's SHA-256 against a list of hashes from a trusted place before use; a tampered
#   model can load and look right (section 1's swipe) while its hash gives it away at once.
# - **Load safely:** load with `safe_mode=True` (a `Lambda` runs code on load), and read an unknown file's
#   architecture before loading it.
# - **Limit inputs:** refuse oversized images before decoding, and bad arrays with a clear message.
# - **No pickle:** models as `.keras`, records as JSON, arrays as `.npz` read with `allow_pickle=False`.
#
# ## Questions you should now be able to answer
# 1. A SHA-256 matches. What does that prove, and where must the expected hash come from for it to prove it?
# 2. Why is loading an unknown `.keras` file with `safe_mode=False` as dangerous as running an unknown script?
# 3. How can a tiny image file exhaust a server's memory, and what must a loader check before decoding?
# 4. Why do `np.load(..., allow_pickle=True)`, `joblib` and `torch.load(..., weights_only=False)` need the same
#    trust as running code?

# %% [markdown] tags=["answers"]
# **Answer key** (instructor version only)
# 1. That the file's bytes are exactly those the hash was computed from: no corruption, no truncated download,
#    no change since (section 1: one flipped bit, or weights altered by a small factor, give another hash). It
#    says nothing about whether those bytes are harmless or good. The expected hash must come from a place the
#    attacker cannot change together with the file, such as the manifest installed with srkit; a
#    `manifest.json` beside the file can be forged with it (section 1's forged folder passed its own check).
# 2. With `safe_mode=False`, a `Lambda` layer's stored Python bytecode is rebuilt and run while the model is
#    loaded: section 2's file wrote a marker in the `sandbox` folder before anything was predicted. That code
#    runs with your permissions (it could read keys or install software), exactly as a script would. Load with
#    `safe_mode=True`, read the architecture first (Exercise 2) and keep Keras up to date.
# 3. The decoder allocates the size the header claims before it reads any pixel, so a tiny file (section 3's
#    `bomb.png`) can claim 100,000 × 100,000 pixels, times 3 bytes in RGB. A loader must read width and height from
#    the header and refuse anything above a limit chosen for the use (`load_image`'s `max_pixels`, lower for a
#    web service) before decoding; for super-resolution the output has $s^2$ times the input's pixels too.
# 4. Pickle can call any function with any arguments while it loads, so a pickled file runs whatever its author
#    wrote. `joblib`, `np.load(..., allow_pickle=True)` (object arrays) and `torch.load(..., weights_only=False)`
#    all unpickle; opening such a file needs the trust you would give its author's program. Data-only formats
#    (`.keras` with `safe_mode=True`, JSON, `.npz` read without pickle) do not.
