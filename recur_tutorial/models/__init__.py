"""The model zoo: ``models.build(name, layout, **config)``; ``models.names()`` lists the names."""

from __future__ import annotations

import inspect
from functools import partial

import torch

from ..errors import ConfigError, check, check_integer
from ..registry import Registry
from ..tasks import Layout
from . import ops, transitions
from .base import SequenceModel
from .delta_product import DeltaProduct
from .deltanet import DeltaNet
from .diagonal_rnn import DiagonalRNN
from .linear_transformer import LinearTransformer
from .mamba import Mamba
from .memory_transformer import MemoryTransformer
from .recurrent_transformer import RecurrentTransformer
from .retnet import RetNet
from .rnn import RecurrentNet
from .rwkv import RWKV4, RWKV6
from .rwkv7 import RWKV7
from .stack_rnn import StackRNN
from .tape_rnn import TapeRNN
from .transformer import Transformer
from .universal_transformer import UniversalTransformer
from .xlstm import MLSTM, SLSTM

MODELS: Registry = Registry("model")
MODELS.register("rnn")(partial(RecurrentNet, cell="rnn"))
MODELS.register("gru")(partial(RecurrentNet, cell="gru"))
MODELS.register("lstm")(partial(RecurrentNet, cell="lstm"))
MODELS.register("transformer")(Transformer)
MODELS.register("linear_transformer")(LinearTransformer)
MODELS.register("retnet")(RetNet)
MODELS.register("rwkv4")(RWKV4)
MODELS.register("rwkv6")(RWKV6)
MODELS.register("rwkv7")(RWKV7)
MODELS.register("mamba")(Mamba)
MODELS.register("deltanet")(DeltaNet)
MODELS.register("diagonal_rnn")(DiagonalRNN)
MODELS.register("gated_deltanet")(partial(DeltaProduct, n_householder=1, gate=True))
MODELS.register("deltaproduct")(DeltaProduct)
for _name in ("mamba", "deltanet", "diagonal_rnn", "gated_deltanet", "deltaproduct"):
    # Grazzi et al. 2025: the same model with transition eigenvalues in (−1, 1)
    _factory = MODELS[_name]
    _fixed = _factory.keywords if isinstance(_factory, partial) else {}
    MODELS.register(f"{_name}_neg")(partial(getattr(_factory, "func", _factory), **_fixed, negative_eigenvalues=True))
MODELS.register("mlstm")(MLSTM)
MODELS.register("slstm")(SLSTM)
MODELS.register("stack_rnn")(StackRNN)
MODELS.register("tape_rnn")(TapeRNN)
MODELS.register("universal_transformer")(UniversalTransformer)
MODELS.register("recurrent_transformer")(RecurrentTransformer)
MODELS.register("memory_transformer")(MemoryTransformer)


def options(name: str) -> dict[str, object]:
    """The settings a model accepts, with their defaults."""
    factory = MODELS[name]
    fixed = factory.keywords if isinstance(factory, partial) else {}
    signature = inspect.signature(factory.func if isinstance(factory, partial) else factory)
    return {
        p.name: p.default
        for p in signature.parameters.values()
        if p.kind is p.KEYWORD_ONLY and p.name not in fixed
    }


def build(name: str, layout: Layout, *, seed: int | None = None, **config) -> SequenceModel:
    """Build model ``name`` sized for ``layout``'s vocabularies; ``seed`` fixes the initial weights.

    A model that can be either causal or not (the Transformer) is made causal exactly when the
    layout scores every prefix, unless ``causal`` is given; a model that counts the input symbols
    it has read (the Tape-RNN) learns from the layout which token ids they are.
    """
    allowed = options(name)
    unknown = sorted(set(config) - set(allowed))
    if unknown:
        raise ConfigError(f"model {name!r} has no setting {unknown}; allowed: {sorted(allowed)}")
    for key, value in config.items():  # sizes are positive integers, switches booleans
        if isinstance(allowed[key], bool):
            check(isinstance(value, bool), f"model {name!r}: {key} must be True or False, got {value!r}")
        elif isinstance(allowed[key], int) or key == "d_mlp" and value is not None:
            check_integer(f"model {name!r}: {key}", value)
    check(seed is None or isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0,
          f"seed must be None or an integer >= 0, got {seed!r}")
    if "causal" in allowed and "causal" not in config:
        config["causal"] = layout.causal_only
    if "input_symbols" in allowed and "input_symbols" not in config:
        config["input_symbols"] = getattr(layout, "input_symbols", None)
    if seed is not None:
        torch.manual_seed(seed)
    model = MODELS[name](layout.in_vocab, layout.out_vocab, **config)
    check(
        model.causal or not layout.causal_only,
        f"layout {layout.name!r} scores every prefix and needs a causal model; "
        f"{name!r} was built with causal=False",
    )
    return model


def transition_law(name: str, **config) -> str:
    """What the theory says the state transition of model ``name`` with ``config`` is (its ``LAW``)."""
    factory = MODELS[name]
    model = factory.func if isinstance(factory, partial) else factory
    settings = {**(factory.keywords if isinstance(factory, partial) else {}), **config}
    check(model.LAW is not None, f"model {name!r} states no transition law")
    law = model.LAW
    return law[bool(settings.get("negative_eigenvalues", False))] if isinstance(law, tuple) else law


def names() -> list[str]:
    return MODELS.names()


__all__ = ["MODELS", "SequenceModel", "build", "names", "ops", "options", "transition_law", "transitions"]
