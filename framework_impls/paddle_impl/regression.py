"""The first chapters of the curriculum with paddle.nn.Linear, loss.backward() and paddle.optimizer.SGD.

The initial weights and the data come in as tensors; each run copies the weights into
paddle.nn.Linear layers (weight (in, out): torch's transposed), then lets autograd and
the optimiser do the rest.
"""

import paddle
import paddle.nn.functional as F
from paddle import nn

from framework_impls.paddle_impl.losses import binary_cross_entropy_with_logits
from framework_impls.paddle_impl.networks import accuracy, fit, load_weights
from framework_impls.paddle_impl.normalization import min_max_normalize


def linear_regression_training(x, y, w, b, *, steps, lr):
    features = min_max_normalize(x, axis=0)
    model = load_weights(nn.Linear(x.shape[1], 1), w.T, b)  # torch (out, in) -> paddle.nn.Linear (in, out)
    loss = fit(model, [(features, y)] * steps, F.mse_loss, lr)
    return {"loss": loss, "w": model.weight.T, "b": model.bias}


def normal_equation(x, y):
    features = min_max_normalize(x, axis=0)
    design = paddle.concat([features, paddle.ones_like(features[:, :1])], axis=1)  # a column of ones for the bias
    theta = paddle.linalg.lstsq(design, y)[0]  # CPU driver 'gelsy', as torch's
    w, b = theta[:-1].T, theta[-1]
    return {"w": w, "b": b, "mse": F.mse_loss(features @ w.T + b, y)}


def logic_gates_training(x, y, w, b, *, steps, lr):
    model = load_weights(nn.Linear(2, 1), w.T, b)  # torch (out, in) -> paddle.nn.Linear (in, out)
    loss = fit(model, [(x, y)] * steps, binary_cross_entropy_with_logits, lr)
    with paddle.no_grad():
        correct = accuracy(model(x) > 0, y == 1, x.dtype)
    return {"loss": loss, "w": model.weight.T, "b": model.bias, "accuracy": correct}


def softmax_regression_training(x_train, y_train, x_test, y_test, w, b, *, steps, lr):
    dtype = x_train.dtype
    model = load_weights(nn.Linear(w.shape[1], w.shape[0]), w.T, b)  # torch (out, in) -> paddle.nn.Linear (in, out)
    loss = fit(model, [(x_train, y_train)] * steps, F.cross_entropy, lr)  # class indices, softmax inside, mean
    with paddle.no_grad():
        train_accuracy = accuracy(model(x_train).argmax(axis=1), y_train, dtype)
        test_accuracy = accuracy(model(x_test).argmax(axis=1), y_test, dtype)
    return {"loss": loss, "w": model.weight.T, "b": model.bias,
            "train_accuracy": train_accuracy, "test_accuracy": test_accuracy}


def nonlinear_regression_training(x, y, w1, b1, w2, b2, *, steps, lr):
    hidden = w1.shape[0]
    model = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1))
    load_weights(model, w1.T, b1, w2.T, b2)  # torch (out, in) -> paddle.nn.Linear (in, out)
    loss = fit(model, [(x, y)] * steps, F.mse_loss, lr)
    with paddle.no_grad():
        mse = F.mse_loss(model(x), y)
    first, last = model[0], model[2]
    return {"loss": loss, "w1": first.weight.T, "b1": first.bias, "w2": last.weight.T, "b2": last.bias, "mse": mse}
