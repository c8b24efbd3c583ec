"""Speed: milliseconds per output frame, tf.data batches per second, training steps per second (of srkit's
pipeline and presets, or of any dataset and compiled model)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from .. import data
from .._util import positive_int


def frame_speed(
    name: str, width: int = 1920, height: int = 1080, repeats: int = 10, *, mixed_precision: bool = False
) -> dict:
    """Median milliseconds for one output frame of ``width`` x ``height``: the network alone (on a float32
    LR tensor, as OpenCV's dnn_superres times it) in TensorFlow, with XLA compilation, and in TensorFlow Lite
    (:mod:`srkit.export`); and the whole ``srkit.upscale`` of an RGB uint8 frame (colour conversion and
    bicubic chroma included). ``mixed_precision`` adds the network in ``mixed_float16`` with XLA
    (:func:`srkit.export.with_dtype_policy`; a GPU feature -- on a CPU float16 is emulated) and its largest
    difference from float32 on that frame."""
    import numpy as np
    import tensorflow as tf

    from .. import models, pretrained
    from ..export import TFLiteModel, to_tflite
    from ..inference import upscale

    model, scale = pretrained.load(name), pretrained.info(name)["scale"]
    if width % scale or height % scale:
        raise ValueError(f"{width}x{height} is not a multiple of the scale {scale}")

    channels = model.input_shape[-1]
    shape = (
        (1, height, width, channels)
        if models.REGISTRY[pretrained.info(name)["architecture"]].pre_upsampled
        else (1, height // scale, width // scale, channels)
    )
    x = tf.constant(np.random.default_rng(0).random(shape, dtype=np.float32))
    plain = tf.function(lambda t: model(t, training=False))
    xla = tf.function(lambda t: model(t, training=False), jit_compile=True)
    lite, x_np = TFLiteModel(to_tflite(model)), x.numpy()

    def median_ms(fn) -> float:
        fn()  # warm-up: tracing and compilation are not part of the per-frame time
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return 1000 * float(np.median(times))

    frame = np.random.default_rng(1).integers(0, 256, (height // scale, width // scale, 3), dtype=np.uint8)
    result = dict(
        model=name,
        output=f"{width}x{height}",
        device="GPU" if tf.config.list_logical_devices("GPU") else "CPU",
        network_ms=median_ms(lambda: plain(x).numpy()),
        network_xla_ms=median_ms(lambda: xla(x).numpy()),
        network_tflite_ms=median_ms(lambda: lite(x_np)),
        upscale_ms=median_ms(lambda: upscale(frame, model=model, scale=scale, tile=None)),
    )
    if mixed_precision:
        from ..export import with_dtype_policy

        half = with_dtype_policy(model, "mixed_float16")
        mixed = tf.function(lambda t: tf.cast(half(t, training=False), tf.float32), jit_compile=True)
        result["network_mixed_ms"] = median_ms(lambda: mixed(x).numpy())
        result["mixed_max_error"] = float(np.abs(mixed(x).numpy() - plain(x).numpy()).max())
    return result


def pipeline_throughput(
    scale: int = 3,
    patch_size: int = 48,
    batch_size: int = 16,
    batches: int = 500,
    color: str = "rgb",
    upsample_input: bool = False,
) -> float:
    """Batches per second that :func:`srkit.data.patch_dataset` delivers on the bundled training split."""
    pairs = data.make_pairs(data.bundled("train"), scale)
    ds = data.patch_dataset(
        pairs,
        scale=scale,
        patch_size=patch_size,
        batch_size=batch_size,
        color=color,
        upsample_input=upsample_input,
        seed=0,
    )
    return batches_per_second(ds, batches)


def batches_per_second(dataset, batches: int = 500, *, warmup: int = 20) -> float:
    """Batches per second that any iterable ``dataset`` (a tf.data pipeline) delivers, over ``batches`` batches
    after ``warmup`` more (which fill caches and prefetch buffers)."""
    batches, iterator = positive_int(batches, "batches"), iter(dataset)
    for _ in range(warmup):
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches / (time.perf_counter() - start)


def fit_steps_per_second(model, dataset, steps: int) -> float:
    """Training steps per second of a compiled Keras ``model`` on ``dataset`` (batches of ``(x, y)``, repeated),
    timed over whole calls of ``model.steps_per_execution`` steps (``steps`` is rounded up to a multiple: Keras
    runs every call in full) after one call that traces and compiles."""
    per_call = int(getattr(model, "steps_per_execution", 1) or 1)
    steps = -(-positive_int(steps, "steps") // per_call) * per_call
    model.fit(dataset, epochs=1, steps_per_epoch=per_call, verbose=0, shuffle=False)  # tracing, XLA, buffers
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    return steps / (time.perf_counter() - start)


def training_speed(
    preset_name: str = "edsr-medium-x3", precisions: Sequence[str] = ("float32", "mixed_bfloat16"), steps: int = 64
) -> list[dict]:
    """Training steps per second of a :mod:`srkit.train` preset (its model, patch and batch size, compiled as
    ``train`` compiles it) in each Keras dtype policy, on one fixed random batch (the tf.data pipeline is
    measured by :func:`pipeline_throughput`). Mixed bfloat16 pays off on CPUs with AMX (Xeon 4th gen+)."""
    import keras
    import tensorflow as tf

    from .. import models, train

    steps = positive_int(steps, "steps")
    p = train.preset(preset_name)
    # steps per call as train picks them (a divisor of the steps: Keras runs every call in full, so 40 steps at
    # 32 per call would run 64 and the rate would divide the time of 64 steps by 40)
    _, _, per_call = train.split_steps(steps, epochs=1)
    rows = []
    for precision in precisions:
        model = train.build_model(p, precision)
        lr = tf.random.stateless_uniform((p.batch_size, p.lr_patch, p.lr_patch, model.input_shape[-1]), (0, 0))
        if models.REGISTRY[p.model].pre_upsampled:
            lr = tf.image.resize(lr, (p.lr_patch * p.scale,) * 2)
        hr = tf.random.stateless_uniform((p.batch_size,) + tuple(model(lr[:1]).shape[1:]), (0, 1))
        ds = tf.data.Dataset.from_tensors((lr, hr)).repeat()
        model.compile(
            optimizer=keras.optimizers.Adam(1e-4),
            loss="mae",
            jit_compile=train.use_xla(precision),
            steps_per_execution=per_call,
        )
        rows.append(
            dict(
                preset=preset_name,
                precision=precision,
                xla=train.use_xla(precision),
                steps_per_s=fit_steps_per_second(model, ds, steps),
            )
        )
    return rows
