"""Regularisation with Keras: L2 and L1 penalties in the loss (keras.regularizers), differentiated by the tape."""

import keras
import tensorflow as tf

from framework_impls.tf_impl.networks import fit_full_batch, load_weights
from framework_impls.tf_impl.optimizers import apply_fed


def sgd_weight_decay(theta0, grads, *, lr, weight_decay):
    theta = keras.Variable(theta0, dtype=theta0.dtype.name)
    # keras L2(l) adds l * sum(theta**2) (gradient 2 l theta): torch's weight_decay is 2 l.
    penalty = keras.regularizers.L2(weight_decay / 2)
    optimizer = keras.optimizers.SGD(learning_rate=lr)
    optimizer.build([theta])  # slots exist before tracing

    @tf.function  # one graph for every step: an eager apply_gradients costs about 17 ms
    def step(g):
        with tf.GradientTape() as tape:
            # A loss whose gradient is g (fed), plus the penalty.
            loss = tf.reduce_sum(g * theta.value) + penalty(theta.value)
        optimizer.apply_gradients([(tape.gradient(loss, theta.value), theta)])
        return tf.identity(theta.value)

    return {"theta": tf.stack([step(g) for g in grads])}


# Catalog sides (comparisons/divergences/layers.py): a side returns one array, the trajectory.


def sgd_weight_decay_trajectory(theta0, grads, *, lr, weight_decay):
    """:func:`sgd_weight_decay`'s parameter after each step, (steps, *theta0.shape)."""
    return sgd_weight_decay(theta0, grads, lr=lr, weight_decay=weight_decay)["theta"]


def adam_weight_decay(theta0, grads, *, lr, weight_decay, beta1, beta2, eps):
    """keras.optimizers.Adam(weight_decay=...) fed ``grads``: the parameter after each step."""
    # Keras's weight_decay is decoupled (AdamW): theta -= lr * weight_decay * theta, outside the adaptive step.
    optimizer = keras.optimizers.Adam(
        learning_rate=lr, beta_1=beta1, beta_2=beta2, epsilon=eps, weight_decay=weight_decay
    )
    (trajectory,), _ = apply_fed(optimizer, [theta0], [grads])
    return trajectory


def l1_regularization(x, y, w, b, *, steps, lr, lam):
    dtype = x.dtype
    # L1(lam) adds lam * sum(|kernel|) to model.losses; tf.abs's gradient is sign(w), 0 at 0.
    model = keras.Sequential([keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L1(lam), dtype=dtype)])
    load_weights(model, x.shape[1], tf.transpose(w), b)  # torch (out, in) -> Keras (in, out)

    def penalised_mse(target, prediction):
        return tf.reduce_mean(keras.losses.mean_squared_error(target, prediction)) + tf.add_n(model.losses)

    loss = fit_full_batch(model, penalised_mse, lr, x, y, steps)
    layer = model.layers[0]
    return {"loss": loss, "w": tf.transpose(layer.kernel), "b": layer.bias}


def l1_final_w(x, y, w, b, *, steps, lr, lam):
    """The weights after :func:`l1_regularization` (catalog entry l1-subgradient-at-zero)."""
    return l1_regularization(x, y, w, b, steps=steps, lr=lr, lam=lam)["w"]


def early_stopping(x_train, y_train, x_val, y_val, w, b, *, epochs, lr, patience, min_delta):
    dtype = x_train.dtype
    floatx = keras.config.floatx()
    # fit's loss trackers (keras.metrics.Mean) and SGD's learning rate live in floatx variables: float64 runs
    # set floatx to float64 while they are built, or every logged loss is rounded to float32.
    keras.config.set_floatx(dtype.name)
    try:
        model = keras.Sequential([keras.layers.Dense(w.shape[0], dtype=dtype)])
        load_weights(model, w.shape[1], tf.transpose(w), b)  # torch (out, in) -> Keras (in, out)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, min_delta=min_delta)
        # One full batch per epoch, no shuffling: the same steps as NumPy. Given as one-element datasets:
        # from arrays fit builds a tf.data pipeline whose iterators cost 12 ms each, two per epoch.
        history = model.fit(tf.data.Dataset.from_tensors((x_train, y_train)), epochs=epochs, shuffle=False, verbose=0,
                            validation_data=tf.data.Dataset.from_tensors((x_val, y_val)), callbacks=[stop]).history
    finally:
        keras.config.set_floatx(floatx)
    layer = model.layers[0]
    return {"loss": tf.constant(history["loss"], dtype), "val_loss": tf.constant(history["val_loss"], dtype),
            "epochs": tf.constant(len(history["loss"]), dtype), "w": tf.transpose(layer.kernel), "b": layer.bias}


def early_stopping_epochs(x_train, y_train, x_val, y_val, w, b, *, epochs, lr, patience, min_delta):
    """The number of epochs :func:`early_stopping` runs (catalog entry early-stopping-patience)."""
    return early_stopping(x_train, y_train, x_val, y_val, w, b, epochs=epochs, lr=lr, patience=patience,
                          min_delta=min_delta)["epochs"]
