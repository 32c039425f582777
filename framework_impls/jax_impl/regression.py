"""The first chapters of the curriculum with flax.linen.Dense, jax.value_and_grad and optax.sgd.

The initial weights and the data come in as arrays; each run puts the weights into the
layer's parameter tree (flax Dense kernels are (in, out): PyTorch's weight transposed),
then every step runs inside one jax.lax.scan.
"""

import jax.numpy as jnp
import optax
from flax import linen as nn

from framework_impls.jax_impl.networks import accuracy, bce_with_logits, fit_full_batch
from framework_impls.jax_impl.normalization import min_max_normalize


def mean_squared_error(prediction, y):
    return jnp.mean(optax.squared_error(prediction, y))  # optax.l2_loss would be half of it


def cross_entropy(logits, labels):
    return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, labels))


def dense_params(w, b):
    return {"kernel": w.T, "bias": b}  # torch (out, in) -> flax (in, out)


def linear_regression_training(x, y, w, b, *, steps, lr):
    features = min_max_normalize(x, axis=0)
    params, loss = fit_full_batch(nn.Dense(1), dense_params(w, b), mean_squared_error, lr, features, y, steps)
    return {"loss": loss, "w": params["kernel"].T, "b": params["bias"]}


def normal_equation(x, y):
    features = min_max_normalize(x, axis=0)
    design = jnp.concatenate([features, jnp.ones_like(features[:, :1])], axis=1)  # a column of ones for the bias
    theta = jnp.linalg.lstsq(design, y)[0]  # an SVD, as NumPy's
    w, b = theta[:-1].T, theta[-1]
    return {"w": w, "b": b, "mse": mean_squared_error(features @ w.T + b, y)}


def logic_gates_training(x, y, w, b, *, steps, lr):
    model = nn.Dense(1)
    params, loss = fit_full_batch(model, dense_params(w, b), bce_with_logits, lr, x, y, steps)
    correct = accuracy(model.apply({"params": params}, x) > 0, y == 1, x.dtype)
    return {"loss": loss, "w": params["kernel"].T, "b": params["bias"], "accuracy": correct}


def softmax_regression_training(x_train, y_train, x_test, y_test, w, b, *, steps, lr):
    dtype = x_train.dtype
    model = nn.Dense(w.shape[0])
    params, loss = fit_full_batch(model, dense_params(w, b), cross_entropy, lr, x_train, y_train, steps)

    def predict(x):
        return jnp.argmax(model.apply({"params": params}, x), axis=1)

    return {
        "loss": loss, "w": params["kernel"].T, "b": params["bias"],
        "train_accuracy": accuracy(predict(x_train), y_train, dtype),
        "test_accuracy": accuracy(predict(x_test), y_test, dtype),
    }


def nonlinear_regression_training(x, y, w1, b1, w2, b2, *, steps, lr):
    model = nn.Sequential([nn.Dense(w1.shape[0]), nn.tanh, nn.Dense(1)])
    params = {"layers_0": dense_params(w1, b1), "layers_2": dense_params(w2, b2)}
    params, loss = fit_full_batch(model, params, mean_squared_error, lr, x, y, steps)
    first, last = params["layers_0"], params["layers_2"]
    return {"loss": loss, "w1": first["kernel"].T, "b1": first["bias"], "w2": last["kernel"].T, "b2": last["bias"],
            "mse": mean_squared_error(model.apply({"params": params}, x), y)}
