"""Looking at SR results: a side-by-side figure with zoomed insets (:func:`compare`), a before/after slider
(:func:`swipe`), a flip-book of results over one or more settings (:func:`flipbook`: a slider per setting,
e.g. training step, loss, or scale x blur) and the classroom explorer (:func:`explorer`: image, scale, models
and zoom picked from widgets, outputs and metrics updated live).

Widgets are plain ipywidgets showing PNG images rendered here, so they work in JupyterLab, Jupyter
Notebook and Colab (call ``google.colab.output.enable_custom_widget_manager()`` there, as every lesson's
set-up cell does) without any extra front-end extension. Each widget's output also carries a still picture
(``image/png``, the image it shows first): a front end that runs widgets shows the widget, and a page made from
the executed notebook without a kernel (the course site, nbconvert, GitHub) shows the picture.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping

import numpy as np

from ._util import round_to
from .metrics import psnr, ssim

__all__ = ["compare", "swipe", "flipbook", "explorer", "to_png", "swipe_frame"]


def _as_uint8(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    if np.issubdtype(image.dtype, np.floating):
        return round_to(image * 255.0)
    raise TypeError(f"images must be uint8 (0..255) or float (0..1), got dtype {image.dtype}")


def to_png(image: np.ndarray) -> bytes:
    """PNG bytes of a uint8 (or [0, 1] float) gray or RGB image."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(_as_uint8(image)).save(buffer, format="PNG")
    return buffer.getvalue()


def _with_still(box, image):
    """``box`` (a widget) whose output also carries ``image``'s current PNG as a still picture: front ends that
    run widgets prefer the widget's own mime type, and the rest (a static page of the executed notebook) show the
    picture instead of "VBox(children=...)"."""
    plain = box._repr_mimebundle_

    def bundle(**kwargs):
        data = plain(**kwargs)
        if data is not None and image.value:
            data = {**data, "image/png": base64.b64encode(bytes(image.value)).decode("ascii")}
        return data

    box._repr_mimebundle_ = bundle
    return box


def _check_zoom(zoom, shape) -> tuple[int, int, int, int]:
    y, x, h, w = (int(v) for v in zoom)
    if h < 1 or w < 1 or y < 0 or x < 0 or y + h > shape[0] or x + w > shape[1]:
        raise ValueError(f"zoom (y, x, h, w) = {zoom} does not fit inside an image of {shape[0]} x {shape[1]}")
    return y, x, h, w


