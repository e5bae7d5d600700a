"""Pure recurrences, one module per family, each with two forms that agree.

Every op takes ``mode="recurrent"`` (the definition, one step at a time; with ``initial_state`` it
also generates one token after another) or ``mode="chunked"`` (the fast form for training), an
optional ``initial_state`` and ``return_state=True`` to also get the final state, from which a caller
can continue in either mode.
"""

from .decay_attention import decay_attention
from .delta_product import delta_product
from .delta_rule import delta_rule
from .diagonal import diagonal_linear_rnn
from .generalized_delta import generalized_delta_rule
from .gla import gated_linear_attention
from .linear_attention import linear_attention
from .mlstm import mlstm
from .retention import retention
from .rwkv4 import rwkv4_wkv
from .selective_scan import selective_scan
from ._common import MODES
from .examples import EXAMPLES, example

__all__ = [
    "EXAMPLES", "MODES", "decay_attention", "delta_product", "delta_rule", "diagonal_linear_rnn",
    "gated_linear_attention", "generalized_delta_rule", "example", "linear_attention", "mlstm", "retention",
    "rwkv4_wkv", "selective_scan",
]
