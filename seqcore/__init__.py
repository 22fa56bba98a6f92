"""seqcore: every formula of the seqcore notes, as small tested functions.

Functions take NumPy arrays (the default) or PyTorch tensors on CPU or CUDA;
one implementation serves both through the array API standard.
"""

from ._trace import FORMULAS, implements
from ._validate import ShapeError
from .activations import softmax
from .rnn import rnn_forward, rnn_logits, rnn_output, rnn_step

__all__ = [
    "FORMULAS",
    "ShapeError",
    "implements",
    "rnn_forward",
    "rnn_logits",
    "rnn_output",
    "rnn_step",
    "softmax",
]
__version__ = "0.1.0"
