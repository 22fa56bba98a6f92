"""Optimizers: SGD with momentum, Adam, AdamW, and a warm-up + cosine learning-rate schedule.

Parameters and gradients are dicts of named arrays with the same keys (``{"W_hh": ...,
"b_y": ...}``), the form every trainable model of :mod:`seqcore` uses. Each update is a
pure function: it returns new parameters and a new optimizer state and leaves its inputs
untouched, so a training step can be replayed and compared with ``torch.optim`` step by
step. :class:`Optimizer` keeps the state between steps for a training loop.

The update rules follow PyTorch's ``torch.optim`` (2.x) to the operation order, so that
the two agree in float64 to rounding error: the momentum buffer starts as the first
gradient (no dampening on step 1), Adam's :math:`\\epsilon` is added to the bias-corrected
:math:`\\sqrt{\\hat v_t}`, and AdamW shrinks the weights before the Adam step.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from typing import Any, ClassVar

from ._trace import implements
from ._validate import (
    NO_DIMS,
    Domain,
    Flag,
    Integer,
    Named,
    Options,
    Real,
    ShapeError,
    _kind,
    calling,
    floating,
    namespace,
    params,
)

__all__ = ["Optimizer", "adam_step", "adamw_step", "sgd_step", "warmup_cosine_lr"]

METHODS = ("sgd", "adam", "adamw")


# --- checks ------------------------------------------------------------------------------

LR = Real(gt=0)
DECAY = Real(ge=0)


class Betas(Domain):
    """A pair (β1, β2), each in [0, 1)."""

    BETA = Real(ge=0, lt=1)

    def describe(self, dims: Mapping[str, Any] = NO_DIMS) -> str:
        return "a pair (β1, β2) of numbers in [0, 1)"

    def check(self, func: str, name: str, value: Any, dims: Mapping[str, Any]) -> Any:
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise self.fail(TypeError, func, name, _kind(value))
        return tuple(self.BETA.check(func, f"{name}[{i}]", b, dims) for i, b in enumerate(value))


PAIRS = {"params": Named(), "grads": Named()}
ADAM = {**PAIRS, "lr": LR, "betas": Betas(), "eps": Real(ge=0), "weight_decay": DECAY}


def _pairs(params: Any, grads: Any) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Check that ``params`` and ``grads`` are dicts of same-shaped float arrays, same keys
    (a mapping with keys of the caller's choosing: no fixed ``Group`` of fields)."""
    func = calling()
    if set(params) != set(grads):
        missing, extra = sorted(set(params) - set(grads)), sorted(set(grads) - set(params))
        raise KeyError(f"{func}: `grads` must have the keys of `params`; missing {missing}, "
                       f"extra {extra}")
    P = {f"params['{k}']": params[k] for k in params}
    G = {f"grads['{k}']": grads[k] for k in params}
    xp, a = namespace(func, **P, **G)
    floating(func, xp, **a)
    for k in params:
        p, g = a[f"params['{k}']"], a[f"grads['{k}']"]
        if tuple(p.shape) != tuple(g.shape):
            raise ShapeError(f"{func}: `grads['{k}']` must have the shape of `params['{k}']`, "
                             f"{tuple(p.shape)}; got {tuple(g.shape)}")
    return xp, {k: a[f"params['{k}']"] for k in params}, {k: a[f"grads['{k}']"] for k in params}


