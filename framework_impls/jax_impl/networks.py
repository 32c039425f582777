"""Training runs of the seed networks with flax.linen layers, jax.value_and_grad and optax.sgd.

The initial weights, data and batch order come in as arrays; each run puts the weights
into the layers' parameter tree (flax Dense kernels are (in, out): PyTorch's weight
transposed), then lets jax.value_and_grad and the optimiser do the rest, every step
inside one jax.lax.scan.
"""

import jax
import jax.numpy as jnp
import optax
from flax import linen as nn


def sgd_step(model, loss_of, lr):
    """One plain-SGD step ``((params, state), x, y) -> ((params, state), loss)`` and the optimiser."""
    optimizer = optax.sgd(learning_rate=lr)

    def step(carry, x, y):
        params, state = carry
        loss, grads = jax.value_and_grad(lambda p: loss_of(model.apply({"params": p}, x), y))(params)
        updates, state = optimizer.update(grads, state, params)
        return (optax.apply_updates(params, updates), state), loss

    return step, optimizer


def fit_full_batch(model, params, loss_of, lr, x, y, steps):
    """``steps`` SGD steps on the whole of (x, y): the final parameters and the loss of every step."""
    step, optimizer = sgd_step(model, loss_of, lr)
    (params, _), losses = jax.lax.scan(lambda carry, _: step(carry, x, y), (params, optimizer.init(params)), length=steps)
    return params, losses


def half_sum_of_squares(out, y):
    return jnp.sum(optax.l2_loss(out, y))  # the tutorial's 1/2 sum (y - l2)^2


def bce_with_logits(z, y):
    return jnp.mean(optax.sigmoid_binary_cross_entropy(z, y))


def cross_entropy(logits, labels):
    return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, labels))


def accuracy(predicted, target, dtype):
    return jnp.mean((predicted == target).astype(dtype))


def three_layer_network_training(x, y, syn0, syn1, *, steps, lr=1.0):
    model = nn.Sequential([nn.Dense(syn0.shape[1], use_bias=False), nn.sigmoid, nn.Dense(1, use_bias=False), nn.sigmoid])
    params = {"layers_0": {"kernel": syn0}, "layers_2": {"kernel": syn1}}  # the tutorial's (in, out) layout is flax's
    params, loss = fit_full_batch(model, params, half_sum_of_squares, lr, x, y, steps)
    prediction = model.apply({"params": params}, x)
    return {"loss": loss, "syn0": params["layers_0"]["kernel"], "syn1": params["layers_2"]["kernel"], "prediction": prediction}


def logistic_regression_training(X, Y, w, b, *, steps, lr):
    model = nn.Dense(1)
    params = {"kernel": w, "bias": b.reshape(1)}  # the course's w (n_x, 1) is flax's (in, out) kernel
    examples, labels = X.T, Y.T  # course's (n_x, m) columns -> flax's (m, n_x) rows
    params, loss = fit_full_batch(model, params, bce_with_logits, lr, examples, labels, steps)
    logits = model.apply({"params": params}, examples)
    return {
        "loss": loss, "w": params["kernel"], "b": params["bias"].reshape(1, 1),
        "accuracy": accuracy(logits > 0, labels == 1, X.dtype),
    }


def xor_network_training(x, y, w1, b1, w2, b2, *, steps, lr):
    model = nn.Sequential([nn.Dense(w1.shape[0]), nn.sigmoid, nn.Dense(1)])
    params = {"layers_0": {"kernel": w1.T, "bias": b1}, "layers_2": {"kernel": w2.T, "bias": b2}}  # torch (out, in) -> flax (in, out)
    params, loss = fit_full_batch(model, params, bce_with_logits, lr, x, y, steps)
    first, last = params["layers_0"], params["layers_2"]
    return {
        "loss": loss, "w1": first["kernel"].T, "b1": first["bias"], "w2": last["kernel"].T, "b2": last["bias"],
        "accuracy": accuracy(model.apply({"params": params}, x) > 0, y == 1, x.dtype),
    }


def digits_mlp_training(x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2, *, lr, batch_size):
    dtype = x_train.dtype
    model = nn.Sequential([nn.Dense(w1.shape[0]), nn.relu, nn.Dense(w2.shape[0])])
    params = {"layers_0": {"kernel": w1.T, "bias": b1}, "layers_2": {"kernel": w2.T, "bias": b2}}  # torch (out, in) -> flax (in, out)
    step, optimizer = sgd_step(model, cross_entropy, lr)
    n = order.shape[1]
    full, rest = divmod(n, batch_size)

    def epoch(carry, epoch_order):
        # The same batches as NumPy, in the same order: `full` batches of batch_size, then the rest.
        rows = epoch_order[: full * batch_size].reshape(full, batch_size)
        carry, losses = jax.lax.scan(lambda c, r: step(c, x_train[r], y_train[r]), carry, rows)
        if rest:
            last = epoch_order[full * batch_size :]
            carry, loss = step(carry, x_train[last], y_train[last])
            losses = jnp.concatenate([losses, loss[None]])
        logits = model.apply({"params": carry[0]}, x_val)
        return carry, (losses, accuracy(jnp.argmax(logits, axis=1), y_val, dtype))

    (params, _), (losses, val_accuracy) = jax.lax.scan(epoch, (params, optimizer.init(params)), order)
    test_logits = model.apply({"params": params}, x_test)
    first, last = params["layers_0"], params["layers_2"]
    return {
        "loss": losses.reshape(-1), "w1": first["kernel"].T, "b1": first["bias"], "w2": last["kernel"].T,
        "b2": last["bias"], "val_accuracy": val_accuracy,
        "test_accuracy": accuracy(jnp.argmax(test_logits, axis=1), y_test, dtype),
    }
