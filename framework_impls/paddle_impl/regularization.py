"""L2 regularisation with Paddle: weight_decay in paddle.optimizer."""

import paddle


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
