#!/usr/bin/python3
"""Export small PyTorch models to ONNX as test data for dlc.

Usage: export_torch_models.py [CACHE_DIR] [--force]

CACHE_DIR defaults to .cache/models. Every model is written, once per opset
(13 and 17), as

    CACHE_DIR/<name>_op<N>/model.onnx
    CACHE_DIR/<name>_op<N>/test_data_set_0/input_K.pb   (ONNX TensorProto)
    CACHE_DIR/<name>_op<N>/test_data_set_0/output_K.pb  (PyTorch's outputs)

the layout of the ONNX backend tests. There is no network access, so the
weights are random (fixed seeds): the outputs are only meaningful as a
reference to compare against. Running the script again skips models that
are already complete unless --force is given.
"""

import argparse
import math
import os
import shutil
import sys

import onnx
import torch
import torch.nn as nn
import torchvision
from onnx import numpy_helper

OPSETS = (13, 17)


class TinyBert(nn.Module):
    """A BERT-like encoder: token + position embeddings, LayerNorm, then
    post-norm transformer layers (self-attention, GELU feed-forward). Written
    by hand rather than with nn.TransformerEncoder so the exported graph is
    the plain MatMul/Softmax/LayerNorm form, not a fused fast path."""

    def __init__(self, vocab=1000, seq=32, d=128, heads=4, ffn=512, layers=2):
        super().__init__()
        self.heads = heads
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        self.register_buffer("pos_ids", torch.arange(seq).unsqueeze(0))
        self.emb_norm = nn.LayerNorm(d, eps=1e-12)
        self.layers = nn.ModuleList(EncoderLayer(d, heads, ffn) for _ in range(layers))
        self.pool = nn.Linear(d, d)

    def forward(self, ids):
        x = self.emb_norm(self.tok(ids) + self.pos(self.pos_ids[:, : ids.shape[1]]))
        for layer in self.layers:
            x = layer(x)
        pooled = torch.tanh(self.pool(x[:, 0]))
        return x, pooled


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.norm1 = nn.LayerNorm(d, eps=1e-12)
        self.ff1 = nn.Linear(d, ffn)
        self.ff2 = nn.Linear(ffn, d)
        self.norm2 = nn.LayerNorm(d, eps=1e-12)

    def forward(self, x):
        b, s, d = x.shape
        h = self.heads
        q, k, v = self.qkv(x).split(d, dim=-1)
        # [b, s, d] -> [b, h, s, d/h]
        q, k, v = (t.reshape(b, s, h, d // h).transpose(1, 2) for t in (q, k, v))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // h), dim=-1)
        ctx = (att @ v).transpose(1, 2).reshape(b, s, d)
        x = self.norm1(x + self.out(ctx))
        return self.norm2(x + self.ff2(nn.functional.gelu(self.ff1(x))))


class LSTMClassifier(nn.Module):
    """A 2-layer LSTM over float feature sequences, classified from the last
    time step."""

    def __init__(self, features=16, hidden=64, classes=5):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y[:, -1])


def randomize_batchnorm(model):
    """Give BatchNorm layers non-trivial running statistics and affine
    parameters; freshly built ones are the identity, which would leave the
    (folded) normalization untested."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return model


def make_models():
    """Yield (name, module, inputs, input names, output names), each built
    from its own fixed seed so models do not depend on each other."""
    torch.manual_seed(1)
    m = randomize_batchnorm(torchvision.models.resnet18(weights=None))
    yield "resnet18", m, (torch.randn(1, 3, 224, 224),), ["input"], ["logits"]

    torch.manual_seed(2)
    m = randomize_batchnorm(torchvision.models.mobilenet_v2(weights=None))
    yield "mobilenet_v2", m, (torch.randn(1, 3, 224, 224),), ["input"], ["logits"]

    torch.manual_seed(3)
    m = TinyBert()
    ids = torch.randint(0, 1000, (1, 32), dtype=torch.int64)
    yield "tiny_bert", m, (ids,), ["input_ids"], ["hidden", "pooled"]

    torch.manual_seed(4)
    m = LSTMClassifier()
    yield "lstm_classifier", m, (torch.randn(2, 20, 16),), ["features"], ["logits"]


def write_tensor(path, array):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array).SerializeToString())


def export(name, model, inputs, in_names, out_names, opset, dest):
    tmp = dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    data = os.path.join(tmp, "test_data_set_0")
    os.makedirs(data)
    model.eval()
    with torch.no_grad():
        outputs = model(*inputs)
        if isinstance(outputs, torch.Tensor):
            outputs = (outputs,)
        torch.onnx.export(
            model,
            inputs,
            os.path.join(tmp, "model.onnx"),
            opset_version=opset,
            do_constant_folding=True,
            input_names=in_names,
            output_names=out_names,
        )
    onnx.checker.check_model(onnx.load(os.path.join(tmp, "model.onnx")))
    for k, t in enumerate(inputs):
        write_tensor(os.path.join(data, "input_%d.pb" % k), t.numpy())
    for k, t in enumerate(outputs):
        write_tensor(os.path.join(data, "output_%d.pb" % k), t.numpy())
    # Rename last so an interrupted run never leaves a folder that looks complete.
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cache", nargs="?", default=".cache/models")
    ap.add_argument("--force", action="store_true", help="re-export models already present")
    args = ap.parse_args()

    torch.set_num_threads(1)  # deterministic float summation order
    os.makedirs(args.cache, exist_ok=True)
    for name, model, inputs, in_names, out_names in make_models():
        for opset in OPSETS:
            dest = os.path.join(args.cache, "%s_op%d" % (name, opset))
            if not args.force and os.path.exists(os.path.join(dest, "test_data_set_0")):
                print("kept   ", dest)
                continue
            export(name, model, inputs, in_names, out_names, opset, dest)
            print("wrote  ", dest)


if __name__ == "__main__":
    sys.exit(main())
