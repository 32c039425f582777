"""Regularisation with PyTorch: weight_decay in torch.optim (L2), an L1 penalty in the loss."""

import torch
import torch.nn.functional as F
from torch import nn

from framework_impls.torch_impl.networks import fit, load_weights


def sgd_weight_decay(theta0, grads, *, lr, weight_decay):
    theta = theta0.clone().requires_grad_(True)
    optimizer = torch.optim.SGD([theta], lr=lr, weight_decay=weight_decay)  # adds weight_decay * theta to .grad
    rows = []
    for g in grads:
        theta.grad = g.clone()
        optimizer.step()
        rows.append(theta.detach().clone())
    return {"theta": torch.stack(rows)}


# Catalog sides (comparisons/divergences/layers.py): a side returns one array, the trajectory.


def sgd_weight_decay_trajectory(theta0, grads, *, lr, weight_decay):
    """:func:`sgd_weight_decay`'s parameter after each step, (steps, *theta0.shape)."""
    return sgd_weight_decay(theta0, grads, lr=lr, weight_decay=weight_decay)["theta"]


def adam_weight_decay(theta0, grads, *, lr, weight_decay, beta1, beta2, eps, decoupled=False):
    """torch.optim.Adam (or AdamW when ``decoupled``) fed ``grads``: the parameter after each step."""
    theta = theta0.clone().requires_grad_(True)
    # Adam adds weight_decay * theta to the gradient (L2, then rescaled by the adaptive step);
    # AdamW shrinks theta by lr * weight_decay * theta outside it.
    adam = torch.optim.AdamW if decoupled else torch.optim.Adam
    optimizer = adam([theta], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    rows = []
    for g in grads:
        theta.grad = g.clone()
        optimizer.step()
        rows.append(theta.detach().clone())
    return torch.stack(rows)


def l1_regularization(x, y, w, b, *, steps, lr, lam):
    model = load_weights(nn.Linear(x.shape[1], 1, dtype=x.dtype), w, b)

    def penalised_mse(prediction, target):
        # torch has no L1 regulariser: the penalty goes into the loss, autograd's abs gives sign(w), 0 at 0.
        return F.mse_loss(prediction, target) + lam * model.weight.abs().sum()

    loss = fit(model, [(x, y)] * steps, penalised_mse, lr)
    return {"loss": loss, "w": model.weight, "b": model.bias}


def l1_final_w(x, y, w, b, *, steps, lr, lam):
    """The weights after :func:`l1_regularization` (catalog entry l1-subgradient-at-zero)."""
    return l1_regularization(x, y, w, b, steps=steps, lr=lr, lam=lam)["w"]


def early_stopping(x_train, y_train, x_val, y_val, w, b, *, epochs, lr, patience, min_delta):
    # torch has no early stopping (Lightning's EarlyStopping callback is another package): the loop is written
    # here, with Keras's rule, as every torch tutorial does.
    model = load_weights(nn.Linear(w.shape[1], w.shape[0], dtype=x_train.dtype), w, b)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses, val_losses, best, wait = [], [], float("inf"), 0
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x_train), y_train)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
        with torch.no_grad():
            val_losses.append(F.cross_entropy(model(x_val), y_val))
        if val_losses[-1] < best - min_delta:  # an improvement
            best, wait = val_losses[-1], 0
        else:
            wait += 1
            if wait >= patience:
                break
    return {"loss": torch.stack(losses), "val_loss": torch.stack(val_losses),
            "epochs": torch.tensor(len(losses), dtype=x_train.dtype), "w": model.weight, "b": model.bias}
