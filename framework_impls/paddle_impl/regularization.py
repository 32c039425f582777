"""Regularisation with Paddle: weight_decay (L2Decay) and L1Decay, added to the gradient by paddle.optimizer."""

import paddle
import paddle.nn.functional as F
from paddle import nn

from framework_impls.paddle_impl.networks import load_weights


def sgd_weight_decay(theta0, grads, *, lr, weight_decay):
    theta = paddle.create_parameter(theta0.shape, theta0.dtype)
    theta.set_value(theta0)
    # A float weight_decay is paddle.regularizer.L2Decay(weight_decay): it adds weight_decay * theta
    # to the gradient, torch's weight_decay (L2Decay's penalty is weight_decay / 2 * sum(theta**2)).
    optimizer = paddle.optimizer.SGD(learning_rate=lr, weight_decay=weight_decay, parameters=[theta])
    rows = []
    for g in grads:
        theta.grad = g.clone()
        optimizer.step()
        optimizer.clear_grad()
        rows.append(theta.detach().clone())
    return {"theta": paddle.stack(rows)}


def l1_regularization(x, y, w, b, *, steps, lr, lam):
    # L1Decay(lam) makes the optimiser add lam * sign(w) (0 at 0) to the weight's gradient; the bias has none.
    layer = nn.Linear(x.shape[1], 1, weight_attr=paddle.ParamAttr(regularizer=paddle.regularizer.L1Decay(lam)))
    load_weights(layer, w.T, b)  # torch (out, in) -> paddle.nn.Linear (in, out)
    optimizer = paddle.optimizer.SGD(learning_rate=lr, parameters=layer.parameters())
    losses = []
    for _ in range(steps):
        mse = F.mse_loss(layer(x), y)
        mse.backward()
        with paddle.no_grad():
            # The loss the step minimises, for the curve: the penalty lives in the optimiser, not in mse.
            losses.append(mse.detach() + lam * paddle.abs(layer.weight).sum())
        optimizer.step()
        optimizer.clear_grad()
    return {"loss": paddle.stack(losses), "w": layer.weight.T, "b": layer.bias}


def l1_final_w(x, y, w, b, *, steps, lr, lam):
    """The weights after :func:`l1_regularization` (catalog entry l1-subgradient-at-zero)."""
    return l1_regularization(x, y, w, b, steps=steps, lr=lr, lam=lam)["w"]


def early_stopping(x_train, y_train, x_val, y_val, w, b, *, epochs, lr, patience, min_delta):
    # paddle.callbacks.EarlyStopping applies the same rule (for patience >= 1) but only inside the high-level
    # paddle.Model.fit; with a plain nn.Layer and optimiser the loop is written here, as in torch.
    model = load_weights(nn.Linear(w.shape[1], w.shape[0]), w.T, b)  # torch (out, in) -> paddle.nn.Linear (in, out)
    optimizer = paddle.optimizer.SGD(learning_rate=lr, parameters=model.parameters())
    losses, val_losses, best, wait = [], [], float("inf"), 0
    for _ in range(epochs):
        loss = F.cross_entropy(model(x_train), y_train)
        loss.backward()
        optimizer.step()
        optimizer.clear_grad()
        losses.append(loss.detach())
        with paddle.no_grad():
            val_losses.append(F.cross_entropy(model(x_val), y_val))
        if float(val_losses[-1]) < best - min_delta:  # an improvement
            best, wait = float(val_losses[-1]), 0
        else:
            wait += 1
            if wait >= patience:
                break
    return {"loss": paddle.stack(losses), "val_loss": paddle.stack(val_losses),
            "epochs": paddle.to_tensor(len(losses), dtype=x_train.dtype), "w": model.weight.T, "b": model.bias}
