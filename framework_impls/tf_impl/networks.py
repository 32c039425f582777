"""Training runs of the seed networks with Keras layers, tf.GradientTape and keras.optimizers.SGD.

The initial weights, data and batch order come in as tensors; each run copies the
weights into the layers (Keras kernels are (in, out): PyTorch's weight transposed),
then lets the tape and the optimiser do the rest. Keras layers are given the run's
dtype explicitly; they would compute in float32 otherwise.
"""

import keras
import tensorflow as tf


def dense_stack(dtype, *layers):
    """A Keras model of Dense layers ``(units, activation, use_bias)``, built for its input width later."""
    return keras.Sequential([keras.layers.Dense(u, activation=a, use_bias=bias, dtype=dtype) for u, a, bias in layers])


def load_weights(model, n_inputs, *tensors):
    """Build the model for ``n_inputs`` features and copy the given initial values into it, in order."""
    model.build((None, n_inputs))
    model.set_weights([t.numpy() for t in tensors])
    return model


def sgd_step(model, loss_of, lr, optimizer=None):
    """One step ``(x, y) -> loss`` of ``optimizer`` (plain SGD with ``lr`` by default), to be compiled by the caller."""
    optimizer = optimizer or keras.optimizers.SGD(learning_rate=lr)  # keeps lr in a float32 variable
    optimizer.build(model.trainable_variables)  # its variables exist before any tracing

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_of(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return step


def fit(step, batches):
    """Run the compiled ``step`` over ``batches`` (x, y); the loss of every step, shape (steps,)."""
    return tf.stack([step(x, y) for x, y in batches])


def fit_full_batch(model, loss_of, lr, x, y, steps):
    """``steps`` SGD steps on the whole of (x, y); the loss of every step, shape (steps,).

    A Python loop calling a compiled step pays TensorFlow's dispatch on every call;
    ``for i in tf.range(steps)`` inside a tf.function becomes one ``tf.while_loop``.
    """
    step = sgd_step(model, loss_of, lr)

    @tf.function
    def loop():
        losses = tf.TensorArray(x.dtype, size=steps)
        for i in tf.range(steps):
            losses = losses.write(i, step(x, y))
        return losses.stack()

    return loop()


def half_sum_of_squares(y, out):
    return 0.5 * tf.reduce_sum(tf.square(y - out))  # the tutorial's 1/2 sum (y - l2)^2


def bce_with_logits(y, z):
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z))


def accuracy(predicted, target, dtype):
    return tf.reduce_mean(tf.cast(predicted == target, dtype))


def three_layer_network_training(x, y, syn0, syn1, *, steps, lr=1.0):
    model = dense_stack(x.dtype, (syn0.shape[1], "sigmoid", False), (1, "sigmoid", False))
    load_weights(model, syn0.shape[0], syn0, syn1)  # the tutorial's (in, out) layout is Keras's
    loss = fit_full_batch(model, half_sum_of_squares, lr, x, y, steps)
    first, last = model.layers
    return {"loss": loss, "syn0": first.kernel, "syn1": last.kernel, "prediction": model(x)}


def logistic_regression_training(X, Y, w, b, *, steps, lr):
    model = load_weights(dense_stack(X.dtype, (1, None, True)), X.shape[0], w, tf.reshape(b, [1]))
    examples, labels = tf.transpose(X), tf.transpose(Y)  # course's (n_x, m) columns -> Keras's (m, n_x) rows
    loss = fit_full_batch(model, bce_with_logits, lr, examples, labels, steps)
    layer = model.layers[0]
    return {
        "loss": loss, "w": layer.kernel, "b": tf.reshape(layer.bias, [1, 1]),
        "accuracy": accuracy(model(examples) > 0, labels == 1, X.dtype),
    }


def xor_network_training(x, y, w1, b1, w2, b2, *, steps, lr):
    model = dense_stack(x.dtype, (w1.shape[0], "sigmoid", True), (1, None, True))
    load_weights(model, 2, tf.transpose(w1), b1, tf.transpose(w2), b2)  # torch (out, in) -> Keras (in, out)
    loss = fit_full_batch(model, bce_with_logits, lr, x, y, steps)
    first, last = model.layers
    return {
        "loss": loss, "w1": tf.transpose(first.kernel), "b1": first.bias, "w2": tf.transpose(last.kernel),
        "b2": last.bias, "accuracy": accuracy(model(x) > 0, y == 1, x.dtype),
    }


def digits_mlp_training(x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2, *, lr, batch_size):
    dtype = x_train.dtype
    model = dense_stack(dtype, (w1.shape[0], "relu", True), (10, None, True))
    load_weights(model, 64, tf.transpose(w1), b1, tf.transpose(w2), b2)  # torch (out, in) -> Keras (in, out)
    loss_of = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype=dtype)
    # Eager Keras costs about 10 ms a step, a tf.function 0.2 ms; one trace per batch shape.
    step = tf.function(sgd_step(model, loss_of, lr), reduce_retracing=True)
    losses, val_accuracy = [], []
    for epoch_order in order:
        # The same batches as NumPy, in the same order (model.fit would reshuffle with TF's RNG).
        batch_rows = [epoch_order[start : start + batch_size] for start in range(0, len(epoch_order), batch_size)]
        batches = [(tf.gather(x_train, rows), tf.gather(y_train, rows)) for rows in batch_rows]
        losses.append(fit(step, batches))
        val_accuracy.append(accuracy(tf.argmax(model(x_val), axis=1), y_val, dtype))
    first, last = model.layers
    return {
        "loss": tf.concat(losses, axis=0), "w1": tf.transpose(first.kernel), "b1": first.bias,
        "w2": tf.transpose(last.kernel), "b2": last.bias, "val_accuracy": tf.stack(val_accuracy),
        "test_accuracy": accuracy(tf.argmax(model(x_test), axis=1), y_test, dtype),
    }


def logistic_regression_final_w(X, Y, w, b, *, steps, lr):
    """The weights after :func:`logistic_regression_training` (catalog entry keras-lr-float32)."""
    return logistic_regression_training(X, Y, w, b, steps=steps, lr=lr)["w"]  # lr passes through a float32 variable
