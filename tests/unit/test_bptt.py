"""Loss and hand-written BPTT against torch.nn.functional.cross_entropy and torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest

from seqcore import (
    ShapeError,
    cross_entropy,
    cross_entropy_grad,
    log_softmax,
    output_layer_backward,
    rnn_backward,
    rnn_bptt,
    rnn_forward,
    sequence_cross_entropy,
    truncated_bptt,
)
from tests._require import require
from tests.unit.errors import assert_batch_axis_is_checked, assert_error_names

torch = require("torch")
F = torch.nn.functional
F64 = torch.float64
TOL, GRAD_TOL = 1e-10, 1e-8
SHAPES = [(1, 1, 1, 1, 2), (5, 3, 4, 6, 7), (9, 1, 3, 5, 4), (4, 6, 2, 8, 3)]  # T,B,d,n,q


def npy(t):
    return t.detach().cpu().numpy()


class Net:
    """A torch RNN + Linear with copied-out weights, and its autograd gradients."""

    def __init__(self, T, B, d, n, q, nonlinearity="tanh", seed=0, batched=True):
        torch.manual_seed(seed)
        self.rnn = torch.nn.RNN(d, n, nonlinearity=nonlinearity, dtype=F64)
        self.lin = torch.nn.Linear(n, q, dtype=F64)
        lead = (B,) if batched else ()
        self.xs = torch.randn(T, *lead, d, dtype=F64, requires_grad=True)
        self.h0 = torch.randn(1, *lead, n, dtype=F64, requires_grad=True)
        self.y = torch.randint(0, q, (T, *lead))
        self.nl = nonlinearity

    def weights(self):
        r, lin = self.rnn, self.lin
        return dict(W_xh=npy(r.weight_ih_l0), W_hh=npy(r.weight_hh_l0),
                    b_h=npy(r.bias_ih_l0 + r.bias_hh_l0), W_hy=npy(lin.weight), b_y=npy(lin.bias))

    def autograd(self, k=None):
        T = self.xs.shape[0]
        k = k or T
        h, total = self.h0, 0.0
        for s in range(0, T, k):
            out, h_n = self.rnn(self.xs[s:s + k], h)
            logits = self.lin(out)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                   self.y[s:s + k].reshape(-1), reduction="sum")
            loss.backward()
            total += loss.item()
            h = h_n.detach()                        # truncation: no gradient across chunks
        r, lin = self.rnn, self.lin
        return total, {"W_xh": r.weight_ih_l0.grad, "W_hh": r.weight_hh_l0.grad,
                       "b_h": r.bias_ih_l0.grad, "W_hy": lin.weight.grad, "b_y": lin.bias.grad,
                       "h0": self.h0.grad[0], "xs": self.xs.grad}


@pytest.mark.formula("bptt.loss-step", "softmax.log")
@pytest.mark.parametrize("lead", [(), (5,), (4, 3)])
def test_cross_entropy_matches_torch(lead):
    torch.manual_seed(1)
    logits = torch.randn(*lead, 6, dtype=F64) * 5
    y = torch.randint(0, 6, lead)
    ref = F.cross_entropy(logits.reshape(-1, 6), y.reshape(-1), reduction="none").reshape(lead)
    np.testing.assert_allclose(cross_entropy(npy(logits), y.numpy()), npy(ref), rtol=0, atol=TOL)
    np.testing.assert_allclose(log_softmax(npy(logits)), npy(F.log_softmax(logits, -1)),
                               rtol=0, atol=TOL)
    torch.testing.assert_close(cross_entropy(logits, y), ref, rtol=0, atol=TOL)


@pytest.mark.formula("bptt.loss-step", "softmax.log")
def test_cross_entropy_stays_finite_for_confident_mistakes():
    logits = np.array([[1000.0, -1000.0]])
    got = cross_entropy(logits, np.array([1]))
    ref = F.cross_entropy(torch.tensor(logits), torch.tensor([1]), reduction="none")
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, ref.numpy(), rtol=1e-12)


@pytest.mark.formula("bptt.loss-total")
@pytest.mark.parametrize("batched", [True, False])
def test_sequence_loss_is_sum_over_time(batched):
    torch.manual_seed(2)
    lead = (3,) if batched else ()
    logits, y = torch.randn(7, *lead, 5, dtype=F64), torch.randint(0, 5, (7, *lead))
    ref = F.cross_entropy(logits.reshape(-1, 5), y.reshape(-1), reduction="none")
    ref = ref.reshape(7, *lead).sum(0)
    np.testing.assert_allclose(sequence_cross_entropy(npy(logits), y.numpy()), npy(ref),
                               rtol=0, atol=TOL)


@pytest.mark.formula("bptt.dlogits")
def test_dlogits_is_prediction_minus_target():
    torch.manual_seed(3)
    logits = torch.randn(6, 4, dtype=F64, requires_grad=True)
    y = torch.randint(0, 4, (6,))
    F.cross_entropy(logits, y, reduction="sum").backward()
    np.testing.assert_allclose(cross_entropy_grad(npy(logits), y.numpy()), npy(logits.grad),
                               rtol=0, atol=GRAD_TOL)


@pytest.mark.formula("bptt.output-grads")
def test_output_layer_backward_matches_autograd():
    torch.manual_seed(4)
    lin = torch.nn.Linear(5, 3, dtype=F64)
    H = torch.randn(6, 2, 5, dtype=F64, requires_grad=True)
    dO = torch.randn(6, 2, 3, dtype=F64)
    (lin(H) * dO).sum().backward()
    g = output_layer_backward(npy(H), npy(dO), npy(lin.weight))
    for name, ref in (("H", H.grad), ("W_hy", lin.weight.grad), ("b_y", lin.bias.grad)):
        np.testing.assert_allclose(g[name], npy(ref), rtol=0, atol=GRAD_TOL, err_msg=name)


@pytest.mark.formula("bptt.hidden-grad", "bptt.weight-grads", "bptt.input-grads")
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_rnn_backward_matches_autograd(shape, batched, nonlinearity):
    T, B, d, n, _ = shape
    net = Net(T, B, d, n, 2, nonlinearity, seed=T * n, batched=batched)
    out, h_n = net.rnn(net.xs, net.h0)
    dH, dh_T = torch.randn_like(out), torch.randn_like(h_n[0])
    ((out * dH).sum() + (h_n[0] * dh_T).sum()).backward()
    w = net.weights()
    g = rnn_backward(npy(net.xs), npy(out), npy(dH), w["W_xh"], w["W_hh"], h0=npy(net.h0[0]),
                     dh_T=npy(dh_T), nonlinearity=nonlinearity)
    refs = {"xs": net.xs.grad, "h0": net.h0.grad[0], "W_xh": net.rnn.weight_ih_l0.grad,
            "W_hh": net.rnn.weight_hh_l0.grad, "b_h": net.rnn.bias_hh_l0.grad}
    for name, ref in refs.items():
        np.testing.assert_allclose(g[name], npy(ref), rtol=0, atol=GRAD_TOL, err_msg=name)


@pytest.mark.formula("bptt.total")
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_full_bptt_matches_autograd(shape, batched, nonlinearity):
    net = Net(*shape, nonlinearity=nonlinearity, seed=sum(shape), batched=batched)
    loss, g = rnn_bptt(npy(net.xs), net.y.numpy(), **net.weights(), h0=npy(net.h0[0]),
                       nonlinearity=nonlinearity)
    ref_loss, refs = net.autograd()
    assert abs(float(loss) - ref_loss) < TOL * max(1.0, abs(ref_loss))
    for name, ref in refs.items():
        np.testing.assert_allclose(g[name], npy(ref), rtol=0, atol=GRAD_TOL, err_msg=name)


@pytest.mark.formula("bptt.truncated")
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("k", [1, 2, 3, 9, 50])
def test_truncated_bptt_matches_autograd_with_detach(k, nonlinearity):
    net = Net(9, 3, 4, 5, 6, nonlinearity=nonlinearity, seed=k)
    loss, g = truncated_bptt(npy(net.xs), net.y.numpy(), **net.weights(), k=k,
                             h0=npy(net.h0[0]), nonlinearity=nonlinearity)
    ref_loss, refs = net.autograd(k)
    assert abs(float(loss) - ref_loss) < 1e-9
    for name, ref in refs.items():
        np.testing.assert_allclose(g[name], npy(ref), rtol=0, atol=GRAD_TOL, err_msg=name)


@pytest.mark.formula("bptt.total", "bptt.hidden-grad")
def test_full_bptt_adds_the_gradient_that_arrives_at_the_last_state():
    """``dh_T``: the gradient of what comes after the sequence (the next chunk's loss)
    with respect to h_T, here L + ⟨h_T, g⟩ by autograd."""
    net = Net(5, 2, 3, 4, 3, seed=4)
    g_T = torch.randn(2, 4, dtype=F64, generator=torch.Generator().manual_seed(1))
    out, h_n = net.rnn(net.xs, net.h0)
    loss = F.cross_entropy(net.lin(out).reshape(-1, 3), net.y.reshape(-1), reduction="sum")
    (loss + (h_n[0] * g_T).sum()).backward()
    _, g = rnn_bptt(npy(net.xs), net.y.numpy(), **net.weights(), h0=npy(net.h0[0]),
                    dh_T=g_T.numpy())
    refs = {"W_hh": net.rnn.weight_hh_l0.grad, "W_xh": net.rnn.weight_ih_l0.grad,
            "h0": net.h0.grad[0], "xs": net.xs.grad}
    for name, ref in refs.items():
        np.testing.assert_allclose(g[name], npy(ref), rtol=0, atol=GRAD_TOL, err_msg=name)


@pytest.mark.formula("bptt.truncated", "bptt.total")
def test_truncation_changes_the_gradient_but_not_the_loss():
    net = Net(8, 2, 3, 4, 5, seed=9)
    w, xs, y = net.weights(), npy(net.xs), net.y.numpy()
    full_loss, full = rnn_bptt(xs, y, **w)
    cut_loss, cut = truncated_bptt(xs, y, **w, k=2)
    np.testing.assert_allclose(cut_loss, full_loss, rtol=1e-12)
    assert not np.allclose(cut["W_hh"], full["W_hh"])
    np.testing.assert_allclose(cut["W_hy"], full["W_hy"], rtol=0, atol=1e-12)  # no recurrence


@pytest.mark.formula("bptt.total", "bptt.hidden-grad")
def test_same_functions_take_torch_tensors():
    net = Net(6, 2, 3, 4, 5, seed=11)
    w = {k: torch.from_numpy(v) for k, v in net.weights().items()}
    _, g = rnn_bptt(net.xs.detach(), net.y, **w, h0=net.h0[0].detach())
    _, refs = net.autograd()
    assert isinstance(g["W_hh"], torch.Tensor)
    for name, ref in refs.items():
        torch.testing.assert_close(g[name], ref, rtol=0, atol=GRAD_TOL)
    H, _ = rnn_forward(net.xs.detach(), w["W_xh"], w["W_hh"], w["b_h"])
    g2 = rnn_backward(net.xs.detach(), H, torch.ones_like(H), w["W_xh"], w["W_hh"])
    assert isinstance(g2["xs"], torch.Tensor)


# --- bad input -----------------------------------------------------------------------------

def _w(d=3, n=4, q=5):
    rng = np.random.default_rng(0)
    return dict(W_xh=rng.normal(size=(n, d)), W_hh=rng.normal(size=(n, n)), b_h=np.zeros(n),
                W_hy=rng.normal(size=(q, n)), b_y=np.zeros(q))


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: cross_entropy(np.zeros((3, 4)), np.array([0, 1])),
         ShapeError, ["cross_entropy: `targets`", "(3,)", "(2,)"]),
        (lambda: cross_entropy(np.zeros((3, 4)), np.array([0.0, 1.0, 2.0])),
         TypeError, ["`targets`", "integer"]),
        (lambda: cross_entropy(np.zeros((3, 4)), np.array([0, 1, 4])),
         IndexError, ["cross_entropy: `targets`", "[0, 3]", "to 4"]),
        (lambda: cross_entropy(np.zeros((3, 4)), np.array([0, -1, 2])),
         ValueError, ["cross_entropy: `targets`", "[0, 3]", "from -1"]),
        (lambda: cross_entropy(np.array([[np.nan, 0.0]]), np.array([0])),
         ValueError, ["`logits`", "finite", "1 NaN"]),
        (lambda: cross_entropy(np.array(1.0), np.array(0)),
         ShapeError, ["cross_entropy: `logits`", "at least 1-D (..., classes)", "0-D"]),
        (lambda: sequence_cross_entropy(np.zeros((0, 4)), np.zeros(0, dtype=int)),
         ShapeError, ["`logits`", "at least one time step"]),
        (lambda: sequence_cross_entropy(np.zeros(4), np.zeros((), dtype=int)),
         ShapeError, ["`logits`", "2-D (time, classes)", "(4,)"]),
        (lambda: rnn_bptt(np.ones((5, 3)), np.zeros(5, dtype=int), **(_w() | {
            "W_hy": np.ones((5, 6))})),
         ShapeError, ["`W_hy`", "hidden=4", "(5, 6)"]),
        (lambda: rnn_bptt(np.ones((5, 3)), np.zeros(4, dtype=int), **_w()),
         ShapeError, ["`targets`", "(5,)", "(4,)"]),
        (lambda: rnn_bptt(np.ones((0, 3)), np.zeros(0, dtype=int), **_w()),
         ShapeError, ["`xs`", "at least one time step"]),
        (lambda: truncated_bptt(np.ones((5, 3)), np.zeros(5, dtype=int), **_w(), k=0),
         ValueError, ["`k`", ">= 1", "0"]),
        (lambda: truncated_bptt(np.ones((5, 3)), np.zeros(5, dtype=int), **_w(), k=2.5),
         TypeError, ["truncated_bptt: `k`", "integer", "2.5"]),
        (lambda: rnn_backward(np.ones((5, 3)), np.ones((5, 4)), np.ones((4, 4)), _w()["W_xh"],
                              _w()["W_hh"]),
         ShapeError, ["`dH`", "time=5", "(4, 4)"]),
        (lambda: rnn_backward(np.ones((5, 3)), np.ones((5, 5)), np.ones((5, 4)), _w()["W_xh"],
                              _w()["W_hh"]),
         ShapeError, ["`H`", "hidden=4", "(5, 5)"]),
        (lambda: output_layer_backward(np.ones((5, 4)), np.ones((5, 3)), np.ones((2, 4))),
         ShapeError, ["`dO`", "output=2", "(5, 3)"]),
        (lambda: cross_entropy_grad(np.ones((2, 3)), np.array([0, 1, 2])), ShapeError,
         ["cross_entropy_grad: `targets`", "(2,)", "(3,)"]),
        (lambda: cross_entropy_grad(np.ones((2, 3)), np.array([0, 5])), ValueError,
         ["cross_entropy_grad: `targets`", "[0, 2]", "5"]),
        (lambda: output_layer_backward(np.array(1.0), np.ones(2), np.ones((2, 4))),
         ShapeError, ["output_layer_backward: `H`", "at least 1-D", "0-D"]),
    ],
)
def test_bad_input_names_the_argument(call, error, fragments):
    assert_error_names(call, error, fragments)


def test_cross_entropy_by_hand_at_the_class_bounds():
    # the largest class index K-1 and the smallest 0 are valid: the loss of flat logits is log 3
    logits = np.zeros((2, 3))
    np.testing.assert_allclose(cross_entropy(logits, [2, 0]), [np.log(3.0)] * 2, rtol=1e-15)
    assert cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int)).shape == (0,)
    assert_error_names(lambda: cross_entropy(np.array([[np.nan, np.inf]]), [0]), ValueError,
                       ["cross_entropy: `logits`", "finite", "2 NaN or infinite"])


def test_one_chunk_of_truncated_bptt_is_full_bptt():
    # k >= T is one chunk: the same as full BPTT; targets may be a list
    rng = np.random.default_rng(3)
    T = 3
    xs = rng.normal(size=(T, 2))
    w = _w(d=2)
    targets = np.array([0, 1, 1])
    full_loss, full = rnn_bptt(xs, targets, **w)
    loss, g = truncated_bptt(xs, list(targets), **w, k=T)
    np.testing.assert_allclose(loss, full_loss, rtol=1e-12)
    for name in ("W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0", "xs", "h_T"):
        np.testing.assert_allclose(g[name], full[name], rtol=1e-12, err_msg=name)


def test_rnn_backward_checks_its_batch_axis():
    rng = np.random.default_rng(3)
    T, B, D, N = 3, 2, 2, 4
    xs, H = rng.normal(size=(T, B, D)), np.tanh(rng.normal(size=(T, B, N)))
    h0 = rng.normal(size=(B, N))
    good = {"xs": xs, "H": H, "dH": H, "W_xh": rng.normal(size=(N, D)),
            "W_hh": rng.normal(size=(N, N)), "h0": h0, "dh_T": h0}
    assert_batch_axis_is_checked(rnn_backward, good, ["xs", "H", "dH", "h0", "dh_T"])
    plain = {k: (v[:, 0] if k in ("xs", "H", "dH") else v[0] if k in ("h0", "dh_T") else v)
             for k, v in good.items()}
    rnn_backward(**plain)
    for arg in ("h0", "dh_T", "H", "dH"):
        assert_error_names(lambda arg=arg: rnn_backward(**{**plain, arg: good[arg]}),
                           ShapeError, [f"rnn_backward: `{arg}`", "batch axis"])


@pytest.mark.gpu
@pytest.mark.formula("bptt.total", "bptt.truncated")
def test_cuda_bptt_matches_autograd_on_cuda():
    net = Net(7, 3, 4, 5, 6, seed=21)
    dev = torch.device("cuda")
    w = {k: torch.from_numpy(v).to(dev) for k, v in net.weights().items()}
    xs, y, h0 = net.xs.detach().to(dev), net.y.to(dev), net.h0[0].detach().to(dev)
    _, g = rnn_bptt(xs, y, **w, h0=h0)
    _, refs = net.autograd()
    assert g["W_hh"].device.type == "cuda"
    for name, ref in refs.items():
        torch.testing.assert_close(g[name].cpu(), ref, rtol=0, atol=GRAD_TOL)
    _, g = truncated_bptt(xs, y, **w, k=3, h0=h0)
    assert g["xs"].device.type == "cuda"
