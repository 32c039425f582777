"""Training runs of the seed networks with torch.nn modules and torch.optim.SGD.

The initial weights, data and batch order come in as tensors; each run copies the
weights into the modules, then lets autograd and the optimiser do the rest.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def load_weights(module, *tensors):
    """Copy the given initial values into the module's parameters, in order."""
    with torch.no_grad():
        for parameter, value in zip(module.parameters(), tensors, strict=True):
            parameter.copy_(value)
    return module


def fit(model, batches, loss_of, lr):
    """Plain SGD over ``batches`` (x, y); return the loss of every step, shape (steps,).

    A new optimizer per call is harmless: plain SGD keeps no state between steps.
    """
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_of(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses)


def half_sum_of_squares(out, y):
    return 0.5 * F.mse_loss(out, y, reduction="sum")  # the tutorial's 1/2 sum (y - l2)^2


def three_layer_network_training(x, y, syn0, syn1, *, steps, lr=1.0):
    model = nn.Sequential(
        nn.Linear(syn0.shape[0], syn0.shape[1], bias=False, dtype=x.dtype), nn.Sigmoid(),
        nn.Linear(syn1.shape[0], 1, bias=False, dtype=x.dtype), nn.Sigmoid(),
    )
    load_weights(model, syn0.T, syn1.T)  # tutorial (in, out) -> nn.Linear (out, in)
    loss = fit(model, [(x, y)] * steps, half_sum_of_squares, lr)
    with torch.no_grad():
        prediction = model(x)
    return {"loss": loss, "syn0": model[0].weight.T, "syn1": model[2].weight.T, "prediction": prediction}


def logistic_regression_training(X, Y, w, b, *, steps, lr):
    model = load_weights(nn.Linear(X.shape[0], 1, dtype=X.dtype), w.T, b.reshape(1))
    examples, labels = X.T, Y.T  # course's (n_x, m) columns -> PyTorch's (m, n_x) rows
    loss = fit(model, [(examples, labels)] * steps, F.binary_cross_entropy_with_logits, lr)
    with torch.no_grad():
        accuracy = ((model(examples) > 0) == (labels == 1)).to(X.dtype).mean()
    return {"loss": loss, "w": model.weight.T, "b": model.bias.reshape(1, 1), "accuracy": accuracy}


def xor_network_training(x, y, w1, b1, w2, b2, *, steps, lr):
    model = nn.Sequential(nn.Linear(2, w1.shape[0], dtype=x.dtype), nn.Sigmoid(), nn.Linear(w1.shape[0], 1, dtype=x.dtype))
    load_weights(model, w1, b1, w2, b2)
    loss = fit(model, [(x, y)] * steps, F.binary_cross_entropy_with_logits, lr)
    with torch.no_grad():
        accuracy = ((model(x) > 0) == (y == 1)).to(x.dtype).mean()
    first, last = model[0], model[2]
    return {"loss": loss, "w1": first.weight, "b1": first.bias, "w2": last.weight, "b2": last.bias, "accuracy": accuracy}


def digits_mlp_training(x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2, *, lr, batch_size):
    hidden = w1.shape[0]
    model = nn.Sequential(nn.Linear(64, hidden, dtype=x_train.dtype), nn.ReLU(), nn.Linear(hidden, 10, dtype=x_train.dtype))
    load_weights(model, w1, b1, w2, b2)
    losses, val_accuracy = [], []
    for epoch_order in order:
        # The same batches as NumPy, in the same order (a DataLoader would reshuffle with torch's RNG).
        batches = [(x_train[rows], y_train[rows]) for rows in epoch_order.split(batch_size)]
        losses.append(fit(model, batches, F.cross_entropy, lr))
        with torch.no_grad():
            val_accuracy.append((model(x_val).argmax(dim=1) == y_val).to(x_train.dtype).mean())
    with torch.no_grad():
        test_accuracy = (model(x_test).argmax(dim=1) == y_test).to(x_train.dtype).mean()
    first, last = model[0], model[2]
    return {
        "loss": torch.cat(losses), "w1": first.weight, "b1": first.bias, "w2": last.weight, "b2": last.bias,
        "val_accuracy": torch.stack(val_accuracy), "test_accuracy": test_accuracy,
    }


def logistic_regression_final_w(X, Y, w, b, *, steps, lr, lr_as_keras=False):
    """The weights after :func:`logistic_regression_training` (catalog entry keras-lr-float32).

    ``lr_as_keras`` rounds the learning rate to float32 first, as Keras stores it.
    """
    if lr_as_keras:
        lr = float(np.float32(lr))  # keras.optimizers.SGD keeps learning_rate in a float32 variable
    return logistic_regression_training(X, Y, w, b, steps=steps, lr=lr)["w"]
