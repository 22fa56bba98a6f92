"""Optimizers against torch.optim, step by step, on the same parameters and gradients (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import Optimizer, ShapeError, adam_step, adamw_step, sgd_step, warmup_cosine_lr
from tests._require import require
from tests.unit.errors import assert_error_names

torch = require("torch")

SHAPES = {"W": (4, 3), "b": (4,), "E": (5, 2)}
STEPS = 40


def _problem(seed: int):
    """Initial parameters and a fixed sequence of gradients (as if from a noisy loss)."""
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    grads = [{k: rng.normal(scale=1 + 3 * (t % 5 == 0), size=s) for k, s in SHAPES.items()}
             for t in range(STEPS)]
    return params, grads


def _torch_run(make, params, grads):
    """torch.optim on leaf tensors whose .grad we set to the given gradients."""
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in params.items()}
    opt = make(list(leaves.values()))
    trajectory = []
    for g in grads:
        for k, leaf in leaves.items():
            leaf.grad = torch.tensor(g[k], dtype=torch.float64)
        opt.step()
        trajectory.append({k: leaf.detach().numpy().copy() for k, leaf in leaves.items()})
    return trajectory


def _ours_run(step, params, grads, **hyper):
    state, trajectory = None, []
    for g in grads:
        params, state = step(params, g, state, **hyper)
        trajectory.append(params)
    return trajectory


def _max_diff(ours, theirs) -> float:
    return max(float(np.max(np.abs(a[k] - b[k]))) for a, b in zip(ours, theirs, strict=True)
               for k in a)


SGD = [dict(lr=0.1), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.3),
       dict(lr=0.05, momentum=0.8, nesterov=True), dict(lr=0.1, momentum=0.5, weight_decay=0.01),
       dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=0.1)]


@pytest.mark.formula("optim.sgd")
@pytest.mark.parametrize("hyper", SGD, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()))
def test_sgd_follows_torch_step_by_step(hyper):
    params, grads = _problem(1)
    theirs = _torch_run(lambda ps: torch.optim.SGD(ps, **hyper), params, grads)
    ours = _ours_run(sgd_step, params, grads, **hyper)
    assert _max_diff(ours, theirs) <= 1e-13


ADAM = [dict(lr=1e-3), dict(lr=0.1), dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6),
        dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, betas=(0.0, 0.5), eps=0.0)]


@pytest.mark.formula("optim.adam")
@pytest.mark.parametrize("hyper", ADAM, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()))
def test_adam_follows_torch_step_by_step(hyper):
    params, grads = _problem(2)
    theirs = _torch_run(lambda ps: torch.optim.Adam(ps, **hyper), params, grads)
    ours = _ours_run(adam_step, params, grads, **hyper)
    assert _max_diff(ours, theirs) <= 1e-13


@pytest.mark.formula("optim.adamw")
@pytest.mark.parametrize("hyper", [dict(lr=1e-3), dict(lr=0.05, weight_decay=0.3),
                                   dict(lr=0.02, betas=(0.5, 0.9), weight_decay=0.05)],
                         ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()))
def test_adamw_follows_torch_step_by_step(hyper):
    params, grads = _problem(3)
    theirs = _torch_run(lambda ps: torch.optim.AdamW(ps, **hyper), params, grads)
    ours = _ours_run(adamw_step, params, grads, **hyper)
    assert _max_diff(ours, theirs) <= 1e-13


@pytest.mark.formula("optim.adam")
def test_a_misplaced_epsilon_is_caught():
    """Negative control: ε inside the square root (another common form) differs from torch."""
    params, grads = _problem(2)
    theirs = _torch_run(lambda ps: torch.optim.Adam(ps, lr=0.05, eps=1e-3), params, grads)
    state, wrong = {"m": {k: 0 * v for k, v in params.items()},
                    "v": {k: 0 * v for k, v in params.items()}}, []
    p = dict(params)
    for t, g in enumerate(grads, start=1):
        for k in p:
            state["m"][k] = 0.9 * state["m"][k] + 0.1 * g[k]
            state["v"][k] = 0.999 * state["v"][k] + 0.001 * g[k] ** 2
            m_hat, v_hat = state["m"][k] / (1 - 0.9 ** t), state["v"][k] / (1 - 0.999 ** t)
            p[k] = p[k] - 0.05 * m_hat / np.sqrt(v_hat + 1e-3)
        wrong.append(dict(p))
    assert _max_diff(wrong, theirs) > 1e-4
    assert _max_diff(_ours_run(adam_step, params, grads, lr=0.05, eps=1e-3), theirs) <= 1e-13


@pytest.mark.formula("optim.adam", "optim.sgd")
def test_updates_leave_their_inputs_alone_and_take_torch_tensors():
    params, grads = _problem(4)
    before = {k: v.copy() for k, v in params.items()}
    new, _ = adam_step(params, grads[0], lr=0.1)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        assert not np.shares_memory(new[k], params[k])
    as_t = {k: torch.tensor(v) for k, v in params.items()}
    g_t = {k: torch.tensor(v) for k, v in grads[0].items()}
    new_t, _ = adam_step(as_t, g_t, lr=0.1)
    sgd_t, _ = sgd_step(as_t, g_t, lr=0.1, momentum=0.9)
    for k in params:
        assert isinstance(new_t[k], torch.Tensor)
        np.testing.assert_allclose(new_t[k].numpy(), new[k], rtol=0, atol=1e-15)
        np.testing.assert_allclose(sgd_t[k].numpy(), params[k] - 0.1 * grads[0][k], atol=1e-15)


@pytest.mark.formula("optim.adam")
def test_the_optimizer_object_keeps_the_state_between_steps():
    params, grads = _problem(5)
    theirs = _torch_run(lambda ps: torch.optim.Adam(ps, lr=0.03), params, grads)
    opt, p, ours = Optimizer("adam", lr=0.03), params, []
    for g in grads:
        p = opt.step(p, g)
        ours.append(p)
    assert opt.state["step"] == STEPS
    assert _max_diff(ours, theirs) <= 1e-13


@pytest.mark.formula("optim.adam")
def test_the_defaults_are_torchs():
    """Optimizer() is Adam at lr 1e-3, as are adam_step and adamw_step left at their
    defaults (torch.optim.Adam and AdamW, whose weight decay defaults differ: 0 and 1e-2)."""
    params, grads = _problem(6)
    grads = grads[:5]
    opt, p, ours = Optimizer(), params, []
    for g in grads:
        p = opt.step(p, g)
        ours.append(p)
    assert _max_diff(ours, _torch_run(torch.optim.Adam, params, grads)) <= 1e-13
    assert _max_diff(_ours_run(adam_step, params, grads),
                     _torch_run(torch.optim.Adam, params, grads)) <= 1e-13
    assert _max_diff(_ours_run(adamw_step, params, grads),
                     _torch_run(torch.optim.AdamW, params, grads)) <= 1e-13


def test_sgd_counts_its_steps_and_keeps_no_buffer_without_momentum():
    params, grads = _problem(7)
    state = None
    for t in (1, 2, 3):
        params, state = sgd_step(params, grads[t], state, lr=0.1)
        assert state == {"step": t, "momentum": None}
    _, state = sgd_step(params, grads[4], state, lr=0.1, momentum=0.9)
    assert state["step"] == 4 and set(state["momentum"]) == set(SHAPES)


def _torch_schedule(lr, warmup, total, min_lr, steps):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = torch.optim.lr_scheduler
    cosine = sched.CosineAnnealingLR(opt, T_max=total - warmup, eta_min=min_lr)
    if warmup:
        linear = sched.LinearLR(opt, start_factor=1 / warmup, end_factor=1.0,
                                total_iters=warmup - 1)
        s = sched.SequentialLR(opt, [linear, cosine], milestones=[warmup])
    else:
        s = cosine
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        s.step()
    return out


@pytest.mark.formula("optim.warmup-cosine")
@pytest.mark.parametrize("lr, warmup, total, min_lr", [(3e-3, 50, 800, 3e-4), (1.0, 1, 5, 0.0),
                                                       (0.5, 7, 20, 0.1), (2.0, 0, 30, 0.2)])
def test_the_schedule_is_torchs_linear_warmup_then_cosine(lr, warmup, total, min_lr):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # SequentialLR's deprecation notice of step(epoch)
        theirs = _torch_schedule(lr, warmup, total, min_lr, total + 1)
    ours = [warmup_cosine_lr(s, lr, warmup, total, min_lr) for s in range(total + 1)]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert ours[warmup] == pytest.approx(lr) and ours[total] == pytest.approx(min_lr)
    # past the end torch's cosine turns back up; this schedule stays at the minimum
    assert warmup_cosine_lr(total + 5, lr, warmup, total, min_lr) == pytest.approx(min_lr)


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        # the scalar settings' domains are derived in tests/unit/test_validation.py; here, what
        # ties one argument to another, and the dicts of named arrays
        (lambda: sgd_step({"w": [1.0]}, {"w": [1.0]}, lr=0.1, nesterov=True), ValueError,
         ["sgd_step: `nesterov=True`", "`momentum` > 0"]),
        (lambda: sgd_step({"w": [1.0]}, {"v": [1.0]}, lr=0.1), KeyError,
         ["sgd_step: `grads`", "keys of `params`", "missing ['w']", "extra ['v']"]),
        (lambda: sgd_step({"w": [1.0, 2.0]}, {"w": [1.0]}, lr=0.1), ShapeError,
         ["sgd_step: `grads['w']`", "shape of `params['w']`", "(2,)", "(1,)"]),
        (lambda: sgd_step({"w": [1, 2]}, {"w": [1, 2]}, lr=0.1), TypeError,
         ["sgd_step: `params['w']`", "floating", "int64"]),
        (lambda: sgd_step({}, {}, lr=0.1), TypeError, ["sgd_step: `params`", "non-empty dict"]),
        (lambda: sgd_step([1.0], [1.0], lr=0.1), TypeError, ["sgd_step: `params`", "list"]),
        (lambda: adam_step({"w": [1.0]}, {"w": [1.0]}, betas=(0.9, 1.0)), ValueError,
         ["adam_step: `betas[1]`", "[0, 1)", "1.0"]),
        (lambda: adam_step({"w": [1.0]}, {"w": [1.0]}, betas=0.9), TypeError,
         ["adam_step: `betas`", "pair"]),
        (lambda: adam_step({"w": [1.0]}, {"w": [1.0]},
                           {"step": 1, "m": {"x": np.zeros(1)}, "v": {"x": np.zeros(1)}}),
         KeyError, ["adam_step: `state['m']`", "parameters ['x']"]),
        (lambda: Optimizer("sgd", lr=0.1, betas=(0.9, 0.99)), TypeError,
         ["Optimizer: `betas`", "not a setting of 'sgd'"]),
        # the step's own arguments are not settings either; lr is given on its own
        (lambda: Optimizer("adam", grads={"w": [1.0]}), TypeError,
         ["Optimizer: `grads`", "not a setting of 'adam'",
          "its settings are betas, eps, weight_decay"]),
        (lambda: warmup_cosine_lr(0, 0.1, 10, 10), ValueError,
         ["warmup_cosine_lr: `total`", ">= 11", "10"]),
        (lambda: warmup_cosine_lr(0, 0.1, 2, 10, min_lr=0.2), ValueError,
         ["warmup_cosine_lr: `min_lr`", "[0, 0.1]"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)
