"""Costs with TensorFlow / Keras built-ins; tf.GradientTape supplies the gradients.

Keras losses average over the last axis before their batch reduction, so these
functions ask Keras (or tf.nn) for element-wise losses, one per entry, and reduce
them the way torch does.
"""

import keras
import tensorflow as tf


def _reduce(losses, reduction):
    """torch's reductions over element-wise losses: "none", "mean" or "sum"."""
    if reduction == "none":
        return losses
    return tf.reduce_sum(losses) if reduction == "sum" else tf.reduce_mean(losses)


def binary_cross_entropy(p, y, *, reduction="mean", weight=None):
    losses = keras.ops.binary_crossentropy(y, p)  # clips p to [1e-7, 1 - 1e-7]
    if weight is not None:
        losses = losses * weight  # torch's weight: Keras's sample_weight, one factor per element
    return _reduce(losses, reduction)


def mse(y_pred, y_true, *, reduction="mean"):
    # keras.losses.mean_squared_error would average over the last axis: take the squares.
    return _reduce(tf.math.squared_difference(y_pred, y_true), reduction)


def half_squared_error(y_pred, y_true, *, reduction="mean"):
    if reduction == "sum":
        return tf.nn.l2_loss(y_pred - y_true)  # sum(t ** 2) / 2
    return _reduce(0.5 * tf.math.squared_difference(y_pred, y_true), reduction)


def binary_cross_entropy_with_logits(z, y, *, reduction="mean"):
    # max(z, 0) - z * y + log(1 + exp(-|z|)); labels come first, by keyword.
    return _reduce(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z), reduction)


def cross_entropy(logits, target, *, reduction="mean", weight=None, ignore_index=-100, label_smoothing=0.0):
    axis = 1 if logits.shape.rank > 1 else 0
    n_classes = logits.shape[axis]
    probabilities = target.dtype.is_floating and target.shape == logits.shape
    if weight is not None and (probabilities or label_smoothing):
        raise NotImplementedError("Keras has no class weight inside the sum over classes (sample skips say so)")
    logits = keras.ops.moveaxis(logits, axis, -1)  # torch's class axis 1 -> Keras's last
    if probabilities:
        labels = keras.ops.moveaxis(target, axis, -1)
        kept = tf.ones(labels.shape[:-1], logits.dtype)
    else:
        kept = tf.cast(target != ignore_index, logits.dtype)  # Keras's ignore_class as a mask of the positions kept
        labels = keras.ops.one_hot(tf.where(target == ignore_index, 0, target), n_classes, dtype=logits.dtype)
    # label_smoothing: Keras's own (1 - eps) t + eps / C; from_logits=True puts the softmax inside.
    losses = keras.losses.categorical_crossentropy(labels, logits, from_logits=True, label_smoothing=label_smoothing)
    sample_weight = kept if weight is None else kept * tf.gather(weight, tf.where(target == ignore_index, 0, target))
    losses = losses * sample_weight  # torch's class weight w[target] as Keras's sample_weight
    if reduction == "mean" and not probabilities:
        return tf.reduce_sum(losses) / tf.reduce_sum(sample_weight)  # torch's mean over the (weighted) kept positions
    return _reduce(losses, reduction)


def huber(y_pred, y_true, *, delta=1.0, reduction="mean"):
    # keras.losses.huber averages over the last axis: a trailing axis of 1 keeps one loss per element.
    return _reduce(keras.losses.huber(y_true[..., None], y_pred[..., None], delta=delta), reduction)


def smooth_l1(y_pred, y_true, *, beta=1.0, reduction="mean"):
    # Keras has no smooth L1: torch's is Huber(delta=beta) / beta (catalog huber-smooth-l1), and L1 for beta 0.
    if beta == 0:
        return _reduce(keras.losses.mean_absolute_error(y_true[..., None], y_pred[..., None]), reduction)
    return _reduce(keras.losses.huber(y_true[..., None], y_pred[..., None], delta=beta) / beta, reduction)


def kl_div(log_q, p, *, reduction="mean", log_target=False):
    # Keras's KL divergence takes probabilities, target first: q = exp(log q) (and p = exp(log p) with
    # log_target); it clips both to [1e-7, 1]. A trailing axis of 1 keeps one term per element.
    q = tf.exp(log_q)
    p = tf.exp(p) if log_target else p
    losses = keras.losses.kl_divergence(p[..., None], q[..., None])
    if reduction == "batchmean":
        return tf.reduce_sum(losses) / (log_q.shape[0] if log_q.shape.rank else 1)  # torch's sum / batch size
    return _reduce(losses, reduction)


def mse_loss_squeezed(y_pred, y_true):
    """keras.losses.MeanSquaredError()(y_true (N,), y_pred (N, 1)): Keras squeezes the trailing 1 first (catalog loss-broadcast)."""
    return keras.losses.MeanSquaredError()(y_true, y_pred)


def keras_categorical_crossentropy_default(logits, target):
    """keras.losses.CategoricalCrossentropy() with its defaults on one-hot targets and logits (catalog ce-targets)."""
    one_hot = keras.ops.one_hot(target, logits.shape[-1], dtype=logits.dtype)
    # from_logits=False: the logits are taken for probabilities, renormalised and clipped, no softmax.
    return keras.losses.CategoricalCrossentropy()(one_hot, logits)


def keras_kl_divergence(log_q, p):
    """keras.losses.KLDivergence()(p, q): probabilities, target first, summed over the last axis, batch mean (catalog kl-div-arguments)."""
    return keras.losses.KLDivergence()(p, tf.exp(log_q))  # Keras takes q itself, not log q
