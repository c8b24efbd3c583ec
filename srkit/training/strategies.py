"""Scaling out: ``tf.distribute`` strategies by name, and the custom loop that drives multi-worker training."""

from __future__ import annotations

import json
import os

import numpy as np

STRATEGIES = ("default", "mirrored", "multi-worker", "tpu")


def make_strategy(name: str = "default", *, logical_cpus: int | None = None):
    """A ``tf.distribute`` strategy by name (synchronous data parallelism: every replica holds the whole model,
    gets a slice of each batch, and the gradients are summed across replicas before each update).

    ``default``      one device (no distribution);
    ``mirrored``     ``MirroredStrategy`` over all GPUs, or over the CPU's logical devices when there is no GPU;
                     ``logical_cpus=N`` first splits the CPU into N logical devices -- this must happen before
                     TensorFlow starts (a fresh process), e.g. ``python -m srkit.train ... --logical-cpus 2``;
    ``multi-worker`` ``MultiWorkerMirroredStrategy``: one process per worker, the cluster and this worker's
                     index read from ``TF_CONFIG`` (collective all-reduce over the network);
    ``tpu``          ``TPUStrategy`` on the TPU named by ``TPU_NAME`` / ``COLAB_TPU_ADDR``, else on the TPU attached
                     to this machine (a TPU VM, as Colab's TPU runtimes now are: ``TPUClusterResolver(tpu="local")``).
    """
    import tensorflow as tf

    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; choose one of {STRATEGIES}")
    if logical_cpus is not None:
        if name != "mirrored" or logical_cpus < 1:
            raise ValueError("logical_cpus (a positive number) only applies to the 'mirrored' strategy")
        cpu = tf.config.list_physical_devices("CPU")[0]
        try:
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus)
        except RuntimeError:
            raise RuntimeError(
                "TensorFlow has already started in this process: logical CPU devices must be made "
                "first (run `python -m srkit.train ... --logical-cpus N` in a fresh process)"
            ) from None
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        return tf.distribute.MirroredStrategy(devices)
    if name == "multi-worker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError(
                "the multi-worker strategy needs TF_CONFIG, e.g. "
                '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}}'
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    try:
        # a TPU by name or address (Cloud TPU nodes, the older Colab runtime), else the TPU attached to this
        # machine: Colab's TPU runtimes are TPU VMs, where the resolver needs tpu="local"
        named = os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR")
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=None if named else "local")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        raise RuntimeError(
            f"no TPU found ({str(error).splitlines()[0] if str(error) else type(error).__name__}): "
            "choose a TPU runtime on Colab, or another strategy"
        ) from None
    return tf.distribute.TPUStrategy(resolver)


def worker_index() -> int:
    """This process's index in a multi-worker cluster (``TF_CONFIG``), 0 otherwise."""
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    return int(config.get("task", {}).get("index", 0))


def fit_multi_worker(model, ds, strategy, *, epochs: int, steps_per_epoch: int, callbacks: list, verbose: int):
    """``model.fit`` for ``MultiWorkerMirroredStrategy``, which Keras 3's ``fit`` cannot drive yet (it all-reduces
    a data batch eagerly before training: keras-team/keras#20585). This is the standard tf.distribute custom
    loop: every worker takes its shard of each global batch, computes the gradient of its share of the
    batch-mean loss (``tf.nn.compute_average_loss``), the optimizer sums the gradients over all replicas, and
    every worker applies the same update. Callbacks get the same epoch events as in ``fit`` (no resumable
    backups or TensorBoard here). Returns a ``keras.callbacks.History``."""
    import keras
    import tensorflow as tf

    loss_fn = keras.losses.get(model.loss)
    global_batch = int(ds.element_spec[0].shape[0])
    iterator = iter(strategy.experimental_distribute_dataset(ds))
    with strategy.scope():
        model.optimizer.build(model.trainable_variables)

    def replica_step(lr, hr):
        with tf.GradientTape() as tape:
            per_pixel = loss_fn(hr, tf.cast(model(lr, training=True), tf.float32))  # (batch, H, W)
            per_example = tf.reduce_mean(tf.reshape(per_pixel, [tf.shape(per_pixel)[0], -1]), axis=1)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
            # mixed_float16 wraps the optimizer in a LossScaleOptimizer, which divides the gradients by the
            # loss scale: the loss must be multiplied by it first (fit() does this; a custom loop must too)
            scaled = model.optimizer.scale_loss(loss)
        model.optimizer.apply_gradients(
            zip(tape.gradient(scaled, model.trainable_variables), model.trainable_variables)
        )
        return loss

    @tf.function
    def train_step(it):
        return strategy.reduce("SUM", strategy.run(replica_step, args=next(it)), axis=None)

    history = keras.callbacks.History()
    callback_list = keras.callbacks.CallbackList(
        [*callbacks, history], model=model, epochs=epochs, steps=steps_per_epoch, verbose=verbose
    )
    callback_list.on_train_begin()
    for epoch in range(epochs):
        callback_list.on_epoch_begin(epoch)
        losses = [float(train_step(iterator)) for _ in range(steps_per_epoch)]
        logs = {"loss": float(np.mean(losses))}
        callback_list.on_epoch_end(epoch, logs)
        if verbose:
            shown = [f"loss {logs['loss']:.5f}"] + [f"{k} {logs[k]:.4f}" for k in ("val_psnr", "val_ssim") if k in logs]
            print(f"epoch {epoch + 1}/{epochs} - " + " - ".join(shown))
    callback_list.on_train_end()
    return history
