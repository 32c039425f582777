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
