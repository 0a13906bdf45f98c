"""Distribution strategies, and the training loop the driver owns for multi-worker runs.

``strategy="mirrored"`` is ``tf.distribute.MirroredStrategy`` (all local GPUs) and trains with
``model.fit``. ``strategy="multi_worker"`` is ``MultiWorkerMirroredStrategy``, configured by
``TF_CONFIG``; Keras 3's ``model.fit`` fails under it (keras-team/keras#20585, "Attempt to convert
a value (PerReplica...)"), so :func:`fit_multi_worker` runs the epochs itself with
``strategy.experimental_distribute_dataset``, ``strategy.run`` and ``strategy.reduce``, calling
the same callbacks (checkpoints, logs, progress bar) as ``model.fit``.
"""

from __future__ import annotations

import json
import os

from zoo.checks import check_choice

STRATEGIES = (None, "mirrored", "multi_worker")


def make_strategy(name: str | None):
    """The ``tf.distribute`` strategy named ``name`` (None: the default, single device).

    Example::

        >>> make_strategy("mirrored").num_replicas_in_sync
        1
    """
    check_choice("strategy", name, STRATEGIES)
    if name is None:
        return None
    if name == "multi_worker" and not os.environ.get("TF_CONFIG"):
        raise ValueError("strategy='multi_worker' needs TF_CONFIG: set it on every machine to "
                         '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", '
                         '"index": I}} (see docs/distributed.md)')
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    return tf.distribute.MultiWorkerMirroredStrategy()


def worker_index() -> int:
    """This process's rank in ``TF_CONFIG`` (0 for the chief, and without ``TF_CONFIG``)."""
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    task = config.get("task", {})
    cluster = config.get("cluster", {})
    if task.get("type") == "chief" or not task:
        return 0
    offset = len(cluster.get("chief", [])) if task.get("type") == "worker" else 0
    return offset + int(task.get("index", 0))


def is_multi_worker(strategy) -> bool:
    """Whether ``strategy`` spans several processes (so ``model.fit`` cannot be used)."""
    return type(strategy).__name__.startswith("MultiWorkerMirroredStrategy") or (
        strategy is not None and getattr(strategy.extended, "_num_workers", 1) > 1)


def fit_multi_worker(model, strategy, train, validation, *, epochs: int, initial_epoch: int, steps_per_epoch: int,
                     global_batch_size: int, callbacks: list, verbose: int):
    """Train ``model`` (compiled, built under ``strategy.scope()``) the way ``model.fit`` would.

    ``train`` must repeat and drop the remainder, so every worker runs ``steps_per_epoch`` full
    steps; logs are ``loss`` and ``accuracy`` (and ``val_`` ones), reduced over all workers.

    :return: the ``keras.callbacks.History``.
    """
    import keras
    import tensorflow as tf

    optimizer = model.optimizer
    loss_fn = model.loss  # a loss function gives per-example values; a Loss object is made to
    if isinstance(loss_fn, keras.losses.Loss):
        loss_fn = loss_fn.__class__.from_config({**loss_fn.get_config(), "reduction": "none"})
    variables = model.trainable_variables

    def accuracy_count(y, pred):
        labels = tf.argmax(y, -1) if y.shape.rank == 2 else tf.reshape(tf.cast(y, tf.int64), [-1])
        return tf.reduce_sum(tf.cast(tf.equal(tf.argmax(pred, -1), labels), tf.float32))

    def replica_train(x, y):
        with tf.GradientTape() as tape:
            pred = model(x, training=True)
            loss = tf.nn.compute_average_loss(tf.cast(loss_fn(y, pred), tf.float32),
                                              global_batch_size=global_batch_size)
            if model.losses:
                loss += tf.nn.scale_regularization_loss(tf.add_n([tf.cast(l, tf.float32) for l in model.losses]))
            scaled = optimizer.scale_loss(loss) if hasattr(optimizer, "scale_loss") else loss
        optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        return loss, accuracy_count(y, pred)

    def replica_eval(x, y):
        pred = model(x, training=False)
        return (tf.reduce_sum(tf.cast(loss_fn(y, pred), tf.float32)), accuracy_count(y, pred),
                tf.cast(tf.shape(pred)[0], tf.float32))

    def reduce(values):
        return [strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None) for v in values]

    @tf.function
    def train_step(iterator):
        x, y = next(iterator)
        return reduce(strategy.run(replica_train, args=(x, y)))

    @tf.function
    def eval_step(x, y):
        return reduce(strategy.run(replica_eval, args=(x, y)))

    def evaluate(dataset):
        totals = [0.0, 0.0, 0.0]
        for x, y in strategy.experimental_distribute_dataset(dataset):
            totals = [t + float(v) for t, v in zip(totals, eval_step(x, y))]
        return {"val_loss": totals[0] / max(totals[2], 1), "val_accuracy": totals[1] / max(totals[2], 1)}

    options = tf.data.Options()  # in-memory data has no files to shard: each worker takes its share of batches
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    train = train.with_options(options)
    validation = validation.with_options(options) if validation is not None else None

    callback_list = keras.callbacks.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                                 verbose=verbose, epochs=epochs, steps=steps_per_epoch, model=model)
    iterator = iter(strategy.experimental_distribute_dataset(train))
    model.stop_training = False
    callback_list.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        callback_list.on_epoch_begin(epoch)
        loss_sum, correct = 0.0, 0.0
        for step in range(steps_per_epoch):
            callback_list.on_train_batch_begin(step)
            loss, hits = train_step(iterator)
            loss_sum, correct = loss_sum + float(loss), correct + float(hits)
            logs = {"loss": loss_sum / (step + 1), "accuracy": correct / ((step + 1) * global_batch_size)}
            callback_list.on_train_batch_end(step, logs)
        if validation is not None:
            logs.update(evaluate(validation))
        callback_list.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback_list.on_train_end(logs if epochs > initial_epoch else {})
    return model.history
