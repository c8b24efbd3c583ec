"""Loss functions for SR training, as plain ``loss(y_true, y_pred)`` callables for ``model.compile``.

Images are float batches N x H x W x C in [0, 1]. Pixel losses: :func:`l2` (MSE, = PSNR, lesson 04),
:func:`l1` (EDSR), :func:`charbonnier` (LapSRN). Structural: :func:`ssim_loss`, :func:`ms_ssim_loss`,
:func:`mixed_loss` (Zhao et al.). Edges and frequencies: :func:`gradient_loss`, :func:`fft_loss`.
Feature space: :class:`PerceptualLoss` on VGG19 features (Johnson et al.; SRGAN) when the ImageNet weights
can be had, otherwise -- saying so -- on a fixed random-weight network. Adversarial: :class:`SRGAN`, a
``keras.Model`` whose ``train_step`` alternates discriminator and generator updates, so ``fit`` and its
callbacks work unchanged.
"""

from __future__ import annotations

import warnings

import keras
from keras import layers, ops

__all__ = [
    "l1",
    "l2",
    "charbonnier",
    "ssim_loss",
    "ms_ssim_loss",
    "mixed_loss",
    "gradient_loss",
    "fft_loss",
    "ms_ssim_scales",
    "feature_extractor",
    "PerceptualLoss",
    "discriminator",
    "SRGAN",
    "get",
]


def _float32(*images):
    """The images as float32 tensors: a mixed-precision model's bfloat16/float16 output against float32 targets
    (Micikevicius et al., ICLR 2018: losses are computed in float32). A cast, not ``convert_to_tensor``, which
    refuses a tensor of another dtype."""
    return tuple(ops.cast(x, "float32") for x in images)


def l2(y_true, y_pred):
    """Mean squared error: minimising it maximises PSNR (SRCNN, Dong et al. 2014)."""
    y_true, y_pred = _float32(y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred))


def l1(y_true, y_pred):
    """Mean absolute error (EDSR, Lim et al. 2017: trains better than L2 for SR; Zhao et al., IEEE TCI 2017)."""
    y_true, y_pred = _float32(y_true, y_pred)
    return ops.mean(ops.abs(y_true - y_pred))


def charbonnier(y_true, y_pred, eps: float = 1e-3):
    """sqrt((y - x)^2 + eps^2): a differentiable L1 (LapSRN, Lai et al., CVPR 2017)."""
    y_true, y_pred = _float32(y_true, y_pred)
    return ops.mean(ops.sqrt(ops.square(y_true - y_pred) + eps * eps))


def _tf():
    import tensorflow as tf

    return tf


def ssim_loss(y_true, y_pred):
    """1 - SSIM (Gaussian window 11, sigma 1.5, Wang et al. 2004), on every channel; [0, 1] images."""
    y_true, y_pred = _float32(y_true, y_pred)
    return 1.0 - ops.mean(_tf().image.ssim(y_true, y_pred, max_val=1.0))


_MS_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # Wang, Simoncelli & Bovik 2003


def ms_ssim_scales(size: int) -> int:
    """How many MS-SSIM scales fit a ``size`` x ``size`` patch: each scale halves it, and the smallest must
    still hold the 11 x 11 window (5 scales need >= 176 pixels)."""
    n = 1
    while n < len(_MS_WEIGHTS) and size // 2**n >= 11:
        n += 1
    return n


def _ms_ssim(y_true, y_pred, n: int):
    """Mean MS-SSIM over the first ``n`` scales, their weights renormalised to sum to 1."""
    tf = _tf()
    weights = [w / sum(_MS_WEIGHTS[:n]) for w in _MS_WEIGHTS[:n]]
    return ops.mean(
        tf.image.ssim_multiscale(
            tf.clip_by_value(y_true, 0, 1), tf.clip_by_value(y_pred, 0, 1), max_val=1.0, power_factors=weights
        )
    )


