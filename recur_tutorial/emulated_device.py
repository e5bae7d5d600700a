"""An accelerator emulated on the CPU, to test the GPU path where there is no GPU.

Inside ``with EmulatedDevice() as device:`` the device ``"meta"`` plays the GPU: a tensor moved or
created there is an :class:`Emulated` tensor, which reports the device ``meta`` but holds real CPU
data, so every computation runs and gives the CPU's numbers. A dispatch mode sees every aten
operation (forward and backward, below autograd) and applies CUDA's placement rule: an operation
that reads an emulated tensor may not read a CPU tensor with one dimension or more, except

* copies between the devices (``copy_``, ``_to_copy``: what ``.to(device)`` does),
* CPU index tensors of advanced indexing (``index``, ``index_put``), which CUDA moves itself,
* CPU tensors of no dimension (scalars), which CUDA reads as numbers.

Any other mix is a :class:`DeviceMismatch` (raised at once, with the operation and the shapes), as
CUDA's "Expected all tensors to be on the same device" would be. The mode also counts, as a GPU
would launch them, the operations on emulated tensors (:attr:`EmulatedDevice.launches`: views and
metadata excluded, each other operation one kernel), the device → host synchronisations
(``.item()``, ``.tolist()``, ``bool()``, ``nonzero``, copies to the CPU) and the host → device
copies.

It models placement and launches only: not cuDNN, TF32, kernel timing or non-deterministic kernels.
"""

from __future__ import annotations

import functools
from collections import Counter

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map

from . import runtime

DEVICE = torch.device("meta")
"""The emulated accelerator's device."""

aten = torch.ops.aten
COPIES = {aten.copy_.default, aten._to_copy.default, aten.lift_fresh.default, aten.lift_fresh_copy.default}
INDEXING = {aten.index.Tensor, aten.index_put.default, aten.index_put_.default, aten._index_put_impl_.default}
SYNCS = {aten._local_scalar_dense.default, aten.is_nonzero.default, aten.nonzero.default, aten.equal.default}
FREE = {aten.detach.default, aten.alias.default, aten.lift_fresh.default, aten.t.default,
        aten._unsafe_view.default, aten.clone.default}
"""Operations that launch no kernel on a GPU (views and aliases; a clone does launch one, but
``model.to`` clones nothing: kept out so that counts are of the computation)."""


class DeviceMismatch(RuntimeError):
    """A CPU tensor read by an operation on the emulated device."""


class Emulated(torch.Tensor):
    """A tensor on the emulated device: reports :data:`DEVICE`, holds its values in ``cpu``."""

    @staticmethod
    def __new__(cls, cpu: torch.Tensor):
        wrapper = torch.Tensor._make_wrapper_subclass(
            cls, cpu.shape, strides=cpu.stride(), storage_offset=cpu.storage_offset(), dtype=cpu.dtype,
            layout=cpu.layout, device=DEVICE, requires_grad=cpu.requires_grad)
        wrapper.cpu_data = cpu
        return wrapper

    __torch_function__ = torch._C._disabled_torch_function_impl

    def __repr__(self) -> str:
        return f"Emulated({self.cpu_data!r})"

    def tolist(self):
        return self.cpu().tolist()  # a copy to the host, counted as a synchronisation

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):  # outside an EmulatedDevice block
        raise RuntimeError(f"an emulated tensor was used outside its EmulatedDevice block ({func})")


@functools.cache
def _kind(func) -> tuple[bool, bool, bool]:
    """Whether ``func`` launches no kernel (a view, an alias), changes a tensor's shape in place,
    and returns the tensor it wrote (an in-place operation)."""
    returns = func._schema.returns
    view = func in FREE or any(a.alias_info is not None and not a.alias_info.is_write for a in returns)
    written = len(returns) == 1 and returns[0].alias_info is not None and returns[0].alias_info.is_write
    return view, torch.Tag.inplace_view in func.tags, written


