#!/usr/bin/python3
"""Train an MLP or a small CNN on Fashion-MNIST in PyTorch: the PyTorch side
of `make bench-train`, the baseline dlc's trainer is compared with.

Usage:
    bench_train_torch.py --model mlp|cnn|lstm|transformer [--threads N] [--seed S] [--json]
                         [--epochs E]                       (full training)
    bench_train_torch.py --model mlp|cnn|lstm|transformer --throughput-only [--max-batches K]
                         [--warmup W] [--threads N] [--seed S] [--json]

Full training runs E epochs and evaluates the test set after each one;
epoch_seconds holds the training time of each epoch (evaluation excluded)
and samples_per_sec is training samples over the summed training time.
--throughput-only trains W warm-up batches (untimed), then times the next K
batches, or the rest of one epoch without --max-batches; samples_per_sec is
over the timed batches only, and there is no evaluation (test_accuracy and
test_loss are null, epochs is 0, --epochs is ignored).

With --json the result is one JSON line on stdout:
    {"engine":"pytorch","model":..,"threads":..,"batch_size":64,
     "samples_per_sec":..,"epochs":..,"test_accuracy":..,"test_loss":..,
     "epoch_seconds":[..],"torch_version":..,"blas":..}
plus "omp_wait_policy", "mode", "seed", "timed_batches", "total_seconds",
"epoch_test_accuracy" and "epoch_test_loss" (per-epoch lists). Progress,
the BLAS check and warnings go to stderr.

What must be installed (Debian bookworm):
    python3-torch            PyTorch 1.13, run by /usr/bin/python3
    python3-numpy            reading the IDX files
    dataset-fashion-mnist    /usr/share/datasets/fashion-mnist/*.gz
    libopenblas0-pthread     the BLAS behind nn.Linear (convolutions use
                             oneDNN, built into torch)
Debian's torch is built with BLAS_INFO=generic: it links libblas.so.3, and
which library that is is chosen by update-alternatives
(`update-alternatives --display libblas.so.3-x86_64-linux-gnu`). Only the
reference BLAS (libblas3, priority 10) comes with python3-torch; it does a
512x512 matmul at about 5 GFLOP/s. Installing libopenblas0-pthread registers
OpenBLAS at priority 100, so in auto mode it takes over (about 100 GFLOP/s
on one AVX-512 core). The script reports the library actually mapped and
warns loudly when a 512x512 matmul runs under MIN_GFLOPS.

Threads: torch.set_num_threads does not reach OpenBLAS in this build (no
MKL), and OpenBLAS reads OPENBLAS_NUM_THREADS once when loaded, so the
script sets OPENBLAS_NUM_THREADS and OMP_NUM_THREADS to --threads before it
imports torch, then calls torch.set_num_threads(N) and
torch.set_num_interop_threads(1) before any other torch call.

Two thread pools: with libopenblas0-pthread, OpenBLAS keeps its own
pthreads beside torch's OpenMP (libgomp) pool. The script therefore sets
OMP_WAIT_POLICY=PASSIVE unless the caller set it (reported as
"omp_wait_policy"); with the default active spinning, 2-thread MLP training
ran ~20x slower than 1-thread. libopenblas0-openmp shares torch's libgomp
pool instead and avoids the clash, but registers at priority 95, so the
pthread build wins when both are installed; either works with this script.

Training setup (dlc's side of the benchmark must match it): PyTorch default
init after torch.manual_seed(seed); inputs x/255 then (x-0.2860)/0.3530;
CrossEntropyLoss; Adam(lr 1e-3, betas (0.9, 0.999), eps 1e-8); batch 64,
last partial batch kept; the order is torch.randperm with a torch.Generator
seeded with the seed, drawn afresh each epoch. The test set is evaluated in
eval mode (BatchNorm running statistics, no dropout) in batches of 1000;
test_loss is the mean cross-entropy over all 10000 images.
"""

