#!/usr/bin/python3
"""Train the small Fashion-MNIST CNN that examples/aot compiles, and export
it to ONNX (opset 17, batch dim symbolic).

    /usr/bin/python3 scripts/train_fashion_tiny.py examples/aot/model/fashion_cnn.onnx

Needs python3-torch, python3-onnx and dataset-fashion-mnist. Two epochs of
Adam on the 60,000 training images, seeded; prints the test accuracy.
"""
import gzip
import sys

import numpy as np
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(f"{DATA}/{name}", "rb") as f:
        b = f.read()
    ndim = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(part):
    x = idx(f"{part}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    y = idx(f"{part}-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)


def main(out):
    torch.manual_seed(1)
    torch.set_num_threads(2)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10))
    xtr, ytr = load("train")
    xte, yte = load("t10k")
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(1)
    for epoch in range(2):
        perm = torch.randperm(len(xtr), generator=g)
        model.train()
        for i in range(0, len(xtr), 64):
            j = perm[i:i + 64]
            opt.zero_grad()
            nn.functional.cross_entropy(model(xtr[j]), ytr[j]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).float().mean().item()
        print(f"epoch {epoch + 1}: test accuracy {acc:.4f}", file=sys.stderr)
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), out, opset_version=17,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})


if __name__ == "__main__":
    main(sys.argv[1])
