"""PyTorch: ``nn.Sequential``, ``torch.optim.SGD``/``Adam``, the same initialization; on the
CPU, or on ``--device cuda`` (data and model moved there once, the timer stopped after
``torch.cuda.synchronize()``).

The loop is the efficient one a PyTorch user writes: the whole dataset as one tensor, a fresh
permutation per epoch, each mini-batch gathered by index (no DataLoader, whose per-sample
collation would only slow PyTorch down). L2 is ``weight_decay = lambda / m`` on the weights only
(biases are not penalized, as in the course), which for both SGD and (non-decoupled) Adam is
exactly deeprecipe's L2-in-the-gradient.
"""

from __future__ import annotations

from benchmarks.contenders._common import (
    PARITY_EPOCHS,
    PARITY_TEST_ROWS,
    PARITY_TRAIN_ROWS,
    accuracy,
    current_rss_bytes,
    run_main,
    time_run,
)
from benchmarks.workloads import initial_params, make_data


def build(torch, workload):
    nn = torch.nn
    layers = []
    params = initial_params(workload.sizes)
    for l, (W, b) in enumerate(params):
        linear = nn.Linear(W.shape[0], W.shape[1])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.astype("float32")))
            linear.bias.copy_(torch.from_numpy(b.astype("float32")))
        layers.append(linear)
        if l < len(params) - 1:
            layers.append(nn.ReLU())
            if workload.keep_prob < 1.0:
                layers.append(nn.Dropout(p=1.0 - workload.keep_prob))
    return nn.Sequential(*layers)


def make_optimizer(torch, model, workload, m: int):
    """L2 on the weights only, as the course (and deeprecipe) define it: biases are not decayed."""
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    groups = [
        {"params": weights, "weight_decay": workload.l2 / m},
        {"params": biases, "weight_decay": 0.0},
    ]
    if workload.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=workload.learning_rate)
    return torch.optim.Adam(groups, lr=workload.learning_rate)


def train(torch, model, optimizer, loss_fn, X, y, batch: int, epochs: int, generator) -> None:
    model.train()
    m = X.shape[0]
    for _ in range(epochs):
        order = torch.randperm(m, generator=generator, device=X.device) if batch < m else None
        for start in range(0, m, batch):
            if order is None:
                xb, yb = X, y
            else:
                index = order[start : start + batch]
                xb, yb = X[index], y[index]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()


def run_one(args, w) -> dict:
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device or "cpu")
    generator = torch.Generator(device=device).manual_seed(args.seed)
    binary = w.sizes[-1] == 1

    def tensors(X, y):
        X = torch.from_numpy(X)
        y = torch.from_numpy(y.astype("float32")[:, None]) if binary else torch.from_numpy(y)
        return X.to(device), y.to(device)

    def done():  # the clock stops when the device has finished, not when the queue is full
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    loss_fn = torch.nn.BCEWithLogitsLoss() if binary else torch.nn.CrossEntropyLoss()
    if args.mode == "throughput":
        rows = min(w.rows, w.timed_samples)
        X, y = tensors(*make_data(w, rows))
        epochs = w.timed_samples // rows
        model = build(torch, w).to(device)
        optimizer = make_optimizer(torch, model, w, rows)
        warm = min(rows, 4 * w.batch_size)
        train(
            torch,
            model,
            optimizer,
            loss_fn,
            X[:warm],
            y[:warm],
            w.batch_size,
            min(epochs, 20),
            generator,
        )
        done()
        seconds = time_run(
            lambda: (
                train(torch, model, optimizer, loss_fn, X, y, w.batch_size, epochs, generator),
                done(),
            )
        )
        return {
            "seconds": seconds,
            "samples": rows * epochs,
            "torch_blas": _torch_blas(torch),
            "device": str(device),
        }
    if args.mode == "memory":
        tiny_X, tiny_y = tensors(*make_data(w, 512))
        tiny = build(torch, w)
        train(
            torch,
            tiny,
            make_optimizer(torch, tiny, w, 512),
            loss_fn,
            tiny_X,
            tiny_y,
            w.batch_size,
            1,
            generator,
        )  # imports, thread pools and allocator first
        base = current_rss_bytes()
        Xn, yn = make_data(w)
        X, y = tensors(Xn, yn)
        model = build(torch, w)
        optimizer = make_optimizer(torch, model, w, len(Xn))
        seconds = time_run(
            lambda: train(torch, model, optimizer, loss_fn, X, y, w.batch_size, 1, generator)
        )
        return {
            "seconds": seconds,
            "samples": len(Xn),
            "rss_before_data": base,
            "dataset_bytes": Xn.nbytes + yn.nbytes,
        }
    Xn, yn = make_data(w, PARITY_TRAIN_ROWS + PARITY_TEST_ROWS)
    X, y = tensors(Xn, yn)
    model = build(torch, w)
    optimizer = make_optimizer(torch, model, w, PARITY_TRAIN_ROWS)
    train(
        torch,
        model,
        optimizer,
        loss_fn,
        X[:PARITY_TRAIN_ROWS],
        y[:PARITY_TRAIN_ROWS],
        w.batch_size,
        PARITY_EPOCHS,
        generator,
    )
    model.eval()
    with torch.no_grad():
        predicted = model(X[PARITY_TRAIN_ROWS:]).argmax(dim=1).cpu().numpy()
    return {"accuracy": accuracy(predicted, yn[PARITY_TRAIN_ROWS:]), "seed": args.seed}


def _torch_blas(torch) -> str:
    """PyTorch links its own BLAS (MKL) and oneDNN, which threadpoolctl does not list."""
    config = torch.__config__.show()
    blas = next(
        (
            part.split("=")[1]
            for part in config.replace(",", " ").split()
            if part.startswith("BLAS_INFO=")
        ),
        "?",
    )
    onednn = torch.backends.mkldnn.is_available()
    return f"{blas}, oneDNN {onednn}, {torch.get_num_threads()} threads"


def main(argv=None) -> None:
    run_main("torch", run_one, argv)


if __name__ == "__main__":
    main()
