"""The digits LeNet with paddle.nn layers and paddle.optimizer.Momentum.

Paddle's conv layers are NCHW with OIHW weights, as the reference's; its Linear weight
is (in, out), torch's transposed. The run copies the weights in, then lets
loss.backward() and the optimiser do the rest.
"""

import paddle
import paddle.nn.functional as F
from paddle import nn

from framework_impls.paddle_impl.networks import accuracy, load_weights


def lenet(c1, c2):
    return nn.Sequential(
        nn.Conv2D(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2D(2),
        nn.Conv2D(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2D(2),
        nn.Flatten(), nn.Linear(4 * c2, 10),  # softmax: inside F.cross_entropy
    )


def lenet_digits_training(
    x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2, w3, b3, *, lr, momentum, batch_size
):
    dtype = x_train.dtype
    model = load_weights(lenet(w1.shape[0], w2.shape[0]), w1, b1, w2, b2, w3.T, b3)  # Linear: torch (out, in) -> (in, out)
    # v <- mu v + g, W <- W - lr v: torch's form. One optimiser for the run: it keeps v.
    optimizer = paddle.optimizer.Momentum(learning_rate=lr, momentum=momentum, parameters=model.parameters())
    losses, val_accuracy = [], []
    for epoch_order in order:
        # The same batches as NumPy, in the same order (a DataLoader would reshuffle with Paddle's RNG).
        for start in range(0, len(epoch_order), batch_size):
            rows = epoch_order[start : start + batch_size]
            loss = F.cross_entropy(model(paddle.gather(x_train, rows)), paddle.gather(y_train, rows))
            loss.backward()
            optimizer.step()
            optimizer.clear_grad()
            losses.append(loss.detach())
        with paddle.no_grad():
            val_accuracy.append(accuracy(model(x_val).argmax(axis=1), y_val, dtype))
    with paddle.no_grad():
        test_accuracy = accuracy(model(x_test).argmax(axis=1), y_test, dtype)
    conv1, conv2, dense = model[0], model[3], model[7]
    return {
        "loss": paddle.stack(losses), "w1": conv1.weight, "b1": conv1.bias, "w2": conv2.weight, "b2": conv2.bias,
        "w3": dense.weight.T, "b3": dense.bias, "val_accuracy": paddle.stack(val_accuracy),
        "test_accuracy": test_accuracy,
    }
