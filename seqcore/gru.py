"""Gated recurrent unit (GRU): two forms of the step, the sequence, the backward pass.

Weights use PyTorch's layout, the three blocks stacked in the order ``r, z, n``
(reset gate, update gate, candidate): ``W_ih`` is ``(3·hidden, input)``,
``W_hh`` is ``(3·hidden, hidden)``, ``b_ih`` and ``b_hh`` are ``(3·hidden,)``.

Two forms differ only in the candidate :math:`n_t`:

- ``form="pytorch"`` (``torch.nn.GRU``, cuDNN): the reset gate multiplies the
  *result* of the recurrent product, :math:`r_t \\odot (W_{hn} h_{t-1} + b_{hn})`;
- ``form="cho"`` (Cho et al., 2014): the reset gate multiplies the *state* before
  the product, :math:`W_{hn} (r_t \\odot h_{t-1}) + b_{hn}`.

Unlike the LSTM, the two biases are not interchangeable in the PyTorch form:
:math:`b_{hn}` sits inside the reset gate's product, :math:`b_{in}` outside.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace

from ._recurrent import leading_sum, outer_sum, zeros_state
from ._trace import implements
from ._validate import Floats, Options, params
from .activations import _sigmoid

__all__ = ["gru_backward", "gru_forward", "gru_step"]

GATES = ("r", "z", "n")
FORMS = ("pytorch", "cho")
#: PyTorch's layout: the three gate blocks r, z, n stacked, each ``hidden`` rows.
GRU_WEIGHTS = {"W_hh": Floats("3*hidden", "hidden"), "W_ih": Floats("3*hidden", "input"),
               "b_ih": Floats("3*hidden", optional=True),
               "b_hh": Floats("3*hidden", optional=True), "form": Options(*FORMS)}
SEQUENCE = {"xs": Floats("time", "batch?", "input", nonempty="time"),
            "h0": Floats("batch?", "hidden", optional=True)}


def _pre(x: Any, W_ih: Any, b_ih: Any) -> Any:
    xw = x @ W_ih.T                                    # W_i* x_t for the three gates at once
    return xw if b_ih is None else xw + b_ih


def _cell(xp: Any, xw: Any, h_prev: Any, W_hh: Any, b_hh: Any, form: str):
    n = W_hh.shape[1]
    if form == "pytorch":
        hw = h_prev @ W_hh.T                           # one product for all three blocks
        if b_hh is not None:
            hw = hw + b_hh
        r = _sigmoid(xp, xw[..., 0:n] + hw[..., 0:n])             # r_t
        z = _sigmoid(xp, xw[..., n:2 * n] + hw[..., n:2 * n])     # z_t
        hn = hw[..., 2 * n:]                                      # W_hn h_{t-1} + b_hn
        u = h_prev
        cand = xp.tanh(xw[..., 2 * n:] + r * hn)  # n_t = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    else:
        hw = h_prev @ W_hh[0:2 * n, :].T               # only r and z can be computed now
        if b_hh is not None:
            hw = hw + b_hh[0:2 * n]
        r = _sigmoid(xp, xw[..., 0:n] + hw[..., 0:n])
        z = _sigmoid(xp, xw[..., n:2 * n] + hw[..., n:2 * n])
        u = r * h_prev                                 # reset first …
        hn = u @ W_hh[2 * n:, :].T                     # … then the product: W_hn (r ⊙ h_{t-1})
        if b_hh is not None:
            hn = hn + b_hh[2 * n:]
        cand = xp.tanh(xw[..., 2 * n:] + hn)  # n_t = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
    h = (1.0 - z) * cand + z * h_prev                  # h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    return h, (r, z, cand, hn, u)


def _run(xp: Any, xs: Any, W_ih: Any, W_hh: Any, b_ih: Any, b_hh: Any, h: Any, form: str,
         keep: bool):
    XW = _pre(xs, W_ih, b_ih)                          # every input projection at once
    H, caches = [], []
    for t in range(xs.shape[0]):
        h, cache = _cell(xp, XW[t, ...], h, W_hh, b_hh, form)
        H.append(h)
        if keep:
            caches.append(cache)
    return H, caches, h


@implements("gru.reset", "gru.update", "gru.candidate-pytorch", "gru.candidate-cho",
            "gru.hidden")
@params(**GRU_WEIGHTS, x=Floats("batch?", "input"), h_prev=Floats("batch?", "hidden"))
def gru_step(x: Any, h_prev: Any, W_ih: Any, W_hh: Any, b_ih: Any = None, b_hh: Any = None,
             form: str = "pytorch") -> Any:
    r"""One GRU step, in PyTorch's form or in the original form of Cho et al. (2014).

    .. math::

        \begin{aligned}
        r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
        z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
        n_t &= \tanh\bigl(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})\bigr)
             && \text{(pytorch)} \\
        n_t &= \tanh\bigl(W_{in} x_t + b_{in} + W_{hn} (r_t \odot h_{t-1}) + b_{hn}\bigr)
             && \text{(cho)} \\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}
        \end{aligned}

    Equation ids: ``gru.reset``, ``gru.update``, ``gru.candidate-pytorch``,
    ``gru.candidate-cho``, ``gru.hidden``.

    Parameters
    ----------
    x : array, shape ``(input,)`` or ``(batch, input)``
    h_prev : array, shape ``(hidden,)`` or ``(batch, hidden)``
    W_ih : array, shape ``(3·hidden, input)``, blocks ``r, z, n``
    W_hh : array, shape ``(3·hidden, hidden)``
    b_ih, b_hh : arrays, shape ``(3·hidden,)``, optional
    form : {"pytorch", "cho"}
        Where the reset gate acts: after the recurrent product (PyTorch, cuDNN) or
        before it (Cho et al.). They differ in general; with :math:`r_t = \mathbf{1}`
        they always agree (and also, for any :math:`r_t`, when :math:`h_{t-1} = 0`
        and :math:`b_{hn} = 0`).

    Returns
    -------
    array, shape like ``h_prev``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import gru_step
    >>> rng = np.random.default_rng(0)
    >>> x, h = rng.normal(size=3), rng.normal(size=2)
    >>> W_ih, W_hh = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    >>> pytorch, cho = gru_step(x, h, W_ih, W_hh), gru_step(x, h, W_ih, W_hh, form="cho")
    >>> print(pytorch.round(4), cho.round(4))
    [ 0.2883 -0.5532] [ 0.2887 -0.5535]
    """
    h, _ = _cell(array_namespace(x), _pre(x, W_ih, b_ih), h_prev, W_hh, b_hh, form)
    return h


@implements("gru.unroll")
@params(**GRU_WEIGHTS, **SEQUENCE)
def gru_forward(xs: Any, W_ih: Any, W_hh: Any, b_ih: Any = None, b_hh: Any = None,
                h0: Any = None, form: str = "pytorch") -> tuple[Any, Any]:
    r"""Run :func:`gru_step` over a time-major sequence.

    .. math::

        h_t = \operatorname{GRU}(x_t, h_{t-1}), \quad t = 1, \dots, T,
        \qquad h_0 = \mathbf{0} \text{ unless given}

    Equation id: ``gru.unroll``.

    Returns
    -------
    H : array, shape ``(T, ..., hidden)``
    h_T : array, shape ``(..., hidden)``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import gru_forward
    >>> rng = np.random.default_rng(0)
    >>> H, h_T = gru_forward(rng.normal(size=(5, 2, 3)), rng.normal(size=(6, 3)),
    ...                      rng.normal(size=(6, 2)))
    >>> print(H.shape, h_T.shape)
    (5, 2, 2) (2, 2)
    """
    xp = array_namespace(xs)
    h0 = zeros_state(xp, xs, W_hh.shape[1]) if h0 is None else h0
    H, _, h = _run(xp, xs, W_ih, W_hh, b_ih, b_hh, h0, form, keep=False)
    return xp.stack(H, axis=0), h


@implements("gru.backward")
@params(**GRU_WEIGHTS, **SEQUENCE, dH=Floats("time", "batch?", "hidden"),
        dh_T=Floats("batch?", "hidden", optional=True))
def gru_backward(xs: Any, dH: Any, W_ih: Any, W_hh: Any, b_ih: Any = None, b_hh: Any = None,
                 h0: Any = None, dh_T: Any = None, form: str = "pytorch") -> dict[str, Any]:
    r"""Backpropagation through time for a GRU (either form), written out by hand.

    Walking back from :math:`t = T`, with :math:`\delta h_{T+1} = \mathbf{0}`:

    .. math::

        \begin{aligned}
        \delta h_t &= \partial L/\partial h_t|_{\text{direct}} + \delta h_{t+1} \odot z_{t+1}
          + W_{hr}^\top \delta a^r_{t+1} + W_{hz}^\top \delta a^z_{t+1} \\
          &\quad + \begin{cases}
          W_{hn}^\top (\delta a^n_{t+1} \odot r_{t+1}) & \text{(pytorch)} \\
          (W_{hn}^\top \delta a^n_{t+1}) \odot r_{t+1} & \text{(cho)} \end{cases} \\
        \delta a^{n}_t &= \delta h_t \odot (1 - z_t) \odot (1 - n_t^2) \\
        \delta a^{z}_t &= \delta h_t \odot (h_{t-1} - n_t) \odot z_t (1 - z_t) \\
        \delta a^{r}_t &= \delta a^{n}_t \odot (W_{hn} h_{t-1} + b_{hn}) \odot r_t (1 - r_t)
          && \text{(pytorch)} \\
        \delta a^{r}_t &= \bigl(W_{hn}^\top \delta a^{n}_t\bigr) \odot h_{t-1}
          \odot r_t (1 - r_t) && \text{(cho)}
        \end{aligned}

    (``dh_T``, when given, is a gradient from beyond the sequence added to
    :math:`\delta h_T`.)

    The weight gradients are sums over time of outer products of these
    :math:`\delta a` with the vector each block multiplies (:math:`x_t`,
    :math:`h_{t-1}`, or :math:`r_t \odot h_{t-1}` for the Cho candidate).

    Equation id: ``gru.backward``. The forward pass is recomputed inside.

    Returns
    -------
    dict with keys ``"xs", "h0", "W_ih", "W_hh", "b_ih", "b_hh"``

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import gru_backward
    >>> rng = np.random.default_rng(0)
    >>> xs, W_ih = rng.normal(size=(4, 3)), rng.normal(size=(6, 3))
    >>> W_hh = rng.normal(size=(6, 2))
    >>> g = gru_backward(xs, np.ones((4, 2)), W_ih, W_hh, form="cho")
    >>> print(sorted(g), g["W_hh"].shape)
    ['W_hh', 'W_ih', 'b_hh', 'b_ih', 'h0', 'xs'] (6, 2)
    """
    xp, n = array_namespace(xs), W_hh.shape[1]
    h0 = zeros_state(xp, xs, n) if h0 is None else h0
    H, caches, _ = _run(xp, xs, W_ih, W_hh, b_ih, b_hh, h0, form, keep=True)
    return _bptt(xp, xs, dH, W_ih, W_hh, h0, dh_T, form, H, caches)


def _bptt(xp: Any, xs: Any, dH: Any, W_ih: Any, W_hh: Any, h0: Any, dh_T: Any, form: str,
          H: list, caches: list) -> dict[str, Any]:
    """The backward walk of :func:`gru_backward`, from a forward pass kept by ``_run``."""
    n = W_hh.shape[1]
    W_rz, W_n = W_hh[0:2 * n, :], W_hh[2 * n:, :]
    dh_next = xp.zeros_like(h0) if dh_T is None else dh_T
    T = xs.shape[0]
    dI, dRZ, dN, U = [None] * T, [None] * T, [None] * T, [None] * T
    for t in range(T - 1, -1, -1):
        r, z, cand, hn, u = caches[t]
        h_prev = H[t - 1] if t > 0 else h0
        dh = dH[t, ...] + dh_next
        da_n = dh * (1.0 - z) * (1.0 - cand * cand)   # through n_t = tanh(a^n)
        da_z = dh * (h_prev - cand) * z * (1.0 - z)    # h_t = n_t + z_t ⊙ (h_{t-1} − n_t)
        if form == "pytorch":
            dhn = da_n * r                             # ∂/∂(W_hn h + b_hn)
            da_r = da_n * hn * r * (1.0 - r)
            dh_prev = dh * z + dhn @ W_n
        else:
            dhn = da_n                                 # ∂/∂(W_hn u + b_hn), u = r ⊙ h_{t-1}
            du = dhn @ W_n
            da_r = du * h_prev * r * (1.0 - r)
            dh_prev = dh * z + du * r
        drz = xp.concat([da_r, da_z], axis=-1)
        dh_next = dh_prev + drz @ W_rz
        dI[t] = xp.concat([da_r, da_z, da_n], axis=-1)  # gradient of the input pre-activations
        dRZ[t], dN[t], U[t] = drz, dhn, u
    DI, DRZ, DN = (xp.stack(v, axis=0) for v in (dI, dRZ, dN))
    H_prev = xp.stack([h0, *H[:-1]], axis=0)
    U_ = xp.stack(U, axis=0)                           # what W_hn multiplies at each step
    return {
        "xs": DI @ W_ih,
        "h0": dh_next,
        "W_ih": outer_sum(xp, DI, xs),
        "W_hh": xp.concat([outer_sum(xp, DRZ, H_prev), outer_sum(xp, DN, U_)], axis=0),
        "b_ih": leading_sum(xp, DI),
        "b_hh": xp.concat([leading_sum(xp, DRZ), leading_sum(xp, DN)], axis=0),
    }
