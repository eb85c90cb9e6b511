"""Where a training step's time goes: the profile behind the ratios of ``run.py``.

    python benchmarks/breakdown.py            # prints Markdown tables; --out FILE writes them too

One thread for NumPy's BLAS and PyTorch (set at run time with threadpoolctl; the environment
is left alone). Every number is a median (or, for the per-layer tables, the best of several
runs) of the CPU time of this thread, which a loaded machine disturbs least.

1. The course's MLP, phase by phase, learnnet's ``fit`` step (``Trainer._train_step``) against the
   same phases of the hand-written NumPy loop of ``bench_training.NumpyMLP``.
2. The CNN, layer by layer: learnnet's forward and backward at batch 32 and 256 (``predict``
   runs the forward at 256), beside PyTorch's modules, forward and backward; and the page faults
   of a predict batch of 256.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np   # noqa: E402

import bench_training as bt   # noqa: E402

clock = time.thread_time_ns


def best_of(fn, repeats=9):
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times) / 1e3


def mlp_phases(rounds=20):
    """Median µs per phase of one training step, learnnet and the NumPy floor, alternating step by step."""
    from learnnet._checks import checked_data
    x, y, _ = bt.mlp_data(2048)
    model = bt.learnnet_mlp()
    model.fit(x[:64], y[:64], verbose=0)
    model._begin_training()
    floor = bt.NumpyMLP()
    phases = {}

    def add(name, start, end):
        phases.setdefault(name, []).append((end - start) / 1e3)

    for _ in range(rounds):
        for s in range(0, len(x), bt.BATCH):
            xs, ys = [x[s:s + bt.BATCH]], [y[s:s + bt.BATCH]]
            t0 = clock()
            y_pred = model._forward_checked(xs, training=True)
            t1 = clock()
            with checked_data():
                upstream = model._losses_and_gradients(ys, [y_pred], len(xs[0]), penalties=model._train_penalties,
                                                       softmax_nodes=model._softmax_nodes)
            t2 = clock()
            model._backpropagate(upstream[0], skip=model._skip_nodes, from_z=model._softmax_nodes,
                                 data_nodes=model._data_nodes)
            t3 = clock()
            model._apply_gradients()
            t4 = clock()
            model._logs()
            t5 = clock()
            f = _floor_step_phases(floor, xs[0], ys[0])
            for name, (a, b) in {"forward": (t0, t1), "loss and its gradient": (t1, t2), "backward": (t2, t3),
                                 "optimizer step": (t3, t4), "logs": (t4, t5), "whole step": (t0, t5)}.items():
                add(("learnnet", name), a, b)
            for name, (a, b) in f.items():
                add(("numpy", name), a, b)
    return {key: statistics.median(values) for key, values in phases.items()}


def _floor_step_phases(floor, x, y):
    """``NumpyMLP.step``, timed phase by phase (the same operations)."""
    import math
    w1, b1, w2, b2, w3, b3 = floor.params
    t0 = clock()
    p, (z1, h1, z2, h2) = floor.forward(x)
    t1 = clock()
    n = len(x)
    float(-np.sum(y * np.log(np.clip(p / p.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7))) / n)
    g3 = (p - y) / n
    t2 = clock()
    g2 = (g3 @ w3.T) * (z2 > 0)
    g1 = (g2 @ w2.T) * (z1 > 0)
    grads = [x.T @ g1, g1.sum(0), h1.T @ g2, g2.sum(0), h2.T @ g3, g3.sum(0)]
    t3 = clock()
    floor.t += 1
    alpha = floor.lr * math.sqrt(1 - floor.b2 ** floor.t) / (1 - floor.b1 ** floor.t)
    for param, g, m, v in zip(floor.params, grads, floor.m, floor.v):
        m += (1 - floor.b1) * (g - m)
        v += (1 - floor.b2) * (g * g - v)
        param -= alpha * m / (np.sqrt(v) + floor.eps)
    t4 = clock()
    return {"forward": (t0, t1), "loss and its gradient": (t1, t2), "backward": (t2, t3), "optimizer step": (t3, t4),
            "whole step": (t0, t4)}


def cnn_layers(batch):
    """Best-of CPU µs of each layer's forward (and backward) in learnnet, and of PyTorch's modules."""
    import torch
    from learnnet._checks import checked_data
    x, y, labels = bt.cnn_data(batch)
    model = bt.learnnet_cnn()
    model.fit(x[:32], y[:32], verbose=0)
    rows = []
    with checked_data():
        inputs = [x]
        for layer in model.layers:
            inputs.append(layer.forward(inputs[-1], True))
        forward = [best_of(lambda layer=layer, i=i: layer.forward(inputs[i], True)) for i, layer in
                   enumerate(model.layers)]
        grad = (inputs[-1] - y) / batch
        backward = [None] * len(model.layers)
        for i in reversed(range(len(model.layers))):
            layer = model.layers[i]
            layer.forward(inputs[i], True)
            first = i == 0
            call = layer.backward_from_z if i == len(model.layers) - 1 else layer.backward

            def run(layer=layer, call=call, grad=grad, first=first):
                layer.input_gradient_needed = not first        # as fit runs it: the data needs no gradient
                try:
                    return call(grad)
                finally:
                    layer.input_gradient_needed = True
            backward[i] = best_of(run)
            grad = run()
    net = bt.torch_cnn()[0]
    tx = bt.torch_tensors(x, labels, channels_first=True)[0]
    torch_rows = []
    t = tx
    for i, module in enumerate(net):
        with torch.no_grad():
            forward_time = best_of(lambda module=module, t=t: module(t))
        # backward as in training: dL/d(weights), and dL/d(input) except for the first module (the data)
        inp = t.detach().requires_grad_(i > 0)
        out = module(inp)
        wrt = ([inp] if i > 0 else []) + list(module.parameters())
        upstream = torch.ones_like(out) / out.numel()
        backward_time = best_of(lambda out=out, wrt=wrt, g=upstream: torch.autograd.grad(out, wrt, g, retain_graph=True))
        torch_rows.append((type(module).__name__, forward_time, backward_time))
        t = out.detach()
    for layer, f, b in zip(model.layers, forward, backward):
        rows.append((layer.name, f, b))
    return rows, torch_rows


def predict_page_faults(batches=8):
    """Minor page faults per predict batch of 256 (fresh memory pages the kernel maps on first touch)."""
    import resource
    x, _, labels = bt.cnn_data(bt.PREDICT_BATCH * batches)
    out = {}
    for name, run in (("learnnet", bt.learnnet_predict(bt.learnnet_cnn(), x)),
                      ("PyTorch", bt.torch_predict(bt.torch_cnn()[0], bt.torch_tensors(x, labels, True)[0]))):
        run()
        run()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        run()
        out[name] = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / batches
    return out


def cnn_steps(batch=32):
    """Best-of CPU µs of a whole training step: learnnet's and PyTorch's."""
    import torch
    x, y, labels = bt.cnn_data(batch)
    model = bt.learnnet_cnn()
    model.fit(x, y, verbose=0)
    model._begin_training()
    net, optimizer = bt.torch_cnn()
    tx, ty = bt.torch_tensors(x, labels, channels_first=True)
    loss_fn = torch.nn.CrossEntropyLoss()

    def torch_step():
        optimizer.zero_grad(set_to_none=True)
        loss_fn(net(tx), ty).backward()
        optimizer.step()
    return best_of(lambda: model._train_step([x], [y])), best_of(torch_step)


def markdown():
    lines = ["## Where the time goes (one thread, CPU time of the working thread)", ""]
    phases = mlp_phases()
    lines += ["### The MLP's training step, phase by phase (median µs, batch 32)", "",
              "| phase | learnnet | NumPy floor | difference |", "| --- | ---: | ---: | ---: |"]
    for name in ("forward", "loss and its gradient", "backward", "optimizer step", "logs", "whole step"):
        ours, floor = phases[("learnnet", name)], phases.get(("numpy", name), 0.0)
        lines.append(f"| {name} | {ours:.0f} | {floor:.0f} | {ours - floor:+.0f} |")
    for batch in (32, 256):
        rows, torch_rows = cnn_layers(batch)
        lines += ["", f"### The CNN layer by layer, batch {batch} (best-of µs)", "",
                  "| learnnet layer | forward | backward (as in fit) | PyTorch module | forward | backward |",
                  "| --- | ---: | ---: | --- | ---: | ---: |"]
        for i in range(max(len(rows), len(torch_rows))):
            ours = rows[i] if i < len(rows) else ("", None, None)
            theirs = torch_rows[i] if i < len(torch_rows) else ("", None, None)
            cell = lambda v: "" if v is None else f"{v:.0f}"   # noqa: E731
            lines.append(f"| {ours[0]} | {cell(ours[1])} | {cell(ours[2])} | {theirs[0]} | {cell(theirs[1])} | "
                         f"{cell(theirs[2])} |")
        lines.append(f"| **sum** | **{sum(r[1] for r in rows):.0f}** | **{sum(r[2] for r in rows):.0f}** | | "
                     f"**{sum(r[1] for r in torch_rows):.0f}** | **{sum(r[2] for r in torch_rows):.0f}** |")
    lines += ["", "PyTorch's forward is timed in inference mode (no_grad: MaxPool2d keeps no indices), its "
                  "backward with `torch.autograd.grad` (MaxPool2d then reads the indices its training forward kept). "
                  "The first layer needs no dL/d(input) in either."]
    ours, theirs = cnn_steps()
    lines += ["", f"Whole CNN training step at batch 32 (best-of µs): learnnet {ours:.0f}, PyTorch {theirs:.0f} "
                  f"(ratio {ours / theirs:.2f}).", ""]
    faults = predict_page_faults()
    lines += [f"Minor page faults per predict batch of {bt.PREDICT_BATCH} (memory mapped fresh on first touch, "
              f"each costing kernel time): " + ", ".join(f"{k} {v:.0f}" for k, v in faults.items()) + ".", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the tables to this file")
    args = parser.parse_args(argv)
    import threadpoolctl
    import torch
    limits = threadpoolctl.threadpool_limits(1, user_api="blas")   # noqa: F841  (kept for the whole run)
    torch.set_num_threads(1)
    text = markdown()
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
