"""The first chapters of the curriculum with torch.nn.Linear, autograd and torch.optim.SGD.

The initial weights and the data come in as tensors; each run copies the weights into
an nn.Linear (the reference's (out, in) layout is PyTorch's), then lets autograd and
the optimiser do the rest.
"""

import torch
import torch.nn.functional as F
from torch import nn

from framework_impls.torch_impl.networks import fit, load_weights
from framework_impls.torch_impl.normalization import min_max_normalize


def linear_regression_training(x, y, w, b, *, steps, lr):
    features = min_max_normalize(x, axis=0)
    model = load_weights(nn.Linear(x.shape[1], 1, dtype=x.dtype), w, b)
    loss = fit(model, [(features, y)] * steps, F.mse_loss, lr)
    return {"loss": loss, "w": model.weight, "b": model.bias}


def normal_equation(x, y):
    features = min_max_normalize(x, axis=0)
    design = torch.cat([features, torch.ones_like(features[:, :1])], dim=1)  # a column of ones for the bias
    # The CPU default driver 'gelsy' (QR with column pivoting); 'gelsd' would be NumPy's SVD.
    theta = torch.linalg.lstsq(design, y).solution
    w, b = theta[:-1].T, theta[-1]
    return {"w": w, "b": b, "mse": F.mse_loss(features @ w.T + b, y)}


def logic_gates_training(x, y, w, b, *, steps, lr):
    model = load_weights(nn.Linear(2, 1, dtype=x.dtype), w, b)
    loss = fit(model, [(x, y)] * steps, F.binary_cross_entropy_with_logits, lr)
    with torch.no_grad():
        accuracy = ((model(x) > 0) == (y == 1)).to(x.dtype).mean()
    return {"loss": loss, "w": model.weight, "b": model.bias, "accuracy": accuracy}


def softmax_regression_training(x_train, y_train, x_test, y_test, w, b, *, steps, lr):
    dtype = x_train.dtype
    model = load_weights(nn.Linear(w.shape[1], w.shape[0], dtype=dtype), w, b)
    loss = fit(model, [(x_train, y_train)] * steps, F.cross_entropy, lr)  # log-softmax and NLL in one
    with torch.no_grad():
        train_accuracy = (model(x_train).argmax(dim=1) == y_train).to(dtype).mean()
        test_accuracy = (model(x_test).argmax(dim=1) == y_test).to(dtype).mean()
    return {"loss": loss, "w": model.weight, "b": model.bias,
            "train_accuracy": train_accuracy, "test_accuracy": test_accuracy}


def nonlinear_regression_training(x, y, w1, b1, w2, b2, *, steps, lr):
    hidden = w1.shape[0]
    model = nn.Sequential(nn.Linear(1, hidden, dtype=x.dtype), nn.Tanh(), nn.Linear(hidden, 1, dtype=x.dtype))
    load_weights(model, w1, b1, w2, b2)
    loss = fit(model, [(x, y)] * steps, F.mse_loss, lr)
    with torch.no_grad():
        mse = F.mse_loss(model(x), y)
    first, last = model[0], model[2]
    return {"loss": loss, "w1": first.weight, "b1": first.bias, "w2": last.weight, "b2": last.bias, "mse": mse}