class EmulatedDevice(TorchDispatchMode):
    """The emulated accelerator (see the module's docstring). ``strict``: raise at the first CPU
    tensor mixed into device work (else count it in :attr:`violations` and go on)."""

    def __init__(self, strict: bool = True) -> None:
        super().__init__()
        self.strict = strict
        self.launches: Counter = Counter()  # aten operation → count
        self.syncs: Counter = Counter()
        self.host_to_device = 0
        self.violations: list[str] = []
        self._overwrite = None
        self._factories = {}

    # ---- the context ----------------------------------------------------------------------------
    def __enter__(self):
        self._overwrite = torch.__future__.get_overwrite_module_params_on_conversion()
        torch.__future__.set_overwrite_module_params_on_conversion(True)  # model.to(DEVICE) swaps in Emulated
        for name in ("tensor", "as_tensor"):  # they fill a tensor below the dispatcher: made on the CPU, then moved
            self._factories[name] = getattr(torch, name)
            setattr(torch, name, _made_then_moved(self._factories[name]))
        runtime.EMULATED.append(DEVICE)
        return super().__enter__()

    def __exit__(self, *exc):
        runtime.EMULATED.remove(DEVICE)
        for name, factory in self._factories.items():
            setattr(torch, name, factory)
        torch.__future__.set_overwrite_module_params_on_conversion(self._overwrite)
        return super().__exit__(*exc)

    @property
    def total_launches(self) -> int:
        return sum(self.launches.values())

    def reset(self) -> None:
        self.launches.clear()
        self.syncs.clear()
        self.host_to_device = 0
        self.violations.clear()

    # ---- every aten operation -------------------------------------------------------------------
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        on_device = any(isinstance(t, Emulated) for t in _tensors((args, kwargs)))
        to_device = _names_device(kwargs)
        if on_device:
            self._check_placement(func, args, kwargs)
        if func in SYNCS and on_device:
            self.syncs[func.overloadpacket.__name__] += 1
        if func is aten._to_copy.default:
            return self._to_copy(args[0], kwargs, to_device)
        if func is aten.copy_.default and isinstance(args[0], Emulated) != isinstance(args[1], Emulated):
            self._count_copy(to_host=isinstance(args[1], Emulated))
        if to_device:
            kwargs = dict(kwargs, device=torch.device("cpu"))
        out = func(*_unwrap(args), **_unwrap(kwargs))
        view, reshaped, written = _kind(func)
        if on_device and not view and not reshaped and func not in SYNCS:
            self.launches[func.overloadpacket.__name__] += 1
        if not (on_device or to_device) or func is aten._local_scalar_dense.default:
            return out
        if reshaped:  # transpose_ and the like: change the wrapper's shape too
            with torch._C._ExcludeDispatchKeyGuard(torch._C.DispatchKeySet(torch._C.DispatchKey.Python)):
                func(*args, **kwargs)
        if written and isinstance(args[0], Emulated):
            return args[0]  # an in-place operation returns the tensor it wrote
        return _wrap(out)

    def _check_placement(self, func, args, kwargs) -> None:
        if func in COPIES:
            return
        positional = list(args) + list(kwargs.values())
        index_of = {id(t) for t in _tensors(positional[1:])} if func in INDEXING else set()
        for tensor in _tensors((args, kwargs)):
            if isinstance(tensor, Emulated) or tensor.dim() == 0 or id(tensor) in index_of:
                continue
            if tensor.device == DEVICE:
                raise DeviceMismatch(f"{func} reads a tensor made on {DEVICE} without data, by a factory that this "
                                     f"emulator does not follow")
            message = (f"{func} mixes a CPU tensor {tuple(tensor.shape)} ({tensor.dtype}) with tensors on the "
                       f"device: on CUDA this raises 'Expected all tensors to be on the same device'")
            if self.strict:
                raise DeviceMismatch(message)
            self.violations.append(message)
            return

    def _to_copy(self, source, kwargs, to_device: bool):
        target = kwargs.get("device")
        kwargs = {k: v for k, v in kwargs.items() if k != "device"}
        cpu = source.cpu_data if isinstance(source, Emulated) else source
        out = aten._to_copy.default(cpu, **kwargs)
        if isinstance(source, Emulated) and target is not None and torch.device(target).type == "cpu":
            self._count_copy(to_host=True)
            return out
        if not isinstance(source, Emulated) and not to_device:
            return out
        if not isinstance(source, Emulated):
            self._count_copy(to_host=False)
        else:
            self.launches["_to_copy"] += 1
        return Emulated(out)

    def _count_copy(self, to_host: bool) -> None:
        if to_host:
            self.syncs["to_cpu"] += 1
        else:
            self.host_to_device += 1


def _made_then_moved(factory):
    def make(data, *args, device=None, **kwargs):
        if device is not None and torch.device(device) == DEVICE:
            return factory(data, *args, **kwargs).to(DEVICE)
        return factory(data, *args, device=device, **kwargs)
    return make


def _tensors(tree):
    found = []
    tree_map(lambda x: found.append(x) if isinstance(x, torch.Tensor) else None, tree)
    return found


def _names_device(kwargs) -> bool:
    device = kwargs.get("device")
    return device is not None and torch.device(device).type == DEVICE.type


def _unwrap(tree):
    return tree_map(lambda x: x.cpu_data if isinstance(x, Emulated) else x, tree)


def _wrap(tree):
    return tree_map(lambda x: Emulated(x) if isinstance(x, torch.Tensor) and not isinstance(x, Emulated) else x, tree)


__all__ = ["DEVICE", "DeviceMismatch", "Emulated", "EmulatedDevice"]
