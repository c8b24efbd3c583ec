"""RAISR (srkit.raisr): hashing, fitting, upscaling, symmetry, saving, and input checks."""

import numpy as np
import pytest

from srkit import raisr
from srkit.data import bundled
from srkit.evaluate import bicubic_upscaler, evaluate
from srkit.resize import imresize

ANGLES, STRENGTHS, COHERENCES = 24, 3, 3


def _edge(theta: float, size: int = 64, width: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """A soft step edge whose gradient points at angle ``theta`` (x right, y up), values in [0.2, 0.8],
    and the mask of the pixels near the middle of the edge (away from the image border)."""
    i, j = np.mgrid[:size, :size].astype(np.float64)
    x, y = j - size / 2, -(i - size / 2)
    distance = x * np.cos(theta) + y * np.sin(theta)
    near = (np.abs(distance) < 3) & (np.abs(x) < size / 4) & (np.abs(y) < size / 4)
    return 0.2 + 0.6 / (1 + np.exp(-distance / width)), near


def _split(buckets: np.ndarray, scale: int = 1):
    return np.unravel_index(buckets, (scale * scale, ANGLES, STRENGTHS, COHERENCES))


# --------------------------------------------------------------------------- hashing
@pytest.mark.parametrize("theta, bucket", [(0.0, 0), (np.pi / 2, 12), (np.pi / 4, 6), (3 * np.pi / 4, 18), (np.pi, 0)])
def test_edge_gets_its_angle_bucket_and_high_coherence(theta, bucket):
    image, near = _edge(theta)
    _, angle, strength, coherence = _split(raisr.hash_pixels(image))
    assert near.sum() > 50
    assert np.all(angle[near] == bucket)
    assert np.all(coherence[near] == COHERENCES - 1)
    assert np.all(strength[near] == STRENGTHS - 1)


def test_vertical_edge_features():
    s = raisr.gradient_structure(_edge(0.0)[0])
    assert s.coherence[32, 32] > 0.99  # one direction only
    assert min(s.angle[32, 32], np.pi - s.angle[32, 32]) < 1e-6
    assert s.strength[32, 32] > 0.05
    assert np.all((s.angle >= 0) & (s.angle < np.pi)) and np.all((s.coherence >= 0) & (s.coherence <= 1))


def test_flat_image_has_lowest_strength_and_coherence():
    flat = np.full((40, 50), 0.5)
    buckets = raisr.hash_pixels(flat)
    assert buckets.shape == flat.shape and buckets.dtype.kind == "i"
    _, _, strength, coherence = _split(buckets)
    assert np.all(strength == 0) and np.all(coherence == 0)


def test_noise_is_incoherent():
    noise = np.random.default_rng(0).uniform(0, 1, (64, 64))
    _, _, strength, coherence = _split(raisr.hash_pixels(noise))
    assert np.mean(strength == STRENGTHS - 1) > 0.95
    assert np.mean(coherence == 0) > 0.9


def test_pixel_types_and_bucket_layout():
    types = raisr.pixel_types((6, 9), 3)
    assert types[0, 0] == 0 and types[0, 1] == 1 and types[1, 0] == 3 and types[4, 5] == 1 * 3 + 2
    image = _edge(0.3, size=48)[0]
    b3 = raisr.hash_pixels(image, scale=3)
    b1 = raisr.hash_pixels(image)
    assert b3.max() < 9 * ANGLES * STRENGTHS * COHERENCES
    t, a, s, c = _split(b3, scale=3)
    np.testing.assert_array_equal(t, raisr.pixel_types(image.shape, 3))
    np.testing.assert_array_equal(np.ravel_multi_index((a, s, c), (ANGLES, STRENGTHS, COHERENCES)), b1)


def test_symmetry_maps_match_the_hash_of_transformed_images():
    """The tables fit() uses to share data between buckets agree with hashing the flipped/rotated image."""
    lr, _ = raisr.training_pair(bundled("validation")["coffee"][:120, :160], 2)
    up = imresize(lr, 2)
    t0, a0, s0, c0 = _split(raisr.hash_pixels(up, scale=2), scale=2)
    transforms = [
        lambda x: x,
        lambda x: x[:, ::-1],
        lambda x: x[::-1],
        lambda x: x[::-1, ::-1],
        lambda x: x.T,
        lambda x: x.T[:, ::-1],
        lambda x: x.T[::-1],
        lambda x: x.T[::-1, ::-1],
    ]
    index = np.arange(9 * 9).reshape(9, 9)
    for perm, type_map, angle_map in raisr._symmetries(9, 2, ANGLES):
        (f,) = [f for f in transforms if np.array_equal(f(index).ravel(), perm)]
        t1, a1, s1, c1 = _split(raisr.hash_pixels(imresize(f(lr), 2), scale=2), scale=2)
        np.testing.assert_array_equal(t1, f(type_map[t0]))
        assert np.mean(a1 == f(angle_map[a0])) > 0.999  # ties on a bucket boundary may round either way
        assert np.mean(s1 == f(s0)) > 0.999 and np.mean(c1 == f(c0)) > 0.999


# --------------------------------------------------------------------------- fitting and upscaling
@pytest.fixture(scope="module")
def small_model():
    train = bundled("train")
    images = {k: train[k][:256, :256] for k in ("astronaut", "brick", "text", "motorcycle")}
    return raisr.fit(images, scale=2)


@pytest.fixture(scope="module")
def held_out():
    return {"camera": bundled("test")["camera"][:256, :256]}


def test_fitted_model_beats_bicubic_on_held_out_image(small_model, held_out):
    ours = evaluate(small_model.upscale, held_out, scale=2, crop_border=2, protocol="y")
    bicubic = evaluate(bicubic_upscaler(2), held_out, scale=2, crop_border=2, protocol="y")
    assert ours.mean_psnr > bicubic.mean_psnr + 1.0
    assert ours.mean_ssim > bicubic.mean_ssim + 0.004


def test_identity_filters_reproduce_bicubic(small_model):
    lr, _ = raisr.training_pair(bundled("test")["coins"][:100, :120], 2)
    identity = np.zeros_like(small_model.filters)
    identity[..., 4, 4] = 1.0
    model = raisr.RaisrModel(
        scale=2,
        filters=identity,
        counts=small_model.counts,
        strength_thresholds=small_model.strength_thresholds,
        coherence_thresholds=small_model.coherence_thresholds,
    )
    np.testing.assert_allclose(model.upscale(lr), np.clip(imresize(lr, 2), 0, 1), atol=1e-12)


def test_upscale_shape_dtype_range(small_model):
    lr = np.random.default_rng(1).uniform(0, 1, (33, 47)).astype(np.float32)
    sr = small_model.upscale(lr)
    assert sr.shape == (66, 94) and sr.dtype == np.float64
    assert sr.min() >= 0 and sr.max() <= 1
    assert small_model(lr).shape == sr.shape


def test_filters_of_flat_buckets_are_close_to_identity(small_model):
    f = small_model.filters
    identity = np.zeros(f.shape[-2:])
    identity[4, 4] = 1.0
    distance = np.sqrt(((f - identity) ** 2).sum(axis=(-1, -2)))
    flat, strong = np.median(distance[:, :, 0]), np.median(distance[:, :, -1])
    assert flat < 0.4 and flat < strong / 2
    # every filter keeps the mean brightness (taps sum to one): a constant patch is left unchanged
    np.testing.assert_allclose(f.sum(axis=(-1, -2)), 1.0, atol=0.03)
    # a bucket without enough data keeps the bicubic (identity) filter exactly
    sparse = small_model.counts < 100
    assert np.all(f[sparse] == identity)
    assert small_model.filter(6, 2, 2, (1, 0)).shape == (9, 9)
    np.testing.assert_array_equal(small_model.filter(6, 2, 2, (1, 0)), f[2, 6, 2, 2])


def test_symmetric_training_gives_an_equivariant_model(small_model):
    lr, _ = raisr.training_pair(bundled("validation")["coffee"][100:220, 200:340], 2)
    sr = small_model.upscale(lr)
    for f in (lambda x: x[:, ::-1], lambda x: x[::-1], lambda x: x.T, lambda x: np.rot90(x)):
        close = np.isclose(small_model.upscale(np.ascontiguousarray(f(lr))), f(sr), atol=1e-9)
        assert close.mean() > 0.999


def test_save_and_load_round_trip(small_model, tmp_path):
    path = tmp_path / "raisr_x2.npz"
    small_model.save(path)
    with np.load(path, allow_pickle=False) as z:  # plain arrays only
        assert "filters" in z.files
    loaded = raisr.RaisrModel.load(path)
    lr = np.random.default_rng(2).uniform(0, 1, (20, 24))
    np.testing.assert_array_equal(loaded.upscale(lr), small_model.upscale(lr))
    assert loaded.scale == 2 and loaded.patch == 9


def test_fit_on_pairs_uses_the_protocol():
    hr = bundled("train")["astronaut"][:90, :90]
    model_images = raisr.fit([hr], scale=3, min_samples=1, max_samples=5000, patch=5)
    model_pairs = raisr.fit([raisr.training_pair(hr, 3)], scale=3, min_samples=1, max_samples=5000, patch=5)
    np.testing.assert_allclose(model_images.filters, model_pairs.filters)
    assert model_images.filters.shape == (9, ANGLES, STRENGTHS, COHERENCES, 5, 5)


# --------------------------------------------------------------------------- bad inputs
def test_bad_inputs_raise_clear_errors(small_model):
    with pytest.raises(ValueError, match="single-channel"):
        small_model.upscale(np.zeros((10, 10, 3)))
    with pytest.raises(ValueError, match="float"):
        small_model.upscale(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="NaN"):
        small_model.upscale(np.full((10, 10), np.nan))
    lr, hr = np.zeros((10, 10)), np.zeros((30, 30))
    with pytest.raises(ValueError, match="scale"):
        raisr.fit([(lr, hr)], scale=2)
    with pytest.raises(ValueError, match="scale"):
        raisr.fit([hr], scale=0)
    with pytest.raises(ValueError, match="scale"):
        raisr.fit([hr], scale=2.5)
    with pytest.raises(ValueError, match="odd"):
        raisr.fit([np.zeros((40, 40), np.uint8)], scale=2, patch=8)
    with pytest.raises(ValueError, match="no training"):
        raisr.fit({}, scale=2)
    with pytest.raises(ValueError, match="increasing"):
        raisr.hash_pixels(np.zeros((8, 8)), strength_thresholds=(0.1, 0.01))
    with pytest.raises(ValueError, match="thresholds"):
        raisr.hash_pixels(np.zeros((8, 8)), strengths=4, strength_thresholds=(0.1, 0.2))
    with pytest.raises(ValueError, match="pixel type"):
        small_model.filter(0, 0, 0, (2, 0))
    with pytest.raises(ValueError, match="do not match"):
        raisr.RaisrModel(
            scale=3,
            filters=small_model.filters,
            counts=small_model.counts,
            strength_thresholds=small_model.strength_thresholds,
            coherence_thresholds=small_model.coherence_thresholds,
        )


def test_fit_checks_its_counts_and_refuses_flat_training_images():
    hr = bundled("train")["astronaut"][:60, :60]
    for kw, name in [
        ({"max_samples": 0}, "max_samples"),
        ({"strengths": 0}, "strengths"),
        ({"coherences": 2.0}, "coherences"),
        ({"angles": 0}, "angles"),
        ({"strengths": True}, "strengths"),
    ]:
        with pytest.raises(ValueError, match=f"{name} must be a positive whole number"):
            raisr.fit([hr], scale=2, **kw)
    flat = np.full((60, 60), 128, np.uint8)  # almost every pixel has strength 0: the 1/3 and 2/3 quantiles tie
    with pytest.raises(ValueError, match="too flat to split into 3 strength classes"):
        raisr.fit([flat], scale=2)
