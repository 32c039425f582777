"""The first chapters of the curriculum with keras.layers.Dense, tf.GradientTape and keras.optimizers.SGD.

The initial weights and the data come in as tensors; each run copies the weights into
Dense layers (Keras kernels are (in, out): PyTorch's weight transposed), then lets the
tape and the optimiser do the rest, every step inside one tf.function loop.
"""

import keras
import tensorflow as tf

from framework_impls.tf_impl.networks import accuracy, bce_with_logits, dense_stack, fit_full_batch, load_weights
from framework_impls.tf_impl.normalization import min_max_normalize


def mean_squared_error(y, prediction):
    return tf.reduce_mean(keras.losses.mean_squared_error(y, prediction))  # per row over the last axis, then the batch


def linear_regression_training(x, y, w, b, *, steps, lr):
    features = min_max_normalize(x, axis=0)
    model = load_weights(dense_stack(x.dtype, (1, None, True)), x.shape[1], tf.transpose(w), b)  # (out, in) -> (in, out)
    loss = fit_full_batch(model, mean_squared_error, lr, features, y, steps)
    layer = model.layers[0]
    return {"loss": loss, "w": tf.transpose(layer.kernel), "b": layer.bias}


def normal_equation(x, y):
    features = min_max_normalize(x, axis=0)
    design = tf.concat([features, tf.ones_like(features[:, :1])], axis=1)  # a column of ones for the bias
    # fast=False: a complete orthogonal decomposition. The default fast=True solves the normal
    # equations A^T A theta = A^T y by Cholesky, squaring the condition number (see the note).
    theta = tf.linalg.lstsq(design, y, fast=False)
    w, b = tf.transpose(theta[:-1]), theta[-1]
    return {"w": w, "b": b, "mse": mean_squared_error(y, features @ tf.transpose(w) + b)}


def logic_gates_training(x, y, w, b, *, steps, lr):
    model = load_weights(dense_stack(x.dtype, (1, None, True)), 2, tf.transpose(w), b)  # (out, in) -> (in, out)
    loss = fit_full_batch(model, bce_with_logits, lr, x, y, steps)
    layer = model.layers[0]
    return {"loss": loss, "w": tf.transpose(layer.kernel), "b": layer.bias,
            "accuracy": accuracy(model(x) > 0, y == 1, x.dtype)}


def softmax_regression_training(x_train, y_train, x_test, y_test, w, b, *, steps, lr):
    dtype = x_train.dtype
    model = load_weights(dense_stack(dtype, (w.shape[0], None, True)), w.shape[1], tf.transpose(w), b)
    loss_of = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype=dtype)  # integer labels, logits
    loss = fit_full_batch(model, loss_of, lr, x_train, y_train, steps)
    layer = model.layers[0]
    return {
        "loss": loss, "w": tf.transpose(layer.kernel), "b": layer.bias,
        "train_accuracy": accuracy(tf.argmax(model(x_train), axis=1), y_train, dtype),
        "test_accuracy": accuracy(tf.argmax(model(x_test), axis=1), y_test, dtype),
    }


def nonlinear_regression_training(x, y, w1, b1, w2, b2, *, steps, lr):
    model = dense_stack(x.dtype, (w1.shape[0], "tanh", True), (1, None, True))
    load_weights(model, 1, tf.transpose(w1), b1, tf.transpose(w2), b2)  # torch (out, in) -> Keras (in, out)
    loss = fit_full_batch(model, mean_squared_error, lr, x, y, steps)
    first, last = model.layers
    return {"loss": loss, "w1": tf.transpose(first.kernel), "b1": first.bias, "w2": tf.transpose(last.kernel),
            "b2": last.bias, "mse": mean_squared_error(y, model(x))}
