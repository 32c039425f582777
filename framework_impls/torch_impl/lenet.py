"""The digits LeNet with torch.nn layers and torch.optim.SGD with momentum.

The initial weights, images and batch order come in as tensors; the run copies the
weights into the modules (the reference's NCHW / OIHW layouts are PyTorch's), then
lets autograd and the optimiser do the rest.
"""

import torch
import torch.nn.functional as F
from torch import nn

from framework_impls.torch_impl.networks import load_weights


def lenet(c1, c2, dtype):
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(4 * c2, 10, dtype=dtype),  # softmax: inside F.cross_entropy
    )


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).to(x.dtype).mean()


def lenet_digits_training(
    x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2, w3, b3, *, lr, momentum, batch_size
):
    model = load_weights(lenet(w1.shape[0], w2.shape[0], x_train.dtype), w1, b1, w2, b2, w3, b3)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)  # one for the run: it keeps v
    losses, val_accuracy = [], []
    for epoch_order in order:
        # The same batches as NumPy, in the same order (a DataLoader would reshuffle with torch's RNG).
        for rows in epoch_order.split(batch_size):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x_train[rows]), y_train[rows])
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
        val_accuracy.append(accuracy(model, x_val, y_val))
    conv1, conv2, dense = model[0], model[3], model[7]
    return {
        "loss": torch.stack(losses), "w1": conv1.weight, "b1": conv1.bias, "w2": conv2.weight, "b2": conv2.bias,
        "w3": dense.weight, "b3": dense.bias, "val_accuracy": torch.stack(val_accuracy),
        "test_accuracy": accuracy(model, x_test, y_test),
    }
