"""Bidirectional and deep (stacked) recurrent networks, for RNN, LSTM and GRU cells.

Parameters follow PyTorch: one tuple ``(W_ih, W_hh, b_ih, b_hh)`` per layer and
direction, and states laid out as ``(num_layers · num_directions, batch, hidden)``
with index ``layer · num_directions + direction``. :func:`weights_from_torch`
reads them off a ``torch.nn.RNN``/``LSTM``/``GRU``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from array_api_compat import array_namespace

from ._trace import implements
from ._validate import Domain, Floats, Options, ShapeError, floating, namespace, params, shapes
from .gru import gru_forward
from .lstm import lstm_forward
from .rnn import rnn_forward

__all__ = ["bidirectional_rnn", "deep_rnn", "weights_from_torch"]

CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")
GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}
STACK = {"xs": Floats("time", "batch?", "input", nonempty="time"), "cell": Options(*CELLS),
         "h0": Floats("states", "batch?", "hidden", optional=True),
         "c0": Floats("states", "batch?", "hidden", optional=True)}


class TorchRecurrent(Domain):
    """A ``torch.nn.RNN``, ``LSTM`` or ``GRU`` module (without LSTM projections)."""

    def describe(self, dims: Any = None) -> str:
        return "a torch.nn.RNN, LSTM or GRU module"

    def check(self, func: str, name: str, value: Any, dims: Any) -> Any:
        if type(value).__name__ not in ("RNN", "LSTM", "GRU") or not hasattr(value,
                                                                             "num_layers"):
            raise self.fail(TypeError, func, name, type(value).__name__)
        if getattr(value, "proj_size", 0):
            raise self.fail(ValueError, func, name, "an LSTM with projections (proj_size > 0)")
        return value


def _run(cell: str, xs: Any, params: tuple, h0: Any, c0: Any):
    """One direction of one layer over the whole sequence: (H, h_T, c_T)."""
    W_ih, W_hh, b_ih, b_hh = params
    if cell in ("rnn_tanh", "rnn_relu"):
        b = None if b_ih is None and b_hh is None else (
            b_ih if b_hh is None else b_hh if b_ih is None else b_ih + b_hh)
        H, h = rnn_forward(xs, W_ih, W_hh, b, h0=h0, nonlinearity=cell[4:])
        return H, h, None
    if cell == "lstm":
        return lstm_forward(xs, W_ih, W_hh, b_ih, b_hh, h0=h0, c0=c0)
    H, h = gru_forward(xs, W_ih, W_hh, b_ih, b_hh, h0=h0)
    return H, h, None


def _layers(func: str, layers: Any, cell: str, xs: Any, h0: Any, c0: Any,
            label: Any = None) -> list[list[tuple]]:
    """Check the layers' weight tuples against each other, ``xs`` and the states; returns
    them as lists of 4-tuples (missing biases as None). ``label(ell, k)`` names a tuple in
    messages (``layers[1][0]`` unless given)."""
    label = label or (lambda ell, k: f"layers[{ell}][{k}]")
    if not isinstance(layers, list | tuple) or not layers:
        raise ValueError(f"{func}: `layers` must be a non-empty list of layers, each a list of "
                         f"one or two (W_ih, W_hh, b_ih, b_hh) tuples; got {layers!r:.60}")
    dirs = None
    parsed: list[list[tuple]] = []
    for ell, layer in enumerate(layers):
        if not isinstance(layer, list | tuple) or len(layer) not in (1, 2) or not all(
                isinstance(p, list | tuple) for p in layer):
            raise TypeError(f"{func}: `layers[{ell}]` must be a list of one or two parameter "
                            f"tuples (forward[, backward]); got {type(layer).__name__}")
        if len(layer) != (dirs := dirs or len(layer)):
            raise ValueError(f"{func}: every layer must have {dirs} direction(s) like "
                             f"`layers[0]`; `layers[{ell}]` has {len(layer)}")
        parsed.append([_params(func, label(ell, k), p) for k, p in enumerate(layer)])
    if c0 is not None and cell != "lstm":
        raise ValueError(f"{func}: `c0` is only for cell='lstm'; got cell={cell!r}")
    names = [[{w: f"{label(ell, k)}.{w}" for w in ("W_ih", "W_hh", "b_ih", "b_hh")}
              for k in range(len(layer))] for ell, layer in enumerate(parsed)]
    xp, a = namespace(func, xs=xs, **{n[w]: v for layer, ns in zip(parsed, names, strict=True)
                                      for p, n in zip(layer, ns, strict=True)
                                      for w, v in zip(n, p, strict=True)})
    floating(func, xp, **a)
    rows = "hidden" if GATES[cell] == 1 else f"{GATES[cell]}*hidden"   # the stacked gates
    spec: dict[str, Any] = {"xs": (xs, ("time", "batch?", "input"))}
    for ns in names:                                   # W_hh first: its columns fix hidden
        spec |= {n["W_hh"]: (a[n["W_hh"]], (rows, "hidden")) for n in ns}
    for ell, ns in enumerate(names):
        for n in ns:
            spec |= {n["W_ih"]: (a[n["W_ih"]], (rows, "input" if ell == 0 else "below")),
                     n["b_ih"]: (a[n["b_ih"]], (rows,)), n["b_hh"]: (a[n["b_hh"]], (rows,))}
    dims = shapes(func, **spec)
    if len(parsed) > 1 and dims["below"] != dirs * dims["hidden"]:
        raise ShapeError(f"{func}: `{names[1][0]['W_ih']}` must read directions·hidden = "
                         f"{dirs}×{dims['hidden']} = {dirs * dims['hidden']} inputs (the states "
                         f"of the layer below); got {dims['below']}")
    for n, state in (("h0", h0), ("c0", c0)):
        want = (len(parsed) * dirs, dims["hidden"])
        if state is not None and (state.shape[0], state.shape[-1]) != want:
            raise ShapeError(f"{func}: `{n}` must have shape (layers·directions, ..., hidden) "
                             f"= ({want[0]}, ..., {want[1]}); got {tuple(state.shape)}")
    return [[tuple(a[n[w]] for w in n) for n in ns] for ns in names]


def _params(func: str, name: str, params: Any) -> tuple:
    if not isinstance(params, tuple | list) or len(params) not in (2, 4):
        raise TypeError(f"{func}: `{name}` must be a tuple (W_ih, W_hh, b_ih, b_hh) or "
                        f"(W_ih, W_hh); got {type(params).__name__}"
                        + (f" of length {len(params)}" if hasattr(params, "__len__") else ""))
    return tuple(params) if len(params) == 4 else (*params, None, None)


@implements("deep.forward", "deep.backward", "deep.concat")
@params(**STACK)
def bidirectional_rnn(xs: Any, forward: tuple, backward: tuple, cell: str = "rnn_tanh",
                      h0: Any = None, c0: Any = None) -> tuple[Any, Any]:
    r"""A bidirectional layer: one RNN reads left to right, another right to left.

    .. math::

        \overrightarrow{h}_t = f\bigl(x_t, \overrightarrow{h}_{t-1}\bigr), \qquad
        \overleftarrow{h}_t = f\bigl(x_t, \overleftarrow{h}_{t+1}\bigr), \qquad
        h_t = \bigl[\overrightarrow{h}_t ; \overleftarrow{h}_t\bigr]

    Equation ids: ``deep.forward``, ``deep.backward``, ``deep.concat``. :math:`f` is
    the cell (vanilla RNN, LSTM or GRU), each direction with its own weights;
    :math:`\overrightarrow{h}_0 = \overleftarrow{h}_{T+1} = \mathbf{0}` unless given.
    The backward RNN is the same forward pass run on the reversed sequence, its
    states reversed back so that both halves of :math:`h_t` belong to step
    :math:`t`.

    Parameters
    ----------
    xs : array, shape ``(T, input)`` or ``(T, batch, input)``
    forward, backward : tuples ``(W_ih, W_hh, b_ih, b_hh)``
        PyTorch's ``*_l0`` and ``*_l0_reverse`` parameters.
    cell : {"rnn_tanh", "rnn_relu", "lstm", "gru"}
    h0, c0 : arrays, shape ``(2, ..., hidden)``, optional
        Initial states of the two directions (``c0`` for the LSTM only).

    Returns
    -------
    H : array, shape ``(T, ..., 2·hidden)``
        :math:`[\overrightarrow{h}_t; \overleftarrow{h}_t]` for every step.
    h_n : array, shape ``(2, ..., hidden)``, or a tuple ``(h_n, c_n)`` for the LSTM
        :math:`\overrightarrow{h}_T` and :math:`\overleftarrow{h}_1`, the last state each
        direction reached (as ``torch.nn.RNN`` returns them).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import bidirectional_rnn
    >>> xs = np.array([[1.0], [0.0], [0.0]])
    >>> one = (np.array([[2.0]]), np.array([[0.5]]))
    >>> H, h_n = bidirectional_rnn(xs, one, one)
    >>> # left half: the impulse fades; right half: seen only at t=1
    >>> print(H.round(4))
    [[0.964  0.964 ]
     [0.4479 0.    ]
     [0.2203 0.    ]]
    """
    for name, p in (("forward", forward), ("backward", backward)):
        _params("bidirectional_rnn", name, p)         # named as given, not as layers[0][k]
    layers = _layers("bidirectional_rnn", [[forward, backward]], cell, xs, h0, c0,
                     lambda ell, k: ("forward", "backward")[k])
    return deep_rnn(xs, layers, cell, h0, c0)     # one layer of two directions


@implements("deep.stacked", "deep.stacked-bidirectional")
@params(**STACK)
def deep_rnn(xs: Any, layers: Sequence, cell: str = "rnn_tanh", h0: Any = None,
             c0: Any = None) -> tuple[Any, Any]:
    r"""Stacked (deep) RNN, each layer uni- or bidirectional.

    .. math::

        h^{(1)}_t = f^{(1)}\bigl(x_t, h^{(1)}_{t-1}\bigr), \qquad
        h^{(\ell)}_t = f^{(\ell)}\bigl(h^{(\ell-1)}_t, h^{(\ell)}_{t-1}\bigr),
        \quad \ell = 2, \dots, L

    and with two directions per layer the next layer reads the concatenation:

    .. math::

        h^{(\ell)}_t = \bigl[\overrightarrow{h}^{(\ell)}_t ; \overleftarrow{h}^{(\ell)}_t\bigr],
        \qquad \overrightarrow{h}^{(\ell+1)}_t
        = f\bigl(h^{(\ell)}_t, \overrightarrow{h}^{(\ell+1)}_{t-1}\bigr), \qquad
        \overleftarrow{h}^{(\ell+1)}_t
        = f\bigl(h^{(\ell)}_t, \overleftarrow{h}^{(\ell+1)}_{t+1}\bigr)

    Equation ids: ``deep.stacked``, ``deep.stacked-bidirectional``. This is what
    ``torch.nn.RNN/LSTM/GRU(num_layers=L, bidirectional=...)`` computes (without
    dropout between layers).

    Parameters
    ----------
    xs : array, shape ``(T, input)`` or ``(T, batch, input)``
    layers : list of lists of tuples
        ``layers[l]`` holds one tuple ``(W_ih, W_hh, b_ih, b_hh)`` per direction
        (one or two; the same number in every layer). Layer :math:`\ell \ge 2`'s
        ``W_ih`` reads ``num_directions · hidden`` inputs.
    cell : {"rnn_tanh", "rnn_relu", "lstm", "gru"}
    h0, c0 : arrays, shape ``(L · directions, ..., hidden)``, optional

    Returns
    -------
    H : array, shape ``(T, ..., directions · hidden)``
        The last layer's states (torch's ``output``).
    h_n : array, shape ``(L · directions, ..., hidden)`` (``(h_n, c_n)`` for the LSTM)

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import deep_rnn
    >>> rng = np.random.default_rng(0)
    >>> l1 = [(rng.normal(size=(4, 3)), rng.normal(size=(4, 4)))]
    >>> l2 = [(rng.normal(size=(4, 4)), rng.normal(size=(4, 4)))]
    >>> H, h_n = deep_rnn(rng.normal(size=(6, 2, 3)), [l1, l2])
    >>> print(H.shape, h_n.shape)
    (6, 2, 4) (2, 2, 4)
    """
    layers = _layers("deep_rnn", layers, cell, xs, h0, c0)
    xp, dirs = array_namespace(xs), len(layers[0])
    inp, h_n, c_n = xs, [], []
    for ell, layer in enumerate(layers):           # bottom up: each reads the states below
        outs = []
        for k, p in enumerate(layer):
            i = ell * dirs + k
            seq = inp if k == 0 else xp.flip(inp, axis=0)  # the backward RNN reads x_T … x_1
            H, h, c = _run(cell, seq, p, None if h0 is None else h0[i, ...],
                           None if c0 is None else c0[i, ...])
            outs.append(H if k == 0 else xp.flip(H, axis=0))  # … and its states go back in order
            h_n.append(h)
            c_n.append(c)
        inp = outs[0] if dirs == 1 else xp.concat(outs, axis=-1)   # [→h_t ; ←h_t]
    h_n = xp.stack(h_n, axis=0)
    return (inp, (h_n, xp.stack(c_n, axis=0))) if cell == "lstm" else (inp, h_n)


@params(module=TorchRecurrent())
def weights_from_torch(module: Any) -> tuple[list, str]:
    """Read ``layers`` and ``cell`` for :func:`deep_rnn` off a ``torch.nn.RNN/LSTM/GRU``.

    The tensors are detached, not copied: they stay torch tensors on the module's
    device. Convert with ``.numpy()`` for NumPy.

    Examples
    --------
    >>> import torch
    >>> from seqcore import weights_from_torch
    >>> gru = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    >>> layers, cell = weights_from_torch(gru)
    >>> print(cell, len(layers), len(layers[1]), tuple(layers[1][0][0].shape))
    gru 2 2 (12, 8)
    """
    kind = type(module).__name__
    cell = kind.lower() if kind != "RNN" else \
        "rnn_relu" if module.nonlinearity == "relu" else "rnn_tanh"
    layers = []
    for ell in range(module.num_layers):
        layer = []
        for sfx in [""] + (["_reverse"] if module.bidirectional else []):
            def get(name: str, s: str = sfx, e: int = ell) -> Any:
                p = getattr(module, f"{name}_l{e}{s}", None)
                return None if p is None else p.detach()
            layer.append((get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")))
        layers.append(layer)
    return layers, cell