def ms_ssim_loss(y_true, y_pred):
    """1 - MS-SSIM (Wang, Simoncelli & Bovik 2003) with as many of the 5 standard scales as the patch allows
    (:func:`ms_ssim_scales`, weights renormalised). Patch sizes unknown when a graph is traced (a
    ``tf.function`` with ``[None, None, None, C]`` inputs) are read at run time and pick the scales then."""
    tf = _tf()
    y_true, y_pred = _float32(y_true, y_pred)
    height, width = y_true.shape[1], y_true.shape[2]
    if height is not None and width is not None:
        if min(height, width) < 11:
            raise ValueError(f"MS-SSIM needs patches of at least 11 x 11 pixels (its window), got {height} x {width}")
        return 1.0 - _ms_ssim(y_true, y_pred, ms_ssim_scales(min(height, width)))
    size = tf.reduce_min(tf.shape(y_true)[1:3])
    # ms_ssim_scales(size) - 1 in graph ops: one more scale for every halving that still holds the window
    extra = tf.reduce_sum(tf.cast(size // 2 ** tf.range(1, len(_MS_WEIGHTS)) >= 11, tf.int32))
    return 1.0 - tf.switch_case(
        extra, [lambda n=n: _ms_ssim(y_true, y_pred, n) for n in range(1, len(_MS_WEIGHTS) + 1)]
    )


def mixed_loss(y_true, y_pred, alpha: float = 0.84):
    """alpha * (1 - MS-SSIM) + (1 - alpha) * L1 (Zhao, Gallo, Frosio & Kautz, IEEE TCI 2017; their L1 term is
    weighted by a Gaussian window, this one is plain L1)."""
    return alpha * ms_ssim_loss(y_true, y_pred) + (1 - alpha) * l1(y_true, y_pred)


def gradient_loss(y_true, y_pred):
    """L1 between the Sobel gradients (x and y) of the two images: punishes blurred or misplaced edges."""
    tf = _tf()
    y_true, y_pred = _float32(y_true, y_pred)
    return ops.mean(ops.abs(tf.image.sobel_edges(y_true) - tf.image.sobel_edges(y_pred)))


def fft_loss(y_true, y_pred):
    """L1 between the magnitudes of the 2-D Fourier transforms: weighs the high frequencies that L2 lets blur."""
    tf = _tf()

    def spectrum(x):
        x = tf.transpose(x, [0, 3, 1, 2])  # FFT over the last two axes
        return tf.abs(tf.signal.fft2d(tf.cast(x, tf.complex64)))

    y_true, y_pred = _float32(y_true, y_pred)
    n = tf.cast(tf.shape(y_true)[1] * tf.shape(y_true)[2], tf.float32)
    return ops.mean(ops.abs(spectrum(y_true) - spectrum(y_pred))) / tf.sqrt(n)


def feature_extractor(kind: str = "vgg19", *, layer: str = "block5_conv4", seed: int = 0, allow_random: bool = True):
    """A frozen network mapping [0, 1] images (1 or 3 channels) to features, and the kind actually used.

    ``kind="vgg19"``: ImageNet VGG19 up to ``layer`` (SRGAN's "VGG54" is ``block5_conv4``, "VGG22"
    ``block2_conv2``); its weights are downloaded by Keras once (Colab, any machine online). Offline, with
    ``allow_random=True``, it warns and falls back to ``kind="random"``: the same VGG layers with fixed random
    weights. Random convolutional features still measure local structure (edges, texture statistics: He, Wang
    & Hopcroft, NeurIPS 2016), but they know nothing of natural images -- results differ from VGG's.
    Returns ``(model, kind_used)``.
    """
    if kind not in ("vgg19", "random"):
        raise ValueError(f"kind must be 'vgg19' or 'random', got {kind!r}")
    try:
        vgg = (
            keras.applications.VGG19(weights="imagenet", include_top=False, input_shape=(None, None, 3))
            if kind == "vgg19"
            else _random_vgg19(seed)
        )
    except Exception as error:  # no network, blocked download, corrupt cache
        if not allow_random:
            raise RuntimeError(
                f"ImageNet VGG19 weights are not available ({error}); pass allow_random=True "
                "to use random-weight features instead"
            ) from None
        warnings.warn(
            f"ImageNet VGG19 weights are not available here ({type(error).__name__}); the perceptual "
            "loss uses a VGG19 with fixed random weights instead (see srkit.losses.feature_extractor)",
            stacklevel=2,
        )
        return feature_extractor("random", layer=layer, seed=seed)
    vgg.trainable = False
    features = keras.Model(vgg.input, vgg.get_layer(layer).output, name=f"{kind}_{layer}")
    features.trainable = False
    return features, kind


#: VGG19's convolutional part (Simonyan & Zisserman, ICLR 2015, configuration E): filters and 3 x 3 convs per block
_VGG19_BLOCKS = ((64, 2), (128, 2), (256, 4), (512, 4), (512, 4))


def _random_vgg19(seed: int) -> keras.Model:
    """The layers of ``keras.applications.VGG19(include_top=False)`` (same names and shapes) with fixed random
    weights: Glorot-uniform kernels (Glorot & Bengio 2010) seeded ``seed``, ``seed + 1``, ... and zero biases.
    Seeded initializers draw statelessly: no global random state (Python, NumPy, TensorFlow, Keras) is read
    or changed, so the caller's random streams are the same with or without this call."""
    x_in = keras.Input((None, None, 3), name="input_layer")
    x, k = x_in, 0
    for block, (filters, convs) in enumerate(_VGG19_BLOCKS, start=1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(
                filters,
                3,
                padding="same",
                activation="relu",
                name=f"block{block}_conv{conv}",
                kernel_initializer=keras.initializers.GlorotUniform(seed=seed + k),
            )(x)
            k += 1
        x = layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)
    return keras.Model(x_in, x, name="vgg19")


class PerceptualLoss:
    """Mean squared distance between features of ``extractor`` (Johnson, Alahi & Fei-Fei, ECCV 2016; SRGAN,
    Ledig et al., CVPR 2017): gray/Y images are repeated to 3 channels and normalised as VGG expects."""

    def __init__(self, extractor=None, *, kind: str = "vgg19", layer: str = "block5_conv4"):
        if extractor is None:
            extractor, kind = feature_extractor(kind, layer=layer)
        self.extractor, self.kind = extractor, kind
        self.__name__ = f"perceptual_{kind}"

    def features(self, x):
        if x.shape[-1] == 1:
            x = ops.concatenate([x, x, x], axis=-1)
        # VGG's "caffe" preprocessing: BGR, 0..255, ImageNet mean subtracted
        x = ops.flip(x, axis=-1) * 255.0 - ops.convert_to_tensor([103.939, 116.779, 123.68], dtype=x.dtype)
        return self.extractor(x)

    def __call__(self, y_true, y_pred):
        y_true, y_pred = _float32(y_true, y_pred)
        return ops.mean(ops.square(self.features(y_true) - self.features(y_pred)))


def discriminator(channels: int = 1, filters: int = 32, name: str = "discriminator") -> keras.Model:
    """A small SRGAN-style discriminator (Ledig et al. 2017, Fig. 4, narrowed) that gives a verdict per
    region (PatchGAN, Isola et al., CVPR 2017): strided conv blocks with LeakyReLU and a 3 x 3 conv to one
    logit per position of a map 8x smaller than the input, each judging a 45 x 45-pixel region (real HR vs SR
    output). Any patch size of at least 8 pixels.

    SRGAN pooled its features into one logit per patch. Averaging over the patch before the verdict shrinks
    the difference between real and generated texture to a faint signal, so in a short run a small pooled
    discriminator often stays at chance and the generator is left almost unchanged. Lesson 10's 100-step run,
    PSNR lost against the same steps with L1 alone: pooled 0.07, 0.10, 0.13, 1.63, 1.73 dB (seeds 0-4),
    per region 0.33 to 1.81 dB (seeds 0-5).
    """
    x_in = keras.Input((None, None, channels))
    x = layers.Conv2D(filters, 3, padding="same")(x_in)
    x = layers.LeakyReLU(0.2)(x)
    for i, (mult, stride) in enumerate([(1, 2), (2, 1), (2, 2), (4, 1), (4, 2)]):
        x = layers.Conv2D(filters * mult, 3, strides=stride, padding="same", name=f"d_conv{i + 1}")(x)
        x = layers.LeakyReLU(0.2)(x)
    return keras.Model(x_in, layers.Conv2D(1, 3, padding="same", name="logit")(x), name=name)


class SRGAN(keras.Model):
    """Adversarial training (SRGAN, Ledig et al., CVPR 2017) as a ``keras.Model`` with its own ``train_step``:
    each batch updates the discriminator on real HR vs generated patches, then the generator on
    ``content_loss + adversarial_weight * adversarial loss`` (binary cross-entropy averaged over every logit
    the discriminator gives: one per patch, or one per region for :func:`discriminator`). ``fit``, callbacks
    and ``evaluate`` work as usual; ``predict``/calling the model runs the generator. Saving: save ``model.generator``.
    """

    def __init__(
        self, generator: keras.Model, disc: keras.Model, *, content_loss=l1, adversarial_weight: float = 1e-3, **kwargs
    ):
        super().__init__(**kwargs)
        self.generator, self.disc = generator, disc
        self.content_loss, self.adversarial_weight = content_loss, float(adversarial_weight)
        self._bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.trackers = {k: keras.metrics.Mean(name=k) for k in ("loss", "content", "adversarial", "d_loss")}

    def call(self, x, training=False):
        return self.generator(x, training=training)

    def compile(self, g_optimizer, d_optimizer, **kwargs):
        super().compile(**kwargs)
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer

    @property
    def metrics(self):
        return list(self.trackers.values())

    def train_step(self, data):
        tf = _tf()
        lr, hr = data
        with tf.GradientTape() as tape:
            sr = self.generator(lr, training=True)
            real, fake = self.disc(hr, training=True), self.disc(sr, training=True)
            d_loss = self._bce(tf.ones_like(real), real) + self._bce(tf.zeros_like(fake), fake)
        grads = tape.gradient(d_loss, self.disc.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.disc.trainable_weights))
        with tf.GradientTape() as tape:
            sr = self.generator(lr, training=True)
            content = self.content_loss(hr, sr)
            fooled = self.disc(sr, training=False)
            adversarial = self._bce(tf.ones_like(fooled), fooled)
            loss = content + self.adversarial_weight * adversarial
        grads = tape.gradient(loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        for key, value in (("loss", loss), ("content", content), ("adversarial", adversarial), ("d_loss", d_loss)):
            self.trackers[key].update_state(value)
        return {k: t.result() for k, t in self.trackers.items()}

    def test_step(self, data):
        lr, hr = data
        sr = self.generator(lr, training=False)
        self.trackers["content"].update_state(self.content_loss(hr, sr))
        return {"content": self.trackers["content"].result()}


_NAMED = {
    "l1": l1,
    "mae": l1,
    "l2": l2,
    "mse": l2,
    "charbonnier": charbonnier,
    "ssim": ssim_loss,
    "ms-ssim": ms_ssim_loss,
    "mixed": mixed_loss,
    "gradient": gradient_loss,
    "fft": fft_loss,
}


def get(name: str):
    """A loss by name: l1, l2, charbonnier, ssim, ms-ssim, mixed, gradient, fft."""
    if name not in _NAMED:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(_NAMED)}")
    return _NAMED[name]
