"""L2 regularisation with Keras: an L2 penalty in the loss, differentiated by the tape."""

import keras
import tensorflow as tf


def sgd_weight_decay(theta0, grads, *, lr, weight_decay):
    theta = keras.Variable(theta0, dtype=theta0.dtype.name)
    # keras L2(l) adds l * sum(theta**2) (gradient 2 l theta): torch's weight_decay is 2 l.
    penalty = keras.regularizers.L2(weight_decay / 2)
    optimizer = keras.optimizers.SGD(learning_rate=lr)
    rows = []
    for g in grads:
        with tf.GradientTape() as tape:
            # A loss whose gradient is g (fed), plus the penalty.
            loss = tf.reduce_sum(g * theta.value) + penalty(theta.value)
        optimizer.apply_gradients([(tape.gradient(loss, theta.value), theta)])
        rows.append(tf.identity(theta.value))
    return {"theta": tf.stack(rows)}


# Catalog sides (comparisons/divergences/layers.py): a side returns one array, the trajectory.


def sgd_weight_decay_trajectory(theta0, grads, *, lr, weight_decay):
    """:func:`sgd_weight_decay`'s parameter after each step, (steps, *theta0.shape)."""
    return sgd_weight_decay(theta0, grads, lr=lr, weight_decay=weight_decay)["theta"]


def adam_weight_decay(theta0, grads, *, lr, weight_decay, beta1, beta2, eps):
    """keras.optimizers.Adam(weight_decay=...) fed ``grads``: the parameter after each step."""
    theta = keras.Variable(theta0, dtype=theta0.dtype.name)
    # Keras's weight_decay is decoupled (AdamW): theta -= lr * weight_decay * theta, outside the adaptive step.
    optimizer = keras.optimizers.Adam(
        learning_rate=lr, beta_1=beta1, beta_2=beta2, epsilon=eps, weight_decay=weight_decay
    )
    rows = []
    for g in grads:
        optimizer.apply_gradients([(g, theta)])
        rows.append(tf.identity(theta.value))
    return tf.stack(rows)
