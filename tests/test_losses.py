import warnings

import keras
import numpy as np
import pytest

from srkit import losses, models


@pytest.fixture(scope="module")
def pair():
    rng = np.random.default_rng(0)
    sharp = rng.uniform(size=(2, 48, 48, 1)).astype(np.float32)
    blurred = sharp.copy()
    blurred[:, 1:-1, 1:-1] = (
        sum(sharp[:, 1 + dy : 47 + dy, 1 + dx : 47 + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)) / 9
    )
    return sharp, blurred


def test_pixel_losses_by_hand(pair):
    a, b = pair
    d = a.astype(np.float64) - b
    assert float(losses.l2(a, b)) == pytest.approx(np.mean(d**2), rel=1e-5)
    assert float(losses.l1(a, b)) == pytest.approx(np.mean(np.abs(d)), rel=1e-5)
    assert float(losses.charbonnier(a, b)) == pytest.approx(np.mean(np.sqrt(d**2 + 1e-6)), rel=1e-5)


@pytest.mark.parametrize("name", ["l1", "l2", "charbonnier", "ssim", "ms-ssim", "mixed", "gradient", "fft"])
def test_zero_for_equal_images_and_positive_for_blur(pair, name):
    a, b = pair
    loss = losses.get(name)
    same = float(loss(a, a))
    assert abs(same) < 1e-4 or (name == "charbonnier" and same == pytest.approx(1e-3, rel=1e-3))
    assert float(loss(a, b)) > same + 1e-3


def test_ms_ssim_uses_the_scales_that_fit():
    assert [losses.ms_ssim_scales(s) for s in (11, 22, 48, 96, 175, 176, 400)] == [1, 2, 3, 4, 4, 5, 5]


def test_unknown_loss():
    with pytest.raises(ValueError, match="choose one of"):
        losses.get("l3")


def test_perceptual_loss_falls_back_to_random_features_and_says_so(monkeypatch, pair):
    real_vgg = keras.applications.VGG19

    def offline(weights=None, **kwargs):
        if weights == "imagenet":
            raise OSError("URL fetch failure (simulated: no internet)")
        return real_vgg(weights=weights, **kwargs)

    monkeypatch.setattr(keras.applications, "VGG19", offline)
    with pytest.raises(RuntimeError, match="allow_random=True"):
        losses.feature_extractor("vgg19", allow_random=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss = losses.PerceptualLoss(layer="block2_conv2")
    assert loss.kind == "random" and any("random weights" in str(w.message) for w in caught)
    a, b = pair
    assert float(loss(a, a)) == 0 and float(loss(a, b)) > 0
    # fixed features: the same seed gives the same loss
    again = losses.PerceptualLoss(losses.feature_extractor("random", layer="block2_conv2")[0])
    assert float(again(a, b)) == pytest.approx(float(loss(a, b)), rel=1e-5)


def test_srgan_trains_with_fit_and_callbacks():
    keras.utils.set_random_seed(0)
    gen, disc = models.build("espcn", scale=2), losses.discriminator(channels=1, filters=8)
    gan = losses.SRGAN(gen, disc, adversarial_weight=1e-2)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(1e-3))
    rng = np.random.default_rng(0)
    lr = rng.uniform(size=(8, 12, 12, 1)).astype(np.float32)
    hr = rng.uniform(size=(8, 24, 24, 1)).astype(np.float32)
    g_before, d_before = gen.get_weights()[0].copy(), disc.get_weights()[0].copy()
    seen = []
    history = gan.fit(
        lr,
        hr,
        batch_size=4,
        epochs=2,
        verbose=0,
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(dict(logs)))],
    )
    assert set(history.history) >= {"loss", "content", "adversarial", "d_loss"} and len(seen) == 2
    assert not np.allclose(gen.get_weights()[0], g_before) and not np.allclose(disc.get_weights()[0], d_before)
    assert gan(lr[:1]).shape == (1, 24, 24, 1)


