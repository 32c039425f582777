"""The PyTorch witness: torch tensors, gradients from ``torch.autograd.grad``."""

from __future__ import annotations

import numpy as np

from comparisons.witnesses.adapter import THREADS, Adapter, as_outputs, gradient_name


class TorchAdapter(Adapter):
    name = "torch"

    def setup(self):
        import torch

        torch.set_num_threads(THREADS)
        torch.use_deterministic_algorithms(True)
        self.torch = torch

    def to_tensor(self, array, requires_grad=False):
        tensor = self.torch.tensor(np.asarray(array))  # a copy: implementations cannot touch the inputs
        return tensor.requires_grad_(requires_grad and tensor.is_floating_point())

    def to_numpy(self, value):
        if isinstance(value, self.torch.Tensor):
            return value.detach().cpu().numpy()
        return np.asarray(value)

    def forward(self, function, inputs, params, grad_wrt):
        tensors = {k: self.to_tensor(v, requires_grad=k in grad_wrt) for k, v in inputs.items()}
        outputs = as_outputs(function(**tensors, **params))

        def pullback(dout):
            wrt = [tensors[k] for k in grad_wrt]
            grads = self.torch.autograd.grad(outputs["out"], wrt, grad_outputs=self.to_tensor(dout), allow_unused=True)
            missing = [k for k, g in zip(grad_wrt, grads) if g is None]
            if missing:
                raise ValueError(f"no gradient flows to {', '.join(missing)}")
            return {gradient_name(k): self.to_numpy(g) for k, g in zip(grad_wrt, grads)}

        return self.numpy_outputs(outputs), (pullback if grad_wrt else None)