def _slots(state: Any, slot: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The per-parameter arrays ``state[slot]``, or None before the first step."""
    func = calling()
    if state is None or state.get(slot) is None:
        return None
    arrays = state[slot]
    if set(arrays) != set(params):
        raise KeyError(f"{func}: `state['{slot}']` was made for the parameters "
                       f"{sorted(arrays)}, not {sorted(params)}")
    for k, p in params.items():
        if tuple(arrays[k].shape) != tuple(p.shape):
            raise ShapeError(f"{func}: `state['{slot}']['{k}']` has shape "
                             f"{tuple(arrays[k].shape)} but the parameter has {tuple(p.shape)}")
    return arrays


# --- SGD ----------------------------------------------------------------------------------

@implements("optim.sgd")
@params(**PAIRS, lr=LR, momentum=Real(ge=0), dampening=Real(ge=0, le=1), nesterov=Flag(),
        weight_decay=DECAY)
def sgd_step(params: Mapping[str, Any], grads: Mapping[str, Any], state: dict | None = None,
             *, lr: float, momentum: float = 0.0, dampening: float = 0.0,
             nesterov: bool = False, weight_decay: float = 0.0
             ) -> tuple[dict[str, Any], dict[str, Any]]:
    r"""One step of stochastic gradient descent with momentum, PyTorch's form.

    .. math::

        \begin{aligned}
        g_t &\leftarrow g_t + \lambda\, \theta_{t-1} \\
        u_t &= \begin{cases} g_t & t = 1 \\
               \mu\, u_{t-1} + (1 - \tau)\, g_t & t > 1 \end{cases} \\
        \theta_t &= \theta_{t-1} - \eta \cdot \begin{cases} g_t + \mu\, u_t & \text{Nesterov} \\
                    u_t & \text{otherwise} \end{cases}
        \end{aligned}

    Equation id: ``optim.sgd``. With :math:`\mu = 0` there is no buffer and the step
    is plain :math:`\theta_t = \theta_{t-1} - \eta\, g_t`. The first buffer is the
    gradient itself, without the dampening :math:`\tau`, as in ``torch.optim.SGD``.

    Parameters
    ----------
    params, grads : dict of arrays
        The parameters :math:`\theta` and their gradients :math:`g`, same keys and shapes.
    state : dict or None
        What the previous call returned (``None`` for the first step).
    lr : float
        The learning rate :math:`\eta > 0`.
    momentum : float
        :math:`\mu \ge 0`.
    dampening : float
        :math:`\tau \in [0, 1]`.
    nesterov : bool
        Nesterov momentum (needs :math:`\mu > 0` and :math:`\tau = 0`).
    weight_decay : float
        :math:`\lambda \ge 0`, an L2 penalty added to the gradient.

    Returns
    -------
    params : dict
        The new parameters (new arrays; the inputs are not modified).
    state : dict
        ``{"step": t, "momentum": {name: u_t} or None}``.

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import sgd_step
    >>> p, s = {"w": np.array([1.0])}, None
    >>> for _ in range(3):
    ...     p, s = sgd_step(p, {"w": np.array([1.0])}, s, lr=0.1, momentum=0.9)
    >>> print(p["w"].round(4), s["momentum"]["w"])     # buffers 1, 1.9, 2.71
    [0.439] [2.71]
    """
    if nesterov and (momentum == 0 or dampening != 0):
        raise ValueError(f"sgd_step: `nesterov=True` needs `momentum` > 0 and `dampening` = 0; "
                         f"got momentum={momentum:g}, dampening={dampening:g}")
    _, P, G = _pairs(params, grads)
    bufs = _slots(state, "momentum", P) if momentum else None
    new_p, new_b = {}, {}
    for k, theta in P.items():
        g = G[k]
        if weight_decay:
            g = g + weight_decay * theta                    # g ← g + λθ
        if momentum:
            b = g if bufs is None else momentum * bufs[k] + (1 - dampening) * g
            new_b[k] = b
            g = g + momentum * b if nesterov else b         # Nesterov looks one step ahead
        new_p[k] = theta - lr * g                           # θ ← θ − η g
    step = (state or {}).get("step", 0) + 1
    return new_p, {"step": step, "momentum": new_b if momentum else None}


# --- Adam and AdamW -----------------------------------------------------------------------

def _adam(params: Any, grads: Any, state: dict | None, lr: float, betas: tuple[float, float],
          eps: float, weight_decay: float, decoupled: bool) -> tuple[dict, dict]:
    beta1, beta2 = betas
    xp, P, G = _pairs(params, grads)
    m_prev, v_prev = _slots(state, "m", P), _slots(state, "v", P)
    t = (state or {}).get("step", 0) + 1
    bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t               # bias corrections
    new_p, new_m, new_v = {}, {}, {}
    for k, theta in P.items():
        g = G[k]
        if weight_decay and decoupled:
            theta = theta * (1 - lr * weight_decay)         # AdamW: θ ← θ(1 − ηλ) first
        elif weight_decay:
            g = g + weight_decay * theta                    # Adam: L2 in the gradient
        m0 = xp.zeros_like(g) if m_prev is None else m_prev[k]
        v0 = xp.zeros_like(g) if v_prev is None else v_prev[k]
        m = m0 + (1 - beta1) * (g - m0)                     # m_t = β1 m + (1 − β1) g
        v = beta2 * v0 + (1 - beta2) * (g * g)              # v_t = β2 v + (1 − β2) g²
        denom = xp.sqrt(v) / bc2 ** 0.5 + eps               # √v̂_t + ε
        new_p[k] = theta - (lr / bc1) * (m / denom)         # θ ← θ − η m̂_t / (√v̂_t + ε)
        new_m[k], new_v[k] = m, v
    return new_p, {"step": t, "m": new_m, "v": new_v}


@implements("optim.adam")
@params(**ADAM)
def adam_step(params: Mapping[str, Any], grads: Mapping[str, Any], state: dict | None = None,
              *, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
              eps: float = 1e-8, weight_decay: float = 0.0
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    r"""One Adam step (Kingma & Ba, 2015), PyTorch's form.

    .. math::

        \begin{aligned}
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \hat m_t &= \frac{m_t}{1 - \beta_1^t}, \qquad
        \hat v_t = \frac{v_t}{1 - \beta_2^t}, \qquad
        \theta_t = \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}
        \end{aligned}

    Equation id: ``optim.adam``. :math:`m_0 = v_0 = 0`; the bias corrections undo
    the pull towards those zeros in the first steps. A ``weight_decay``
    :math:`\lambda > 0` adds :math:`\lambda \theta_{t-1}` to :math:`g_t` (an L2
    penalty, which the division by :math:`\sqrt{\hat v_t}` rescales; see
    :func:`adamw_step` for the decoupled form).

    Parameters
    ----------
    params, grads : dict of arrays
    state : dict or None
        ``{"step": t, "m": {...}, "v": {...}}`` from the previous call.
    lr : float
        :math:`\eta > 0`.
    betas : (float, float)
        :math:`\beta_1, \beta_2 \in [0, 1)`.
    eps : float
        :math:`\epsilon \ge 0`, added to :math:`\sqrt{\hat v_t}`.
    weight_decay : float

    Returns
    -------
    params, state

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import adam_step
    >>> p, s = adam_step({"w": np.array([1.0, 1.0])}, {"w": np.array([0.001, 1000.0])},
    ...                  lr=0.1)
    >>> print(p["w"].round(4))           # the first step is ±η whatever the gradient's size
    [0.9 0.9]
    """
    return _adam(params, grads, state, lr, betas, eps, weight_decay, decoupled=False)


@implements("optim.adamw")
@params(**ADAM)
def adamw_step(params: Mapping[str, Any], grads: Mapping[str, Any], state: dict | None = None,
               *, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
               eps: float = 1e-8, weight_decay: float = 1e-2
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    r"""One AdamW step (Loshchilov & Hutter, 2019): Adam with decoupled weight decay.

    .. math::

        \theta_t = (1 - \eta \lambda)\, \theta_{t-1}
                   - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    with :math:`\hat m_t, \hat v_t` of ``optim.adam`` computed from the gradient
    alone. Equation id: ``optim.adamw``. The decay shrinks every weight by the same
    factor, whatever its gradient history; in Adam's L2 form the decay would be
    divided by :math:`\sqrt{\hat v_t}` like the gradient, so weights with large
    gradients would be decayed less. Defaults as ``torch.optim.AdamW``
    (:math:`\lambda = 0.01`).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import adamw_step
    >>> p, _ = adamw_step({"w": np.array([2.0])}, {"w": np.array([0.0])}, lr=0.1,
    ...                   weight_decay=0.5)
    >>> print(p["w"])                    # zero gradient: only the decay, 2 · (1 − 0.05)
    [1.9]
    """
    return _adam(params, grads, state, lr, betas, eps, weight_decay, decoupled=True)


# --- schedule -----------------------------------------------------------------------------

@implements("optim.warmup-cosine")
@params(step=Integer(ge=0), base_lr=LR, warmup=Integer(ge=0), total=Integer(gt="warmup"),
        min_lr=Real(ge=0, le="base_lr"))
def warmup_cosine_lr(step: int, base_lr: float, warmup: int, total: int,
                     min_lr: float = 0.0) -> float:
    r"""The learning rate of update ``step``: linear warm-up, then cosine decay.

    .. math::

        \eta_s = \begin{cases}
        \eta_{\max} \dfrac{s + 1}{K} & 0 \le s < K \\[1ex]
        \eta_{\min} + \tfrac{1}{2} (\eta_{\max} - \eta_{\min})
        \Bigl(1 + \cos \dfrac{\pi (s - K)}{S - K}\Bigr) & K \le s \le S
        \end{cases}

    Equation id: ``optim.warmup-cosine``. Update :math:`s` (counted from 0) uses
    :math:`\eta_s`. The warm-up climbs to :math:`\eta_{\max}` in :math:`K` updates
    (in the first steps Adam's :math:`\hat m_t` and :math:`\hat v_t` come from the
    same one or two gradients: every weight takes a step of exactly :math:`\eta`
    at the first update and still a large share of it in the next few, even where
    the gradient is mostly noise); the cosine then falls
    from :math:`\eta_{\max}` at :math:`s = K` to :math:`\eta_{\min}` at
    :math:`s = S` and stays there. This is
    ``torch.optim.lr_scheduler.SequentialLR`` of ``LinearLR(start_factor=1/K,
    total_iters=K-1)`` and ``CosineAnnealingLR(T_max=S-K, eta_min)`` with the
    milestone at :math:`K`. ``warmup=0`` starts with the cosine.

    Parameters
    ----------
    step : int
        :math:`s \ge 0`.
    base_lr : float
        :math:`\eta_{\max} > 0`.
    warmup : int
        :math:`K \ge 0`.
    total : int
        :math:`S > K`: the update at which the decay ends.
    min_lr : float
        :math:`\eta_{\min} \in [0, \eta_{\max}]`.

    Returns
    -------
    float

    Examples
    --------
    >>> from seqcore import warmup_cosine_lr
    >>> print([round(warmup_cosine_lr(s, 1.0, warmup=2, total=6), 3) for s in range(8)])
    [0.5, 1.0, 1.0, 0.854, 0.5, 0.146, 0.0, 0.0]
    """
    if step < warmup:
        return base_lr * (step + 1) / warmup                # η_max (s + 1) / K
    progress = min(step - warmup, total - warmup) / (total - warmup)
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + math.cos(math.pi * progress))


# --- the stateful wrapper a training loop uses --------------------------------------------

class Optimizer:
    """One of :func:`sgd_step`, :func:`adam_step`, :func:`adamw_step` with its state kept.

    Parameters
    ----------
    method : {"sgd", "adam", "adamw"}
    lr : float
        The learning rate, unless a schedule passes one to :meth:`step`.
    **hyper
        The other keyword arguments of the step function (``momentum``, ``betas``…).

    Examples
    --------
    >>> import numpy as np
    >>> from seqcore import Optimizer
    >>> opt = Optimizer("sgd", lr=0.5)
    >>> p = opt.step({"w": np.array([1.0])}, {"w": np.array([1.0])})
    >>> print(p["w"], opt.state["step"])
    [0.5] 1
    """

    STEPS: ClassVar[dict] = {"sgd": sgd_step, "adam": adam_step, "adamw": adamw_step}

    @params(method=Options(*METHODS), lr=LR)
    def __init__(self, method: str = "adam", lr: float = 1e-3, **hyper: Any) -> None:
        self.method, self.lr = method, lr
        known = [p.name for p in inspect.signature(self.STEPS[method]).parameters.values()
                 if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name != "lr"]
        for name in hyper:
            if name not in known:
                raise TypeError(f"Optimizer: `{name}` is not a setting of {method!r}; its "
                                f"settings are {', '.join(known)}")
        self.hyper = hyper
        self.state: dict | None = None
        # fail now on a bad hyper-parameter, not at the first step
        self.STEPS[method]({"x": [0.0]}, {"x": [0.0]}, None, lr=self.lr, **hyper)

    @params(lr=Real(gt=0, optional=True))
    def step(self, params: Mapping[str, Any], grads: Mapping[str, Any],
             lr: float | None = None) -> dict[str, Any]:
        """Update ``params`` with ``grads`` (at ``lr`` if given) and return the new ones."""
        new, self.state = self.STEPS[self.method](
            params, grads, self.state, lr=self.lr if lr is None else lr, **self.hyper)
        return new