import argparse
import ctypes
import gzip
import json
import os
import sys
import time

DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530
BATCH = 64
EVAL_BATCH = 1000
# A 512x512 SGEMM under this rate means the reference BLAS (or a starved
# machine): torch numbers would then say nothing about PyTorch.
MIN_GFLOPS = 20.0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=("mlp", "cnn", "lstm", "transformer"), required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--precision", choices=("float32", "bf16"), default="float32",
                   help="bf16: forward under torch.autocast('cpu', bfloat16), as dlc's precision: bf16")
    p.add_argument("--json", action="store_true", help="print one JSON line on stdout")
    p.add_argument("--throughput-only", action="store_true",
                   help="time training steps only; no evaluation")
    p.add_argument("--max-batches", type=int, default=0,
                   help="with --throughput-only: timed batches (0: rest of one epoch)")
    p.add_argument("--warmup", type=int, default=5,
                   help="with --throughput-only: untimed batches first")
    p.add_argument("--data", default=DATA_DIR, help="folder of the four IDX .gz files")
    a = p.parse_args()
    if a.threads < 1:
        p.error("--threads must be at least 1")
    if a.epochs < 1:
        p.error("--epochs must be at least 1")
    if a.max_batches < 0 or a.warmup < 0:
        p.error("--max-batches and --warmup must not be negative")
    return a


ARGS = parse_args()
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
# Torch's libgomp workers spin after each parallel region and starve
# OpenBLAS's own pthreads of the cores: MLP training at 2 threads fell from
# ~38000 to ~2000 samples/s. Passive waiting lets them take turns.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402  (after the thread variables are set)
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