def compare(
    images: Mapping[str, np.ndarray],
    *,
    zoom: tuple[int, int, int, int] | None = None,
    reference: str | None = None,
    crop_border: int = 0,
    y_channel: bool = True,
    columns: int | None = None,
    panel_size: float = 4.0,
):
    """A matplotlib figure with one panel per image (same size; uint8 or [0, 1] float), each with the
    ``zoom`` region ``(y, x, h, w)`` outlined and shown enlarged in an inset, and -- when ``reference`` names
    one of the images (default: ``"HR"`` if present) -- PSNR/SSIM against it under each title (measured with
    :mod:`srkit.metrics`, ``crop_border`` and ``y_channel`` as given: pass ``crop_border=scale`` for the
    published protocol)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if not images:
        raise ValueError("compare() needs at least one image")
    arrays = {name: _as_uint8(im) for name, im in images.items()}
    shapes = {im.shape[:2] for im in arrays.values()}
    if len(shapes) != 1:
        raise ValueError(f"all images must have the same height and width, got {sorted(shapes)}")
    shape = shapes.pop()
    if reference is None and "HR" in arrays:
        reference = "HR"
    if reference is not None and reference not in arrays:
        raise ValueError(f"reference {reference!r} is not one of the images {list(arrays)}")
    if zoom is not None:
        zoom = _check_zoom(zoom, shape)
    n = len(arrays)
    columns = columns or min(n, 4)
    rows = -(-n // columns)
    aspect = shape[0] / shape[1]
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(panel_size * columns, panel_size * aspect * rows + 0.6 * rows),
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (name, im) in zip(axes.ravel(), arrays.items()):
        gray = im.ndim == 2
        ax.imshow(im, cmap="gray" if gray else None, vmin=0, vmax=255)
        title = name
        if reference is not None and name != reference:
            ref = arrays[reference]
            title += (
                f"\n{psnr(ref, im, crop_border=crop_border, y_channel=y_channel):.2f} dB / "
                f"{ssim(ref, im, crop_border=crop_border, y_channel=y_channel):.4f}"
            )
        elif reference is not None:
            title += "\n(reference)"
        ax.set_title(title, fontsize=10)
        if zoom is not None:
            y, x, h, w = zoom
            ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, edgecolor="yellow", linewidth=1.5))
            inset = ax.inset_axes([0.6, 0.0, 0.4, 0.4 * shape[1] / shape[0] * h / w])
            inset.imshow(
                im[y : y + h, x : x + w], cmap="gray" if gray else None, vmin=0, vmax=255, interpolation="nearest"
            )
            inset.set_xticks([])
            inset.set_yticks([])
            for spine in inset.spines.values():
                spine.set_edgecolor("yellow")
                spine.set_linewidth(1.5)
    return fig


def swipe_frame(before: np.ndarray, after: np.ndarray, position: float) -> np.ndarray:
    """The image ``swipe`` shows: ``after`` left of ``position`` (0..100 % of the width), ``before`` right of
    it, and a one-pixel white divider."""
    a, b = _as_uint8(before), _as_uint8(after)
    if a.shape != b.shape:
        raise ValueError(f"before and after must have the same shape, got {a.shape} and {b.shape}")
    if not 0 <= position <= 100:
        raise ValueError(f"position is a percentage of the width (0..100), got {position}")
    cut = int(round(a.shape[1] * position / 100))
    frame = a.copy()
    frame[:, :cut] = b[:, :cut]
    if 0 < cut < a.shape[1]:
        frame[:, cut] = 255
    return frame


def swipe(
    before: np.ndarray,
    after: np.ndarray,
    *,
    labels: tuple[str, str] = ("before", "after"),
    position: float = 50,
    width: int | None = None,
):
    """A before/after widget: a slider reveals ``after`` (left of the divider) over ``before``.
    Returns an ``ipywidgets.VBox`` (children: the slider, the image)."""
    import ipywidgets as widgets

    frame = swipe_frame(before, after, position)  # checks the inputs
    slider = widgets.FloatSlider(
        value=position,
        min=0,
        max=100,
        step=0.5,
        readout_format=".0f",
        description=f"{labels[1]} | {labels[0]}",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="100%"),
    )
    image = widgets.Image(
        value=to_png(frame), format="png", layout=widgets.Layout(width=f"{width or frame.shape[1]}px")
    )

    def update(change):
        image.value = to_png(swipe_frame(before, after, change["new"]))

    slider.observe(update, names="value")
    return _with_still(widgets.VBox([slider, image]), image)


def _enlarge(image: np.ndarray, zoom, width: int) -> np.ndarray:
    """``image`` cut to ``zoom`` (y, x, h, w) when given, then enlarged by pixel repetition to about ``width``."""
    if zoom is not None:
        y, x, h, w = _check_zoom(zoom, image.shape)
        image = image[y : y + h, x : x + w]
    factor = max(1, width // image.shape[1])
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def _flipbook_frames(frames, names):
    """:func:`flipbook`'s frames checked: (slider names, each slider's values, images by key tuple, their shape)."""
    import itertools

    if not frames:
        raise ValueError("flipbook() needs at least one image")
    keys = list(frames)
    tupled = all(isinstance(k, tuple) for k in keys)
    if any(isinstance(k, tuple) for k in keys) and not tupled:
        raise ValueError("flipbook() keys must be all tuples (one value per slider) or all single values")
    parts = [k if tupled else (k,) for k in keys]
    if len({len(p) for p in parts}) != 1 or not parts[0]:
        raise ValueError(f"every key must have the same number of settings, got {sorted({len(p) for p in parts})}")
    n = len(parts[0])
    names = (
        tuple(names) if names is not None else (("setting",) if n == 1 else tuple(f"setting {i + 1}" for i in range(n)))
    )
    if len(names) != n:
        raise ValueError(f"{n} setting(s) per key but {len(names)} name(s): {names}")
    values = [list(dict.fromkeys(p[i] for p in parts)) for i in range(n)]
    missing = [c for c in itertools.product(*values) if c not in set(parts)]
    if missing:
        raise ValueError(f"no image for {len(missing)} combination(s) of the sliders, e.g. {missing[0]}")
    images = {p: _as_uint8(frames[k]) for p, k in zip(parts, keys)}
    shapes = {im.shape for im in images.values()}
    if len(shapes) != 1:
        raise ValueError(f"all images must have the same shape, got {sorted(shapes)}")
    shape = shapes.pop()
    return names, values, images, shape


def flipbook(
    frames: Mapping[object, np.ndarray],
    *,
    names: tuple[str, ...] | None = None,
    reference: np.ndarray | None = None,
    zoom: tuple[int, int, int, int] | None = None,
    crop_border: int = 0,
    y_channel: bool = True,
    width: int = 360,
):
    """Flip through same-size images with sliders: one slider per setting the images differ in.

    ``frames`` maps a key to an image (uint8 or [0, 1] float, all the same shape). A key is one setting
    (``{"step 0": a, "step 100": b}``: one slider) or a tuple of settings, one per slider, covering every
    combination (``{(2, 0.0): a, (2, 1.0): b, (4, 0.0): c, (4, 1.0): d}`` with ``names=("scale", "blur")``).
    Sliders keep the order in which the keys first give each value. ``zoom`` (y, x, h, w) shows that region
    only, enlarged by pixel repetition to about ``width`` pixels; with ``reference`` (an image of the same
    shape) the caption gives PSNR/SSIM of the shown image against it (``crop_border``, ``y_channel`` as in
    :mod:`srkit.metrics`). Returns an ``ipywidgets.VBox`` with ``.controls`` (the sliders, by name),
    ``.output`` (the image widget) and ``.caption``.
    """
    import ipywidgets as widgets

    names, values, images, shape = _flipbook_frames(frames, names)
    if reference is not None:
        reference = _as_uint8(reference)
        if reference.shape != shape:
            raise ValueError(f"reference has shape {reference.shape}, the images {shape}")
    if zoom is not None:
        _check_zoom(zoom, shape)

    sliders = {
        name: widgets.SelectionSlider(
            options=[(str(v), v) for v in vals],
            value=vals[0],
            description=name,
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="100%"),
        )
        for name, vals in zip(names, values)
    }
    shown_width = _enlarge(next(iter(images.values())), zoom, width).shape[1]
    output = widgets.Image(format="png", layout=widgets.Layout(width=f"{shown_width}px"))
    caption = widgets.HTML()

    def show(*_):
        key = tuple(s.value for s in sliders.values())
        image = images[key]
        output.value = to_png(_enlarge(image, zoom, width))
        label = ", ".join(f"{name} {value}" for name, value in zip(names, key))
        if reference is not None:
            label += (
                f": {psnr(reference, image, crop_border=crop_border, y_channel=y_channel):.2f} dB / "
                f"{ssim(reference, image, crop_border=crop_border, y_channel=y_channel):.4f}"
            )
        caption.value = label

    for slider in sliders.values():
        slider.observe(show, names="value")
    show()
    box = widgets.VBox([*sliders.values(), caption, output])
    box.controls, box.output, box.caption = sliders, output, caption
    return _with_still(box, output)


def _upscaler_for(model) -> Callable[[np.ndarray, int], np.ndarray]:
    """``model``: 'bicubic', a pretrained name (its scale must match), or a function (lr, scale) -> SR."""
    if callable(model):
        return model
    if model == "bicubic":
        from .resize import imresize

        return lambda lr, scale: imresize(lr, scale)
    from . import pretrained
    from .inference import upscale

    def run(lr, scale):
        if pretrained.info(model)["scale"] != scale:
            raise ValueError(f"{model} upscales by {pretrained.info(model)['scale']}, not {scale}")
        return upscale(lr, model=model, scale=scale)

    return run


def explorer(
    images: Mapping[str, np.ndarray],
    models: Mapping[str, object] | None = None,
    *,
    scales: tuple[int, ...] = (2, 3, 4),
    zoom_size: int = 64,
    panel_size: float = 3.2,
):
    """The classroom explorer: choose an HR image, a scale and methods; see HR and every method's output
    (PSNR/SSIM on Y, ``crop_border=scale``, as published tables) with a zoomed inset you move with sliders.

    ``models`` maps a label to ``"bicubic"``, a shipped pretrained name *without* its scale suffix
    (``"espcn"`` -> ``espcn-x{scale}``), or a function ``(lr, scale) -> SR``. Default: bicubic and every
    shipped architecture. Results are cached, so moving the zoom is instant. Returns an ``ipywidgets.VBox``
    whose ``.controls`` dict holds the widgets (image, scale, methods, zoom_y, zoom_x, size) and
    ``.output`` the image widget.
    """
    from . import pretrained

    if not images:
        raise ValueError("explorer() needs at least one image")
    if models is None:
        models = {"bicubic": "bicubic", **{p: p for p in sorted({n.rsplit("-x", 1)[0] for n in pretrained.names()})}}
    return _Explorer(images, models, scales, zoom_size, panel_size).box


class _Explorer:
    """The state behind :func:`explorer`: its widgets, and every output computed so far."""

    def __init__(self, images, models, scales, zoom_size, panel_size):
        import ipywidgets as widgets

        self.images, self.models, self.panel_size = images, models, panel_size
        self.cache: dict = {}
        self.busy = False
        h0, w0 = np.asarray(next(iter(images.values()))).shape[:2]
        self.controls = dict(
            image=widgets.Dropdown(options=list(images), description="image"),
            scale=widgets.Dropdown(options=list(scales), value=scales[min(1, len(scales) - 1)], description="scale"),
            methods=widgets.SelectMultiple(
                options=list(models), value=tuple(list(models)[:3]), description="methods", rows=min(6, len(models))
            ),
            zoom_y=widgets.IntSlider(value=h0 // 3, min=0, max=h0, description="zoom y"),
            zoom_x=widgets.IntSlider(value=w0 // 3, min=0, max=w0, description="zoom x"),
            size=widgets.IntSlider(value=zoom_size, min=16, max=256, step=8, description="zoom size"),
        )
        self.output = widgets.Image(format="png")
        self.status = widgets.HTML()
        for widget in self.controls.values():
            widget.observe(self.render, names="value")
        self.render()
        c = self.controls
        self.box = widgets.VBox(
            [
                widgets.HBox([c["image"], c["scale"], c["methods"]]),
                widgets.HBox([c["zoom_y"], c["zoom_x"], c["size"]]),
                self.status,
                self.output,
            ]
        )
        self.box.controls, self.box.output = self.controls, self.output
        _with_still(self.box, self.output)

    def method(self, label, scale):
        from . import pretrained

        m = self.models[label]
        if isinstance(m, str) and m != "bicubic":
            name = f"{m}-x{scale}"
            if name not in pretrained.names():
                return None  # not shipped at this scale
            return _upscaler_for(name)
        return _upscaler_for(m)

    def outputs(self, image_name, scale, labels):
        from . import data

        lr, hr = data.make_pair(np.asarray(self.images[image_name]), scale)
        result = {"HR": hr}
        for label in labels:
            key = (image_name, scale, label)
            if key not in self.cache:
                fn = self.method(label, scale)
                self.cache[key] = None if fn is None else fn(lr, scale)
            if self.cache[key] is not None:
                result[label] = self.cache[key]
        return result

    def render(self, *_):
        if self.busy:  # adjusting a slider's range below fires its observer again: ignore that
            return
        self.busy = True
        try:
            self._render()
        finally:
            self.busy = False

    def _render(self):
        import matplotlib.pyplot as plt

        c = self.controls
        scale = c["scale"].value
        outs = self.outputs(c["image"].value, scale, c["methods"].value)
        hh, ww = outs["HR"].shape[:2]
        c["zoom_y"].max, c["zoom_x"].max = max(0, hh - 16), max(0, ww - 16)
        size = min(c["size"].value, hh, ww)
        y, x = min(c["zoom_y"].value, hh - size), min(c["zoom_x"].value, ww - size)
        fig = compare(outs, zoom=(y, x, size, size), reference="HR", crop_border=scale, panel_size=self.panel_size)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        plt.close(fig)
        self.output.value = buffer.getvalue()
        missing = [m for m in c["methods"].value if m not in outs]
        self.status.value = f"x{scale}: PSNR/SSIM on Y, {scale}-pixel border cropped" + (
            f" &middot; not shipped at x{scale}: {', '.join(missing)}" if missing else ""
        )
