"""The workloads every contender runs: the same data, network, initialization and budget.

A workload is small data: the layer sizes, the optimizer, the mini-batch size, the
regularization, and how many samples one timed run trains on. Throughput is measured on a fixed
number of mini-batches (``timed_samples`` rows, one pass) rather than many epochs, so that
``make bench`` stays within about ten minutes on two cores; the peak-memory workload trains one
full epoch over the whole 60,000 x 784 dataset.

FLOPs per training sample, counted as the issue asks (``n`` the layer sizes, ``L`` layers)::

    forward             2 * sum_l n[l-1] n[l]
    weight gradients    2 * sum_l n[l-1] n[l]          (A[l-1]^T dZ[l])
    input gradients     2 * sum_{l>=2} n[l-1] n[l]     (dZ[l] W[l]^T, not needed for layer 1)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

#: rows of the synthetic dataset (MNIST-sized)
DATASET_ROWS = 60_000
MNIST_SIZES = (784, 256, 128, 10)
SMALL_SIZES = (2, 20, 3, 1)
SMALL_ROWS = 211
DATA_SEED = 20240601
INIT_SEED = 7
#: L2 strength lambda; PyTorch's weight_decay is lambda / m (m = 60,000 here: 1e-4)
L2_LAMBDA = 6.0


@dataclass(frozen=True)
class Workload:
    name: str
    sizes: tuple[int, ...]
    optimizer: str  # "sgd" or "adam"
    batch_size: int  # mini-batch size; equal to rows for full-batch training
    timed_samples: int  # rows visited by one timed run (one pass over the first rows)
    keep_prob: float = 1.0
    l2: float = 0.0
    rows: int = DATASET_ROWS  # rows of the dataset (m, which the L2 term divides by)
    loss: str = "softmax_crossentropy"

    @property
    def learning_rate(self) -> float:
        return 0.01 if self.optimizer == "sgd" else 0.001

    @property
    def regularized(self) -> bool:
        return self.keep_prob < 1.0 or self.l2 > 0.0

    @property
    def full_batch(self) -> bool:
        return self.batch_size >= self.rows

    def to_dict(self) -> dict:
        return {**asdict(self), "flops_per_sample": flops_per_sample(self.sizes)}


def flops_per_sample(sizes) -> int:
    """Multiply-add FLOPs (2 per multiply-add) of one training sample: forward and backward."""
    products = [n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return 2 * sum(products) + 2 * sum(products) + 2 * sum(products[1:])


def _mnist(opt: str, batch: int, samples: int, reg: bool = False) -> Workload:
    tag = "-l2-dropout" if reg else ""
    return Workload(
        name=f"mnist-{opt}-b{batch}{tag}",
        sizes=MNIST_SIZES,
        optimizer=opt,
        batch_size=batch,
        timed_samples=samples,
        keep_prob=0.8 if reg else 1.0,
        l2=L2_LAMBDA if reg else 0.0,
    )


# timed samples: about a third of a second for deeprecipe at each batch size, and a whole number
# of mini-batches, so no contender handles a ragged last batch in the timed part.
WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in [
        _mnist("sgd", 32, 6_400),
        _mnist("adam", 32, 6_400),
        _mnist("sgd", 256, 15_360),
        _mnist("adam", 256, 15_360),
        _mnist("sgd", 1024, 30_720),
        _mnist("adam", 1024, 30_720),
        _mnist("sgd", 32, 6_400, reg=True),
        _mnist("adam", 32, 6_400, reg=True),
        _mnist("sgd", 256, 15_360, reg=True),
        _mnist("adam", 256, 15_360, reg=True),
        Workload(
            name="small-2-20-3-1-full-batch",
            sizes=SMALL_SIZES,
            optimizer="sgd",
            batch_size=SMALL_ROWS,
            # 5,000 full-batch iterations: a third of a second, as above (1,000 took 55 ms, and
            # single runs that short scattered by +-2% between processes)
            timed_samples=SMALL_ROWS * 5000,
            rows=SMALL_ROWS,
            loss="binary_crossentropy",
        ),
    ]
}

#: the device table (bench_device): b256 and b1024 on the CPU (the bench_training budgets), and
#: on a GPU several whole epochs per timed run, so that a run lasts about a second there too
DEVICE_WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in [
        Workload(name=f"gpu-sgd-b{batch}", sizes=MNIST_SIZES, optimizer="sgd", batch_size=batch,
                 timed_samples=samples)
        for batch, samples in ((256, 240_000), (1024, 600_000), (8192, 1_200_000))
    ]
}  # fmt: skip

#: one full epoch over the whole dataset, for the peak-RSS figure
MEMORY_WORKLOAD = Workload(
    name="memory-epoch-sgd-b256",
    sizes=MNIST_SIZES,
    optimizer="sgd",
    batch_size=256,
    timed_samples=DATASET_ROWS,
)


def make_data(workload: Workload, rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Seeded synthetic data: ``X`` float32 of shape (rows, n_x), integer labels ``y``.

    Labels come from noisy class centres, so the task is learnable (the accuracy-parity check
    needs that) but not trivial. The first ``rows`` rows are the same whatever ``rows`` is.
    Everything is drawn in float32 directly, so making the data never needs twice its memory.
    """
    rows = workload.rows if rows is None else rows
    n_x, n_out = workload.sizes[0], workload.sizes[-1]
    n_classes = 2 if n_out == 1 else n_out
    centres = np.random.default_rng(DATA_SEED).standard_normal((n_classes, n_x), dtype=np.float32)
    centres *= np.float32(3.0 / np.sqrt(n_x) if n_x > 2 else 1.0)
    rng = np.random.default_rng(DATA_SEED + 1)
    y = rng.integers(0, n_classes, size=rows)
    X = rng.standard_normal((rows, n_x), dtype=np.float32)
    for start in range(0, rows, 4096):  # in chunks: centres[y] whole would double the memory
        X[start : start + 4096] += centres[y[start : start + 4096]]
    return X, y


def initial_params(sizes, seed: int = INIT_SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """He initialization ``W ~ N(0, 2/n_in)`` of shape (n_in, n_out), zero biases, float64.

    Every contender starts from these exact numbers (transposed where it stores W as (out, in)).
    """
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        params.append((W, np.zeros(n_out)))
    return params
