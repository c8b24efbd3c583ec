"""A U-Net for SR (after Ronneberger, Fischer & Brox, "U-Net", MICCAI 2015, as suggested in the course's
seed article): an encoder-decoder on the LR image whose skip connections carry fine detail past the
bottleneck, then a sub-pixel upsampler and a global residual over bicubic. No pooling of the *output*:
the down-sampling only widens the receptive field, the skips restore full LR resolution."""

from __future__ import annotations

import keras
from keras import layers, ops

from .layers import DepthToSpace, Upsample


@keras.saving.register_keras_serializable(package="srkit")
class PadToMultiple(keras.layers.Layer):
    """Reflect-pad height and width at the bottom/right up to a multiple of ``multiple``."""

    def __init__(self, multiple: int, **kwargs):
        super().__init__(**kwargs)
        self.multiple = int(multiple)

    def call(self, x):
        shape = ops.shape(x)
        ph, pw = (-shape[1]) % self.multiple, (-shape[2]) % self.multiple
        return ops.pad(x, [[0, 0], [0, ph], [0, pw], [0, 0]], mode="reflect")

    def compute_output_shape(self, shape):
        return (shape[0], None, None, shape[3])

    def get_config(self):
        return {**super().get_config(), "multiple": self.multiple}


@keras.saving.register_keras_serializable(package="srkit")
class CropLike(keras.layers.Layer):
    """Crop the first input to the height and width of the second."""

    def call(self, inputs):
        x, like = inputs
        shape = ops.shape(like)
        return x[:, : shape[1], : shape[2], :]

    def compute_output_shape(self, shapes):
        return shapes[1][:3] + (shapes[0][3],)


def _conv(x, filters: int, name: str, strides: int = 1):
    # LeakyReLU, not ReLU: with ReLU and an L1 loss the decoder's units all died within ~50 steps here (they
    # output 0, so the net stayed exactly at bicubic); a small negative slope keeps gradients flowing.
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", name=name)(x)
    return layers.LeakyReLU(negative_slope=0.2, name=f"{name}_act")(x)


def _conv_block(x, filters: int, name: str):
    return _conv(_conv(x, filters, f"{name}_a"), filters, f"{name}_b")


def unet(scale: int = 3, *, filters: int = 32, levels: int = 2, channels: int = 1) -> keras.Model:
    """U-Net SR with ``levels`` down/up stages (``filters`` doubling per stage) and a sub-pixel tail."""
    x_in = keras.Input((None, None, channels))
    x = PadToMultiple(2**levels, name="pad")(x_in)
    skips = []
    for i in range(levels):
        x = _conv_block(x, filters * 2**i, name=f"down{i + 1}")
        skips.append(x)
        x = _conv(x, filters * 2 ** (i + 1), f"down{i + 1}_stride", strides=2)
    x = _conv_block(x, filters * 2**levels, name="bottleneck")
    for i in reversed(range(levels)):
        x = layers.Conv2DTranspose(filters * 2**i, 2, strides=2, name=f"up{i + 1}_transpose")(x)
        x = layers.Concatenate(name=f"up{i + 1}_skip")([x, skips[i]])
        x = _conv_block(x, filters * 2**i, name=f"up{i + 1}")
    x = layers.Conv2D(channels * scale**2, 3, padding="same", name="subpixel_conv")(x)
    x = DepthToSpace(scale, name="pixel_shuffle")(x)
    bicubic = Upsample(scale, name="bicubic")(x_in)
    x = CropLike(name="crop")([x, bicubic])
    return keras.Model(
        x_in, layers.Add(name="bicubic_residual")([bicubic, x]), name=f"unet_{levels}x{filters}_x{scale}"
    )