torch.set_num_threads(ARGS.threads)
torch.set_num_interop_threads(1)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def read_idx(path):
    """Return the array in a gzip'd IDX file (big-endian header: two zero
    bytes, a type code, the rank, then one uint32 per dimension)."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        sys.exit(f"bench_train_torch: {path}: {e} (install dataset-fashion-mnist)")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        sys.exit(f"bench_train_torch: {path}: not an IDX file of uint8")
    rank = raw[3]
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=rank, offset=4))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank)
    if data.size != int(np.prod(dims)):
        sys.exit(f"bench_train_torch: {path}: {data.size} bytes of data, header says {dims}")
    return data.reshape(dims)


def load_split(data_dir, prefix):
    """Images as float32 N×1×28×28, normalized; labels as int64 N."""
    x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    if x.shape[0] != y.shape[0]:
        sys.exit(f"bench_train_torch: {prefix}: {x.shape[0]} images but {y.shape[0]} labels")
    x = torch.from_numpy(x.astype(np.float32)).div_(255.0).sub_(MEAN).div_(STD)
    return x.unsqueeze(1).contiguous(), torch.from_numpy(y.astype(np.int64))


class Rows(nn.Module):
    """[N, 1, 28, 28] images as [N, 28, 28]: 28 steps (tokens) of 28 pixels."""

    def forward(self, x):
        return x.reshape(x.shape[0], x.shape[2], x.shape[3])


class LSTMClassifier(nn.Module):
    """dlc's lstm preset: LSTM(28 -> 128) over the rows, last hidden state,
    Linear(128 -> 10)."""

    def __init__(self):
        super().__init__()
        self.rows = Rows()
        self.lstm = nn.LSTM(28, 128, batch_first=True)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        _, (h, _) = self.lstm(self.rows(x))
        return self.fc(h[-1])


class TransformerClassifier(nn.Module):
    """dlc's transformer preset: rows as 28 tokens, Linear(28 -> 64), learned
    positions N(0, 0.02^2), two post-norm encoder layers (4 heads, ff 128,
    ReLU, no dropout), mean over tokens, Linear(64 -> 10)."""

    def __init__(self):
        super().__init__()
        self.rows = Rows()
        self.proj = nn.Linear(28, 64)
        self.pos = nn.Parameter(torch.randn(28, 64) * 0.02)
        layer = nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        t = self.proj(self.rows(x)) + self.pos
        return self.fc(self.encoder(t).mean(dim=1))


def make_model(name):
    if name == "lstm":
        return LSTMClassifier()
    if name == "transformer":
        return TransformerClassifier()
    if name == "mlp":
        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 256), nn.ReLU(),
            nn.Linear(256, 256), nn.ReLU(),
            nn.Linear(256, 10),
        )
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(128, 10),
    )


def blas_library():
    """Name the BLAS this process mapped: the file behind libblas.so.3 (the
    update-alternatives choice), preceded by OpenBLAS's build string and
    thread count when libopenblas is loaded."""
    paths = []
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1]
            if p.startswith("/") and p not in paths:
                paths.append(p)
    names = {os.path.basename(p): p for p in paths}
    blas = next((p for n, p in names.items() if n.startswith("libblas.so")), None)
    mkl = next((p for n, p in names.items() if n.startswith("libmkl")), None)
    openblas = next((p for n, p in names.items() if n.startswith("libopenblas")), None)
    desc = blas or mkl or "unknown (no libblas.so mapped)"
    if openblas:
        try:
            lib = ctypes.CDLL(openblas)
            lib.openblas_get_config.restype = ctypes.c_char_p
            cfg = lib.openblas_get_config().decode()
            desc = f"{cfg} threads={lib.openblas_get_num_threads()} via {desc}"
        except (OSError, AttributeError):
            desc = f"{openblas} via {desc}"
    return desc


def check_matmul():
    """Time a 512x512 float32 matmul; warn loudly when it is too slow."""
    n = 512
    g = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=g)
    b = torch.randn(n, n, generator=g)
    for _ in range(3):
        a @ b
    reps, best = 10, float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    gflops = 2 * n ** 3 / best / 1e9
    log(f"bench_train_torch: 512x512 matmul {gflops:.1f} GFLOP/s (best of {reps}, {ARGS.threads} thread(s))")
    if gflops < MIN_GFLOPS:
        bar = "!" * 72
        log(bar)
        log(f"WARNING: 512x512 matmul at {gflops:.1f} GFLOP/s, under {MIN_GFLOPS:.0f} GFLOP/s.")
        log("Torch is probably on Debian's reference BLAS: apt-get install -y libopenblas0-pthread")
        log("(check: update-alternatives --display libblas.so.3-x86_64-linux-gnu).")
        log("PyTorch figures from this run understate PyTorch.")
        log(bar)
    return gflops


def batches(n, gen):
    """Index tensors of one epoch: a fresh permutation cut into BATCH-sized
    pieces, the last one short."""
    perm = torch.randperm(n, generator=gen)
    return perm.split(BATCH)


def train_step(model, opt, loss_fn, x, y):
    opt.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=ARGS.precision == "bf16"):
        loss = loss_fn(model(x).float(), y)
    loss.backward()
    opt.step()
    return loss


def evaluate(model, loss_fn, x, y):
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, x.shape[0], EVAL_BATCH):
            out = model(x[i:i + EVAL_BATCH])
            yy = y[i:i + EVAL_BATCH]
            total_loss += loss_fn(out, yy).item() * yy.shape[0]
            correct += (out.argmax(1) == yy).sum().item()
    model.train()
    return correct / x.shape[0], total_loss / x.shape[0]


def run_throughput(model, opt, loss_fn, xtr, ytr, gen):
    idx = batches(xtr.shape[0], gen)
    if ARGS.warmup >= len(idx):
        sys.exit(f"bench_train_torch: --warmup {ARGS.warmup} leaves no batch of the {len(idx)} in an epoch")
    for b in idx[:ARGS.warmup]:
        train_step(model, opt, loss_fn, xtr[b], ytr[b])
    timed = idx[ARGS.warmup:]
    if ARGS.max_batches:
        timed = timed[:ARGS.max_batches]
    samples = sum(b.shape[0] for b in timed)
    t = time.perf_counter()
    for b in timed:
        loss = train_step(model, opt, loss_fn, xtr[b], ytr[b])
    loss.item()  # the step is synchronous on CPU; this only keeps the value live
    dt = time.perf_counter() - t
    log(f"bench_train_torch: {len(timed)} batches ({samples} samples) in {dt:.3f}s")
    return {"mode": "throughput", "samples_per_sec": samples / dt, "epochs": 0,
            "timed_batches": len(timed), "total_seconds": dt,
            "test_accuracy": None, "test_loss": None, "epoch_seconds": [],
            "epoch_test_accuracy": [], "epoch_test_loss": []}


def run_training(model, opt, loss_fn, xtr, ytr, xte, yte, gen):
    epoch_seconds, accs, losses = [], [], []
    t_all = time.perf_counter()
    for e in range(ARGS.epochs):
        idx = batches(xtr.shape[0], gen)
        t = time.perf_counter()
        for b in idx:
            train_step(model, opt, loss_fn, xtr[b], ytr[b])
        epoch_seconds.append(time.perf_counter() - t)
        acc, loss = evaluate(model, loss_fn, xte, yte)
        accs.append(acc)
        losses.append(loss)
        log(f"bench_train_torch: epoch {e + 1}/{ARGS.epochs}: {epoch_seconds[-1]:.2f}s "
            f"test accuracy {acc:.4f} loss {loss:.4f}")
    total = time.perf_counter() - t_all
    return {"mode": "train",
            "samples_per_sec": ARGS.epochs * xtr.shape[0] / sum(epoch_seconds),
            "epochs": ARGS.epochs, "timed_batches": ARGS.epochs * len(idx),
            "total_seconds": total, "test_accuracy": accs[-1], "test_loss": losses[-1],
            "epoch_seconds": epoch_seconds,
            "epoch_test_accuracy": accs, "epoch_test_loss": losses}


def main():
    blas = blas_library()
    log(f"bench_train_torch: torch {torch.__version__}, BLAS {blas}")
    check_matmul()
    blas = blas_library()  # OpenBLAS may be loaded lazily by the first matmul

    xtr, ytr = load_split(ARGS.data, "train")
    xte, yte = load_split(ARGS.data, "t10k")

    torch.manual_seed(ARGS.seed)
    model = make_model(ARGS.model)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(ARGS.seed)

    if ARGS.throughput_only:
        res = run_throughput(model, opt, loss_fn, xtr, ytr, gen)
    else:
        res = run_training(model, opt, loss_fn, xtr, ytr, xte, yte, gen)

    out = {"engine": "pytorch", "model": ARGS.model, "threads": ARGS.threads,
           "batch_size": BATCH, "samples_per_sec": res["samples_per_sec"],
           "epochs": res["epochs"], "test_accuracy": res["test_accuracy"],
           "test_loss": res["test_loss"], "epoch_seconds": res["epoch_seconds"],
           "torch_version": torch.__version__, "blas": blas,
           "omp_wait_policy": os.environ["OMP_WAIT_POLICY"], "mode": res["mode"],
           "seed": ARGS.seed, "timed_batches": res["timed_batches"],
           "total_seconds": res["total_seconds"],
           "epoch_test_accuracy": res["epoch_test_accuracy"],
           "epoch_test_loss": res["epoch_test_loss"]}
    if ARGS.json:
        print(json.dumps(out), flush=True)
    else:
        print(f"pytorch {ARGS.model} threads={ARGS.threads}: {out['samples_per_sec']:.0f} samples/s", end="")
        if out["test_accuracy"] is not None:
            print(f", test accuracy {out['test_accuracy']:.4f} loss {out['test_loss']:.4f}"
                  f" after {out['epochs']} epoch(s), {out['total_seconds']:.1f}s total", end="")
        print()


if __name__ == "__main__":
    main()
