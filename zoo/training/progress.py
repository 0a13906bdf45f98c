"""What a training run prints while it trains: Keras' progress bar, counting within the epoch and short.

Keras 3.15 reports the end of a compiled execution as ``step + steps_per_execution - 1`` even when the epoch's
last execution is shorter (``keras/src/trainers/epoch_iterator.py``, keras-team/keras#20861, fix proposed in
#21422), so with the zoo's ``steps_per_execution`` the bar counts past its total (``32/57``, ``64/57``, then
``57/57``). :class:`Progress` clamps the step to the epoch's total; ``tests/test_train.py`` checks that Keras
still needs it. It also leaves out of the epoch line the metrics only the run's CSV log needs (:data:`UNSHOWN`).
"""

from __future__ import annotations

import keras

UNSHOWN = ("epoch_time",)  # kept in the run's log.csv (runs.EpochTimer); too long for an 80-column epoch line


class Progress(keras.callbacks.ProgbarLogger):
    """Keras' progress bar (``verbose=1``) or epoch line (``verbose=2``), never past the epoch's steps."""

    def on_train_batch_end(self, batch, logs=None):
        if self.target is not None:
            batch = min(batch, self.target - 1)
        super().on_train_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, {k: v for k, v in (logs or {}).items() if k not in UNSHOWN})
