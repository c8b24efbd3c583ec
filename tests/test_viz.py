import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from srkit import viz  # noqa: E402
from srkit.resize import imresize  # noqa: E402


@pytest.fixture(scope="module")
def hr(astronaut):
    return astronaut[:96, :120]


def test_compare_titles_carry_the_metrics(hr):
    import matplotlib.pyplot as plt

    bicubic = imresize(imresize(hr, 1 / 3), 3)[:96, :120]
    fig = viz.compare(
        {"HR": hr, "bicubic": bicubic, "nearest": np.repeat(np.repeat(hr[::3, ::3], 3, 0), 3, 1)},
        zoom=(10, 20, 32, 32),
        crop_border=3,
    )
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[0] == "HR\n(reference)" and "dB" in titles[1] and "dB" in titles[2]
    assert len(fig.axes) == 3 and all(len(ax.child_axes) == 1 for ax in fig.axes)  # a zoomed inset in each panel
    plt.close(fig)


def test_compare_rejects_bad_input(hr):
    with pytest.raises(ValueError, match="same height and width"):
        viz.compare({"a": hr, "b": hr[:50]})
    with pytest.raises(ValueError, match="does not fit"):
        viz.compare({"a": hr}, zoom=(90, 0, 32, 32))
    with pytest.raises(ValueError, match="not one of the images"):
        viz.compare({"a": hr}, reference="HR!")
    with pytest.raises(ValueError, match="at least one"):
        viz.compare({})


def test_swipe_reveals_one_image_over_the_other(hr):
    after = 255 - hr
    assert np.array_equal(viz.swipe_frame(hr, after, 0), hr)
    assert np.array_equal(viz.swipe_frame(hr, after, 100), after)
    half = viz.swipe_frame(hr, after, 50)
    assert np.array_equal(half[:, :59], after[:, :59]) and np.array_equal(half[:, 61:], hr[:, 61:])
    assert (half[:, 60] == 255).all()
    widget = viz.swipe(hr, after)
    slider, image = widget.children
    first = image.value
    slider.value = 10
    assert image.value != first and image.value == viz.to_png(viz.swipe_frame(hr, after, 10))
    with pytest.raises(ValueError, match="same shape"):
        viz.swipe(hr, hr[:10])
    with pytest.raises(ValueError, match="0..100"):
        viz.swipe_frame(hr, hr, 120)


def test_explorer_updates_when_the_controls_change(hr, astronaut):
    calls = []

    def sharpen(lr, scale):
        calls.append(scale)
        return imresize(lr, scale)

    box = viz.explorer(
        {"astronaut": hr, "other": astronaut[100:196, 100:220]},
        {"bicubic": "bicubic", "espcn": "espcn", "mine": sharpen},
        scales=(2, 3),
    )
    c, shown = box.controls, [box.output.value]
    assert shown[0][:4] == b"\x89PNG"
    for name, value in [("scale", 2), ("image", "other"), ("zoom_x", 5), ("size", 32), ("methods", ("mine",))]:
        c[name].value = value
        assert box.output.value != shown[-1], f"changing {name} should change the picture"
        shown.append(box.output.value)
    n = len(calls)
    c["zoom_y"].value = 7  # moving the zoom reuses the cached outputs
    assert len(calls) == n


def _decoded(png: bytes) -> np.ndarray:
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)))


def test_flipbook_shows_the_image_its_sliders_pick(hr):
    frames = {(s, b): np.clip(hr.astype(int) // s + 40 * b, 0, 255).astype(np.uint8) for s in (2, 3) for b in (0, 1)}
    book = viz.flipbook(frames, names=("scale", "blur"), reference=hr, width=240)
    assert list(book.controls) == ["scale", "blur"] and book.controls["scale"].value == 2
    shown = _decoded(book.output.value)
    assert shown.shape == (192, 240, 3) and np.array_equal(shown[::2, ::2], frames[(2, 0)])  # enlarged 2x
    assert book.caption.value.startswith("scale 2, blur 0: ") and "dB" in book.caption.value
    book.controls["blur"].value = 1
    book.controls["scale"].value = 3
    assert np.array_equal(_decoded(book.output.value)[::2, ::2], frames[(3, 1)])
    assert book.caption.value.startswith("scale 3, blur 1: ")
    # one setting: plain keys, a zoomed region, no reference
    single = viz.flipbook({"step 0": hr, "step 100": 255 - hr}, names=("step",), zoom=(10, 20, 30, 40), width=400)
    assert _decoded(single.output.value).shape == (300, 400, 3) and single.caption.value == "step step 0"
    single.controls["step"].value = "step 100"
    assert np.array_equal(_decoded(single.output.value)[::10, ::10], 255 - hr[10:40, 20:60])


def test_flipbook_rejects_bad_input(hr):
    with pytest.raises(ValueError, match="at least one"):
        viz.flipbook({})
    with pytest.raises(ValueError, match="all tuples"):
        viz.flipbook({(1, 2): hr, "b": hr})
    with pytest.raises(ValueError, match="no image for 1 combination"):
        viz.flipbook({(1, "a"): hr, (1, "b"): hr, (2, "a"): hr})
    with pytest.raises(ValueError, match="same shape"):
        viz.flipbook({"a": hr, "b": hr[:50]})
    with pytest.raises(ValueError, match="2 setting"):
        viz.flipbook({(1, 2): hr}, names=("only one",))
    with pytest.raises(ValueError, match="reference has shape"):
        viz.flipbook({"a": hr}, reference=hr[:10])
    with pytest.raises(ValueError, match="does not fit"):
        viz.flipbook({"a": hr}, zoom=(90, 0, 32, 32))


def test_each_widget_also_outputs_a_still_picture_for_pages_without_a_kernel(hr):
    """A front end with widgets shows the widget; the course site (and GitHub, nbconvert) the PNG it opens with."""
    import base64

    from IPython.core.formatters import DisplayFormatter

    widgets = {
        "swipe": viz.swipe(hr, 255 - hr),
        "flipbook": viz.flipbook({"a": hr, "b": 255 - hr}),
        "explorer": viz.explorer({"astronaut": hr}, {"bicubic": "bicubic"}),
    }
    for name, widget in widgets.items():
        data, _ = DisplayFormatter().format(widget)
        assert "application/vnd.jupyter.widget-view+json" in data, name
        shown = widget.children[-1] if name != "flipbook" else widget.output
        assert base64.b64decode(data["image/png"]) == bytes(shown.value), f"{name}: the still is what it shows"
