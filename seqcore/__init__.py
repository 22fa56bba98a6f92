"""seqcore: every formula of the seqcore notes, as small tested functions.

Functions take NumPy arrays (the default) or PyTorch tensors on CPU or CUDA;
one implementation serves both through the array API standard.

Each topic module lists its public names in ``__all__``; the package
re-exports them all, so ``seqcore.rnn_step`` and ``seqcore.rnn.rnn_step`` are
the same function.
"""
# ruff: noqa: F403, I001  (star imports by design; grouped by chapter, not sorted)

from ._trace import FORMULAS as FORMULAS, implements as implements
from ._validate import ShapeError as ShapeError

# -- chapter 1: why sequence models
from .sequences import *

# -- chapters 2, 3, 6: preprocessing, sparse representations, language models
from .text import *
from .sparse import *
from .similarity import *
from .bm25 import *
from .ngram import *

# -- chapters 4, 5: embeddings and topology
from .embeddings import *
from .glove import *
from .topology import *
from .word2vec import *

# -- chapters 7-11: recurrent networks
from .activations import *
from .rnn import *
from .topologies import *
from .bptt import *
from .gradients import *
from .lstm import *
from .gru import *
from .deep import *

# -- training: optimizers, the recurrent language model, the loop, the corpora
from .optim import *
from .rnnlm import *
from .training import *
from .corpora import *

# -- chapters 12-15: decoding, attention, the Transformer
from .decoding import *
from .attention import *
from .transformer import *
from .attention_grad import *
from .transformer_grad import *
from .decoder import *
from .dates import *
from .seq2seq import *
from .bleu import *
from .gpt import *

# Public: every function and class the topic modules export, plus the registry.
__all__ = sorted(
    ["FORMULAS"]
    + [name for name, obj in list(globals().items())
       if not name.startswith("_") and getattr(obj, "__module__", "").startswith("seqcore.")]
)
__version__ = "0.1.0"
