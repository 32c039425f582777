"""L2 regularisation with PyTorch: weight_decay in torch.optim."""

import torch


def sgd_weight_decay(theta0, grads, *, lr, weight_decay):
    theta = theta0.clone().requires_grad_(True)
    optimizer = torch.optim.SGD([theta], lr=lr, weight_decay=weight_decay)  # adds weight_decay * theta to .grad
    rows = []
    for g in grads:
        theta.grad = g.clone()
        optimizer.step()
        rows.append(theta.detach().clone())
    return {"theta": torch.stack(rows)}
