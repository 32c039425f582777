"""Rosetta: the same neural-network math in NumPy, PyTorch and TensorFlow, proven to agree."""
