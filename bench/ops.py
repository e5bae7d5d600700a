"""Benchmark every op's recurrent and chunked forms, forward + backward, at several lengths.

    PYTHONPATH=. python bench/ops.py [--lengths 64 256 1024] [--repeats 5]

Sizes are those of the book's small models: batch 8, 4 heads of width 16 (d_model 64) for the
attention-like ops, 64 channels (× 8 state entries for the selective scan) for the others. Prints a
table of median milliseconds and the speed-up of the chunked form over the recurrent one.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from recur_tutorial.models import ops
from recur_tutorial.runtime import get_device


def seconds(name: str, length: int, repeats: int, device: torch.device, chunk_size: int | None) -> dict[str, float]:
    """Median wall time of one forward + backward pass of each form, the two forms taking turns, so
    that a slow spell of a shared machine hits both."""
    case = ops.example(name, length, batch=8, heads=4, key=16, value=16, channels=64, state=8,
                       dtype=torch.float32, requires_grad=True)
    case.args = tuple(a.detach().to(device).requires_grad_() for a in case.args)
    case.kwargs = {key: value.to(device) if torch.is_tensor(value) else value for key, value in case.kwargs.items()}
    options = {"recurrent": {}, "chunked": {} if chunk_size is None else {"chunk_size": chunk_size}}
    times = {mode: [] for mode in ops.MODES}
    for _ in range(repeats + 1):  # the first round warms up
        for mode in ops.MODES:
            started = time.perf_counter()
            case(mode=mode, **options[mode]).square().mean().backward()
            if device.type == "cuda":
                torch.cuda.synchronize()
            times[mode].append(time.perf_counter() - started)
    return {mode: statistics.median(spent[1:]) for mode, spent in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--ops", nargs="+", default=list(ops.EXAMPLES), choices=ops.EXAMPLES)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (1 is steadiest on a shared machine)")
    parser.add_argument("--chunk-size", type=int, default=None,
                        help="chunk size of the chunked form (default: each op's own)")
    options = parser.parse_args()
    torch.set_num_threads(options.threads)
    device = get_device()
    print(f"device: {device}, {torch.get_num_threads()} threads; median ms of forward + backward")
    print("| op | T | recurrent ms | chunked ms | speed-up |\n|---|---|---|---|---|")
    for name in options.ops:
        for length in options.lengths:
            spent = seconds(name, length, options.repeats, device, options.chunk_size)
            slow, fast = spent["recurrent"], spent["chunked"]
            print(f"| {name} | {length} | {1e3 * slow:.3f} | {1e3 * fast:.3f} | {slow / fast:.1f}× |", flush=True)


if __name__ == "__main__":
    main()
