"""Kernel launches per token of every registered model, counted on the emulated device.

    PYTHONPATH=. python bench/launches.py [--lengths 10 20] [--batch-size 2] [--models lstm mamba]

On a GPU each aten operation on the device is (about) one kernel launch, and a launch costs the host
some microseconds whatever the size of the tensors: a model whose launches grow with the sequence
length is launch-bound on a GPU at this book's small sizes. The emulator
(:mod:`recur_tutorial.emulated_device`) counts the operations on device tensors (views excluded) of

* one training pass, forward and backward of the loss (the model only: no optimiser, no data), on
  the tagging layout of parity at two sequence lengths T₁ < T₂: launches = a·T + b, fitted exactly
  (``per token`` is a, ``fixed`` is b);
* one ``model.step`` (a token of generation), for the models that step.

Two lengths fit a line exactly; where the count is not linear in T (chunked or segmented forms) the
fixed part can come out negative: read ``per token`` as the slope between T₁ and T₂. The count does
not depend on the batch size. cuDNN runs an LSTM's (GRU's, RNN's) whole sequence in a
few kernels, where the emulator counts the CPU's decomposition (marked ``*``).
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F

from recur_tutorial import models, tasks
from recur_tutorial.emulated_device import DEVICE, EmulatedDevice
from recur_tutorial.tasks import IGNORE

CUDNN = ("rnn", "gru", "lstm")
"""Models whose recurrence cuDNN runs in a few kernels on a GPU (the emulator counts the CPU's loop)."""
SMALL = {"memory_transformer": {"segment": 4, "n_memory": 2}}


def training_launches(model, layout, length: int, batch_size: int) -> int:
    """Launches of one forward + backward of the loss at ``length`` on the emulated device."""
    batch = layout.batch(batch_size, length, torch.Generator().manual_seed(0))
    with EmulatedDevice() as device:
        model.to(DEVICE).train()
        tokens, targets = batch.tokens.to(DEVICE), batch.targets.to(DEVICE)
        device.reset()
        logits = model(tokens)
        F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE).backward()
        count = device.total_launches
        model.to("cpu")
    return count


def step_launches(model, layout, batch_size: int) -> int | None:
    """Launches of one ``model.step`` after two (None for a model that does not step)."""
    if not model.causal:
        return None
    with EmulatedDevice() as device, torch.no_grad():
        model.to(DEVICE).eval()
        state = model.initial_state(batch_size, DEVICE)
        token = torch.zeros(batch_size, dtype=torch.long).to(DEVICE)
        for _ in range(2):
            _, state = model.step(token, state)
        device.reset()
        model.step(token, state)
        count = device.total_launches
        model.to("cpu")
    return count


def row(name: str, lengths: tuple[int, int], batch_size: int) -> dict:
    layout = tasks.get_layout("tagging", tasks.get("parity_check"))
    model = models.build(name, layout, seed=0, **SMALL.get(name, {}))
    low, high = (training_launches(model, layout, n, batch_size) for n in lengths)
    per_token = (high - low) / (lengths[1] - lengths[0])
    return {"model": name + (" *" if name in CUDNN else ""), "per token": per_token,
            "fixed": low - per_token * lengths[0], "step": step_launches(model, layout, batch_size)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs=2, default=[10, 20], help="the two sequence lengths T₁ < T₂")
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=models.names(), choices=models.names())
    options = parser.parse_args()
    if not 0 < options.lengths[0] < options.lengths[1]:
        parser.error(f"--lengths needs 0 < T1 < T2, got {options.lengths}")
    torch.set_num_threads(1)
    print(f"emulated device; training pass (forward + backward of the loss) on parity's tagging layout at T = "
          f"{options.lengths[0]} and {options.lengths[1]}, batch {options.batch_size}; * cuDNN fuses these on a GPU")
    print("| model | launches per token | fixed launches | launches per step() |\n|---|---|---|---|")
    for name in options.models:
        r = row(name, tuple(options.lengths), options.batch_size)
        step = "n/a (not causal)" if r["step"] is None else r["step"]
        print(f"| {r['model']} | {r['per token']:.1f} | {r['fixed']:.0f} | {step} |", flush=True)


if __name__ == "__main__":
    main()