def test_srkit_fit_trains_a_compiled_gan_as_it_was_compiled():
    from srkit import data
    from srkit.training import fit

    keras.utils.set_random_seed(0)
    gen, disc = models.build("espcn", scale=2), losses.discriminator(channels=1, filters=8)
    gan = losses.SRGAN(gen, disc, adversarial_weight=1e-2)
    pairs = data.make_pairs(data.bundled("train"), 2)[:2]
    with pytest.raises(ValueError, match="was not compiled"):
        fit(gan, pairs, steps=2, loss=None)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(1e-3))
    with pytest.raises(ValueError, match="pass loss= too"):
        fit(gan, pairs, steps=2, loss=None, optimizer=keras.optimizers.Adam(1e-3))
    g_before = gen.get_weights()[0].copy()
    history = fit(gan, pairs, steps=4, epochs=2, loss=None, lr_patch=8, batch_size=4)  # Y patches: the generator's
    assert len(history["d_loss"]) == 2 and int(gan.g_optimizer.iterations) == int(gan.d_optimizer.iterations) == 4
    assert not np.allclose(gen.get_weights()[0], g_before)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", ["l1", "l2", "charbonnier", "ssim", "ms-ssim", "mixed", "gradient", "fft"])
def test_losses_take_mixed_precision_outputs(pair, name, dtype):
    import tensorflow as tf

    a, b = pair
    loss = losses.get(name)
    half = tf.cast(b, dtype)  # a mixed-precision model's output against float32 targets
    value = loss(a, half)
    assert value.dtype == tf.float32
    assert float(value) == pytest.approx(float(loss(a, tf.cast(half, tf.float32))), rel=1e-5, abs=1e-6)
    assert float(value) == pytest.approx(float(loss(a, b)), rel=0.05, abs=1e-3)


def test_ms_ssim_with_sizes_unknown_when_traced(pair):
    import tensorflow as tf

    # A graph runs its float32 kernels in another order than eager calls: 1 - MS-SSIM (~0.01, from a product
    # of five powers near 1) then differs by up to ~1e-6, which says nothing about the scales chosen. So the
    # graph with unknown sizes must equal the graph traced with the sizes known (same kernels, the scale count
    # chosen in Python), and the eager value to float32 rounding, far closer than to any other scale count.
    spec = tf.TensorSpec([None, None, None, 1], tf.float32)
    rounding = 1e-5
    for loss in (losses.ms_ssim_loss, losses.mixed_loss):
        traced, static = tf.function(loss, input_signature=[spec, spec]), tf.function(loss)
        rng = np.random.default_rng(1)
        for size in (24, 48, 200):  # 2, 3 and 5 scales, chosen when the graph runs
            a = rng.uniform(size=(1, size, size, 1)).astype(np.float32)
            b = np.clip(a + rng.normal(0, 0.05, a.shape), 0, 1).astype(np.float32)
            value = float(traced(a, b))
            assert value == pytest.approx(float(static(a, b)), rel=1e-6)
            assert value == pytest.approx(float(loss(a, b)), abs=rounding)
            n = losses.ms_ssim_scales(size)
            ms = [1 - float(losses._ms_ssim(a, b, k)) for k in range(1, n + 1)]  # 1 .. n scales, eager
            assert min(abs(ms[-1] - other) for other in ms[:-1]) > 5 * rounding, "scale counts must be told apart"
    with pytest.raises(ValueError, match="at least 11 x 11"):
        losses.ms_ssim_loss(pair[0][:, :8, :8], pair[1][:, :8, :8])


def test_random_features_leave_the_global_random_state_alone():
    import random

    import tensorflow as tf

    def draws():
        return random.random(), np.random.random(), float(tf.random.uniform(())), float(keras.random.uniform(()))

    keras.utils.set_random_seed(123)  # Python, NumPy, TensorFlow and Keras' global seed generator
    without = draws()
    keras.utils.set_random_seed(123)
    first, kind = losses.feature_extractor("random", layer="block2_conv2")
    assert kind == "random" and draws() == without
    second, _ = losses.feature_extractor("random", layer="block2_conv2")
    assert all(np.array_equal(u, v) for u, v in zip(first.get_weights(), second.get_weights()))
    other, _ = losses.feature_extractor("random", layer="block2_conv2", seed=1)
    assert not np.array_equal(first.get_weights()[0], other.get_weights()[0])


def test_discriminator_gives_one_logit_per_region():
    disc = losses.discriminator(channels=1, filters=8)
    assert disc(np.zeros((2, 48, 40, 1), np.float32)).shape == (2, 6, 5, 1)  # 8x smaller: one per region
    assert losses.discriminator(channels=3, filters=8)(np.zeros((1, 8, 8, 3), np.float32)).shape == (1, 1, 1, 1)
