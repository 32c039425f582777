"""The digits LeNet with Keras layers, tf.GradientTape and keras.optimizers.SGD with momentum.

Keras convolves NHWC images with HWIO kernels and flattens (H, W, C); the run converts
the reference's NCHW / OIHW arrays on the way in and back on the way out, and puts
the channels first again before Flatten so that the dense weight sees PyTorch's
(C, H, W) feature order (the flatten-dense-order difference).
"""

import keras
import tensorflow as tf

from framework_impls.tf_impl.networks import accuracy, sgd_step


def lenet(c1, c2, dtype):
    return keras.Sequential([
        keras.Input((8, 8, 1), dtype=dtype),
        keras.layers.Conv2D(c1, 3, padding="same", activation="relu", dtype=dtype),  # stride 1: 'same' pads 1 and 1
        keras.layers.MaxPooling2D(2, dtype=dtype),
        keras.layers.Conv2D(c2, 3, padding="same", activation="relu", dtype=dtype),
        keras.layers.MaxPooling2D(2, dtype=dtype),
        keras.layers.Permute((3, 1, 2), dtype=dtype),  # NHWC -> NCHW: Flatten then gives torch's (C, H, W) order
        keras.layers.Flatten(dtype=dtype),
        keras.layers.Dense(10, dtype=dtype),  # softmax: inside the loss (from_logits=True)
    ])


def to_hwio(w):
    return tf.transpose(w, [2, 3, 1, 0])  # torch OIHW -> Keras HWIO


def to_oihw(kernel):
    return tf.transpose(kernel, [3, 2, 0, 1])  # Keras HWIO -> torch OIHW


def to_nhwc(x):
    return tf.transpose(x, [0, 2, 3, 1])  # NCHW -> NHWC


def lenet_digits_training(
    x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2, w3, b3, *, lr, momentum, batch_size
):
    dtype = x_train.dtype
    model = lenet(w1.shape[0], w2.shape[0], dtype)
    model.set_weights([t.numpy() for t in (to_hwio(w1), b1, to_hwio(w2), b2, tf.transpose(w3), b3)])
    loss_of = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype=dtype)
    # Keras's momentum form v <- mu v - lr g, W <- W + v is torch's v <- mu v + g, W <- W - lr v for a constant lr.
    optimizer = keras.optimizers.SGD(learning_rate=lr, momentum=momentum)
    x_train, x_val, x_test = to_nhwc(x_train), to_nhwc(x_val), to_nhwc(x_test)
    step = tf.function(sgd_step(model, loss_of, lr, optimizer), reduce_retracing=True)  # one trace per batch shape

    losses, val_accuracy = [], []
    for epoch_order in order:
        # The same batches as NumPy, in the same order (model.fit would reshuffle with TF's RNG).
        for start in range(0, len(epoch_order), batch_size):
            rows = epoch_order[start : start + batch_size]
            losses.append(step(tf.gather(x_train, rows), tf.gather(y_train, rows)))
        val_accuracy.append(accuracy(tf.argmax(model(x_val), axis=1), y_val, dtype))
    conv1, conv2, dense = model.layers[0], model.layers[2], model.layers[6]
    return {
        "loss": tf.stack(losses), "w1": to_oihw(conv1.kernel), "b1": conv1.bias, "w2": to_oihw(conv2.kernel),
        "b2": conv2.bias, "w3": tf.transpose(dense.kernel), "b3": dense.bias, "val_accuracy": tf.stack(val_accuracy),
        "test_accuracy": accuracy(tf.argmax(model(x_test), axis=1), y_test, dtype),
    }
