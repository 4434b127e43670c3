#!/usr/bin/python3
"""Export the models `make bench` times in dlc and ONNX Runtime.

Usage: export_bench_models.py [CACHE_DIR] [--only NAME,...] [--force]

CACHE_DIR defaults to .cache/bench. Every model is written as

    CACHE_DIR/<name>/model.onnx
    CACHE_DIR/<name>/test_data_set_0/input_K.pb   (ONNX TensorProto)
    CACHE_DIR/<name>/test_data_set_0/output_K.pb  (PyTorch's outputs)

the layout of the ONNX backend tests, which `dlc run -i` reads. Batch size
is 1 everywhere and shapes are static. There is no network access, so the
weights are random (fixed seed per model, BatchNorm statistics randomized
so folding them is exercised). The matmul_<N> models are a single MatMul
of two N×N graph inputs, for ONNX Runtime's SGEMM rate; they have no test
data. Models already complete are kept unless --force is given; a model is
written to a temporary folder and renamed, so a folder that exists is
complete.
"""

import argparse
import math
import os
import shutil
import sys
import warnings

import onnx
import torch
import torch.nn as nn
import torchvision
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
MATMUL_SIZES = (256, 512, 1024, 2048)


class MLP(nn.Module):
    """784-512-512-10 with ReLU: MNIST-sized, all GEMV at batch 1."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(784, 512), nn.ReLU(),
            nn.Linear(512, 512), nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        return self.net(x)


class Bert(nn.Module):
    """A BERT-like encoder written out by hand (so the graph is the plain
    MatMul/Softmax/LayerNorm form that exporters of real BERTs produce):
    token, position and segment embeddings, LayerNorm, post-norm layers of
    masked multi-head self-attention and a GELU feed-forward, then the
    tanh pooler over the first token. The attention mask is the usual
    int64 0/1 input turned into an additive -10000 bias."""

    def __init__(self, vocab=8192, seq=128, d=256, heads=4, ffn=1024, layers=4):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        self.seg = nn.Embedding(2, d)
        self.register_buffer("pos_ids", torch.arange(seq).unsqueeze(0))
        self.emb_norm = nn.LayerNorm(d, eps=1e-12)
        self.layers = nn.ModuleList(BertLayer(d, heads, ffn) for _ in range(layers))
        self.pool = nn.Linear(d, d)

    def forward(self, ids, mask):
        s = ids.shape[1]
        x = self.tok(ids) + self.pos(self.pos_ids[:, :s]) + self.seg(torch.zeros_like(ids))
        x = self.emb_norm(x)
        bias = (1.0 - mask[:, None, None, :].float()) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x, torch.tanh(self.pool(x[:, 0]))


class BertLayer(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.out = nn.Linear(d, d)
        self.norm1 = nn.LayerNorm(d, eps=1e-12)
        self.ff1 = nn.Linear(d, ffn)
        self.ff2 = nn.Linear(ffn, d)
        self.norm2 = nn.LayerNorm(d, eps=1e-12)

    def forward(self, x, bias):
        b, s, d = x.shape
        h = self.heads
        # [b, s, d] -> [b, h, s, d/h]
        q, k, v = (t(x).reshape(b, s, h, d // h).transpose(1, 2) for t in (self.q, self.k, self.v))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // h) + bias
        ctx = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, s, d)
        x = self.norm1(x + self.out(ctx))
        return self.norm2(x + self.ff2(nn.functional.gelu(self.ff1(x))))


class LSTMClassifier(nn.Module):
    """A 2-layer LSTM (hidden 256) over 64 steps of 64 float features,
    classified from the last step."""

    def __init__(self, features=64, hidden=256, classes=10):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y[:, -1])


def randomize_batchnorm(model):
    """Give BatchNorm layers non-trivial statistics: fresh ones are the
    identity, which would make folding them free."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return model


def image():
    return torch.randn(1, 3, 224, 224)


def vision(ctor):
    return lambda: (randomize_batchnorm(ctor(weights=None)), (image(),), ["input"], ["logits"])


def bert():
    m = Bert()
    ids = torch.randint(0, 8192, (1, 128), dtype=torch.int64)
    mask = torch.ones(1, 128, dtype=torch.int64)
    mask[:, 100:] = 0  # padding, so the mask does something
    return m, (ids, mask), ["input_ids", "attention_mask"], ["hidden", "pooled"]


# name -> (seed, builder returning (module, inputs, input names, output names)).
MODELS = {
    "mlp": (1, lambda: (MLP(), (torch.randn(1, 784),), ["input"], ["logits"])),
    "resnet18": (2, vision(torchvision.models.resnet18)),
    "resnet50": (3, vision(torchvision.models.resnet50)),
    "mobilenet_v2": (4, vision(torchvision.models.mobilenet_v2)),
    "squeezenet": (5, vision(torchvision.models.squeezenet1_1)),
    "bert": (6, bert),
    "lstm": (7, lambda: (LSTMClassifier(), (torch.randn(1, 64, 64),), ["features"], ["logits"])),
}


def write_tensor(path, array):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array).SerializeToString())


def export_torch(name, dest):
    seed, build = MODELS[name]
    torch.manual_seed(seed)
    model, inputs, in_names, out_names = build()
    model.eval()
    tmp = dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    data = os.path.join(tmp, "test_data_set_0")
    os.makedirs(data)
    # The tracer warns about shapes turned into constants (and the LSTM
    # about batch_first); every export here is static, batch 1, on purpose.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = model(*inputs)
        if isinstance(outputs, torch.Tensor):
            outputs = (outputs,)
        torch.onnx.export(
            model, inputs, os.path.join(tmp, "model.onnx"),
            opset_version=OPSET, do_constant_folding=True,
            input_names=in_names, output_names=out_names,
        )
    onnx.checker.check_model(os.path.join(tmp, "model.onnx"))
    for k, t in enumerate(inputs):
        write_tensor(os.path.join(data, "input_%d.pb" % k), t.numpy())
    for k, t in enumerate(outputs):
        write_tensor(os.path.join(data, "output_%d.pb" % k), t.numpy())
    finish(tmp, dest)


def export_matmul(n, dest):
    tmp = dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    g = helper.make_graph(
        [helper.make_node("MatMul", ["A", "B"], ["C"])],
        "matmul_%d" % n,
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [n, n]) for x in ("A", "B")],
        [helper.make_tensor_value_info("C", TensorProto.FLOAT, [n, n])],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(tmp, "model.onnx"))
    finish(tmp, dest)


def finish(tmp, dest):
    # Rename last so an interrupted run never leaves a folder that looks complete.
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cache", nargs="?", default=".cache/bench")
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--force", action="store_true", help="re-export models already present")
    args = ap.parse_args()

    jobs = {name: (lambda name=name: lambda d: export_torch(name, d))() for name in MODELS}
    for n in MATMUL_SIZES:
        jobs["matmul_%d" % n] = (lambda n=n: lambda d: export_matmul(n, d))()
    names = [s for s in args.only.split(",") if s] or list(jobs)
    unknown = [s for s in names if s not in jobs]
    if unknown:
        ap.error("unknown model(s) %s; known: %s" % (",".join(unknown), ",".join(jobs)))

    torch.set_num_threads(1)  # deterministic float summation order
    os.makedirs(args.cache, exist_ok=True)
    for name in names:
        dest = os.path.join(args.cache, name)
        if not args.force and os.path.exists(os.path.join(dest, "model.onnx")):
            print("kept   ", dest)
            continue
        jobs[name](dest)
        print("wrote  ", dest)


if __name__ == "__main__":
    sys.exit(main())
