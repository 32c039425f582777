"""Training runs of the seed networks with paddle.nn layers and paddle.optimizer.SGD.

The initial weights, data and batch order come in as tensors; each run copies the
weights into the layers (paddle.nn.Linear stores its weight as (in, out): torch's
weight transposed, the tutorial's syn0 / syn1 and the course's w as they are), then
lets loss.backward() and the optimiser do the rest. Paddle layers are created in the
default dtype (float32): each model is moved to the run's dtype with ``Layer.to``.
"""

import paddle
import paddle.nn.functional as F
from paddle import nn

from framework_impls.paddle_impl.losses import binary_cross_entropy_with_logits


def load_weights(model, *tensors):
    """Move the model to the dtype of the values, then copy them into its parameters, in order."""
    model.to(dtype=tensors[0].dtype)
    with paddle.no_grad():
        for parameter, value in zip(model.parameters(), tensors, strict=True):
            parameter.set_value(value)
    return model


def fit(model, batches, loss_of, lr):
    """Plain SGD over ``batches`` (x, y); return the loss of every step, shape (steps,).

    A new optimizer per call is harmless: plain SGD keeps no state between steps.
    """
    optimizer = paddle.optimizer.SGD(learning_rate=lr, parameters=model.parameters())
    losses = []
    for x, y in batches:
        loss = loss_of(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.clear_grad()
        losses.append(loss.detach())
    return paddle.stack(losses)


def half_sum_of_squares(out, y):
    return 0.5 * F.mse_loss(out, y, reduction="sum")  # the tutorial's 1/2 sum (y - l2)^2


def accuracy(predicted, target, dtype):
    return (predicted == target).astype(dtype).mean()


def three_layer_network_training(x, y, syn0, syn1, *, steps, lr=1.0):
    model = nn.Sequential(
        nn.Linear(syn0.shape[0], syn0.shape[1], bias_attr=False), nn.Sigmoid(),
        nn.Linear(syn1.shape[0], 1, bias_attr=False), nn.Sigmoid(),
    )
    load_weights(model, syn0, syn1)  # the tutorial's (in, out) layout is paddle.nn.Linear's
    loss = fit(model, [(x, y)] * steps, half_sum_of_squares, lr)
    with paddle.no_grad():
        prediction = model(x)
    return {"loss": loss, "syn0": model[0].weight, "syn1": model[2].weight, "prediction": prediction}


def logistic_regression_training(X, Y, w, b, *, steps, lr):
    model = load_weights(nn.Linear(X.shape[0], 1), w, b.reshape([1]))  # the course's w (n_x, 1) is (in, out)
    examples, labels = X.T, Y.T  # course's (n_x, m) columns -> Paddle's (m, n_x) rows
    # Starts at w = 0, b = 0, where every logit is exactly 0: the pos_weight=1 form of the loss (losses.py)
    # is the one with the right gradient there.
    loss = fit(model, [(examples, labels)] * steps, binary_cross_entropy_with_logits, lr)
    with paddle.no_grad():
        correct = accuracy(model(examples) > 0, labels == 1, X.dtype)
    return {"loss": loss, "w": model.weight, "b": model.bias.reshape([1, 1]), "accuracy": correct}


def xor_network_training(x, y, w1, b1, w2, b2, *, steps, lr):
    model = nn.Sequential(nn.Linear(2, w1.shape[0]), nn.Sigmoid(), nn.Linear(w1.shape[0], 1))
    load_weights(model, w1.T, b1, w2.T, b2)  # torch (out, in) -> paddle.nn.Linear (in, out)
    loss = fit(model, [(x, y)] * steps, binary_cross_entropy_with_logits, lr)  # mean, as torch's
    with paddle.no_grad():
        correct = accuracy(model(x) > 0, y == 1, x.dtype)
    first, last = model[0], model[2]
    return {"loss": loss, "w1": first.weight.T, "b1": first.bias, "w2": last.weight.T, "b2": last.bias,
            "accuracy": correct}


def digits_mlp_training(x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2, *, lr, batch_size):
    hidden = w1.shape[0]
    model = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    load_weights(model, w1.T, b1, w2.T, b2)  # torch (out, in) -> paddle.nn.Linear (in, out)
    losses, val_accuracy = [], []
    for epoch_order in order:
        # The same batches as NumPy, in the same order (a DataLoader would reshuffle with Paddle's RNG).
        batch_rows = [epoch_order[start : start + batch_size] for start in range(0, len(epoch_order), batch_size)]
        batches = [(paddle.gather(x_train, rows), paddle.gather(y_train, rows)) for rows in batch_rows]
        losses.append(fit(model, batches, F.cross_entropy, lr))  # class indices, softmax inside, mean
        with paddle.no_grad():
            val_accuracy.append(accuracy(model(x_val).argmax(axis=1), y_val, x_train.dtype))
    with paddle.no_grad():
        test_accuracy = accuracy(model(x_test).argmax(axis=1), y_test, x_train.dtype)
    first, last = model[0], model[2]
    return {
        "loss": paddle.concat(losses), "w1": first.weight.T, "b1": first.bias, "w2": last.weight.T,
        "b2": last.bias, "val_accuracy": paddle.stack(val_accuracy), "test_accuracy": test_accuracy,
    }
