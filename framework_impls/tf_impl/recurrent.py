"""Recurrent layers with keras.layers.SimpleRNN / LSTM / GRU (return_sequences=True), on the given weights.

Keras keeps ``kernel`` (in, G H), ``recurrent_kernel`` (H, G H) and one bias, with the
GRU's gates in the order (z, r, h): :mod:`framework_impls.conversions.recurrent` turns
the torch-layout inputs into that layout with TensorFlow ops (``tf.experimental.numpy``),
and ``layer.stateless_call`` runs the built layer with those tensors in place of its
variables, so the tape follows the gradient back to the torch-layout weights.
Keras sequences are batch first, like the reference.
"""

import keras
import tensorflow as tf
import tensorflow.experimental.numpy as tnp

from framework_impls.conversions.recurrent import torch_gru_to_keras, torch_lstm_to_keras, torch_rnn_to_keras


def _run(layer, x, weights, initial_state):
    """Build ``layer`` for x, then call it with ``weights`` as its trainable variables."""
    layer.build(x.shape)
    out, _ = layer.stateless_call(weights, layer.non_trainable_variables, x, initial_state=initial_state)
    return out


def rnn(x, h0, w_ih, w_hh, b_ih, b_hh, *, nonlinearity="tanh"):
    layer = keras.layers.SimpleRNN(h0.shape[1], activation=nonlinearity, return_sequences=True, dtype=x.dtype.name)
    weights = torch_rnn_to_keras(w_ih, w_hh, b_ih, b_hh, xp=tnp)  # [w_ih.T, w_hh.T, b_ih + b_hh]
    return _run(layer, x, weights, [h0])


def lstm(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    layer = keras.layers.LSTM(h0.shape[1], return_sequences=True, dtype=x.dtype.name)
    weights = torch_lstm_to_keras(w_ih, w_hh, b_ih, b_hh, xp=tnp)  # [w_ih.T, w_hh.T, b_ih + b_hh], gates i, f, c, o
    return _run(layer, x, weights, [h0, c0])


def gru(x, h0, w_ih, w_hh, b_ih, b_hh, *, reset_after=True):
    layer = keras.layers.GRU(h0.shape[1], reset_after=reset_after, return_sequences=True, dtype=x.dtype.name)
    # gates (r, z, n) -> (z, r, h), transposed; bias stack([b_ih, b_hh]) (reset_after) or b_ih + b_hh
    weights = torch_gru_to_keras(w_ih, w_hh, b_ih, b_hh, reset_after=reset_after, xp=tnp)
    return _run(layer, x, weights, [h0])


def binary_addition_rnn_training(x_train, y_train, x_test, y_test, w_ih, w_hh, b, w_out, b_out, *, lr):
    dtype = x_train.dtype
    model = keras.Sequential([
        keras.layers.SimpleRNN(w_hh.shape[0], return_sequences=True, unroll=True, dtype=dtype.name),  # h0 defaults to zeros
        keras.layers.Dense(1, dtype=dtype.name),
    ])
    model.build((None, None, x_train.shape[3]))
    zeros = tf.zeros_like(b)
    model.set_weights([*torch_rnn_to_keras(w_ih, w_hh, b, zeros, xp=tnp), tf.transpose(w_out), b_out])
    loss_of = keras.losses.BinaryCrossentropy(from_logits=True, dtype=dtype.name)  # mean over batch and steps
    optimizer = keras.optimizers.SGD(learning_rate=lr)  # lr kept in float32: the samples use 0.25, exact
    optimizer.build(model.trainable_variables)

    @tf.function
    def train():
        losses = tf.TensorArray(dtype, size=x_train.shape[0])
        for step in tf.range(x_train.shape[0]):  # the same batches as NumPy, in the same order
            with tf.GradientTape() as tape:
                loss = loss_of(y_train[step], model(x_train[step]))
            optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
            losses = losses.write(step, loss)
        return losses.stack()

    losses = train()
    kernel, recurrent_kernel, bias, dense_kernel, dense_bias = model.get_weights()
    correct = (model(x_test) > 0) == (y_test == 1)
    return {
        "loss": losses, "w_ih": kernel.T, "w_hh": recurrent_kernel.T, "b": bias, "w_out": dense_kernel.T,
        "b_out": dense_bias,
        "test_accuracy": tf.reduce_mean(tf.cast(tf.reduce_all(correct, axis=(1, 2)), dtype)),
        "test_bit_accuracy": tf.reduce_mean(tf.cast(correct, dtype)),
    }


# Catalog sides (comparisons/divergences/recurrent.py): a side returns one array.


def lstm_dropping_b_hh(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """Keras LSTM given ``[w_ih.T, w_hh.T, b_ih]``: torch's second bias b_hh left behind, the classic porting bug."""
    layer = keras.layers.LSTM(h0.shape[1], return_sequences=True, dtype=x.dtype.name)
    return _run(layer, x, [tf.transpose(w_ih), tf.transpose(w_hh), b_ih], [h0, c0])


def keras2_hard_sigmoid(a):
    """Keras <= 2.2.5's hard_sigmoid, clip(0.2 a + 0.5, 0, 1), as a Keras 3 activation."""
    return keras.ops.clip(0.2 * a + 0.5, 0, 1)


def lstm_recurrent_activation(x, h0, c0, w_ih, w_hh, b_ih, b_hh, *, recurrent_activation):
    """Keras LSTM with another gate activation: a Keras name ("hard_sigmoid": Keras 3's relu6(a + 3) / 6),
    or "keras2_hard_sigmoid" for :func:`keras2_hard_sigmoid`."""
    if recurrent_activation == "keras2_hard_sigmoid":
        recurrent_activation = keras2_hard_sigmoid
    layer = keras.layers.LSTM(h0.shape[1], recurrent_activation=recurrent_activation, return_sequences=True,
                              dtype=x.dtype.name)
    return _run(layer, x, torch_lstm_to_keras(w_ih, w_hh, b_ih, b_hh, xp=tnp), [h0, c0])


def masked_lstm_final_state(ids, table, w_ih, w_hh, b_ih, b_hh):
    """Embedding(mask_zero=True) then LSTM: masked (id 0) steps are skipped; the state after the last real step."""
    embedding = keras.layers.Embedding(*table.shape, mask_zero=True, dtype=table.dtype.name)
    embedding.build(ids.shape)
    embedding.set_weights([table])
    layer = keras.layers.LSTM(w_hh.shape[1], dtype=table.dtype.name)  # return_sequences=False: the final state
    embedded = embedding(ids)
    layer.build(embedded.shape)
    weights = torch_lstm_to_keras(w_ih, w_hh, b_ih, b_hh, xp=tnp)
    out, _ = layer.stateless_call(weights, layer.non_trainable_variables, embedded, mask=embedding.compute_mask(ids))
    return out


def binary_addition_rnn_losses(x_train, y_train, x_test, y_test, w_ih, w_hh, b, w_out, b_out, *, lr):
    """The loss of every step of :func:`binary_addition_rnn_training`."""
    return binary_addition_rnn_training(x_train, y_train, x_test, y_test, w_ih, w_hh, b, w_out, b_out, lr=lr)["loss"]
