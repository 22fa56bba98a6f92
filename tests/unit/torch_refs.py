"""What the recurrent test files share: torch in float64 as the reference, the shapes they
sweep, and a torch module's weights read back as arrays."""

from __future__ import annotations

from typing import Any

from tests._require import require

torch = require("torch")

F64 = torch.float64
TOL, GRAD_TOL = 1e-10, 1e-8      # values vs torch; gradients vs autograd (float64)
SHAPES = [(1, 1, 1, 1), (5, 3, 4, 6), (7, 1, 10, 3), (4, 8, 2, 16)]  # (T, batch, input, hidden)


def npy(t: Any) -> Any:
    return t.detach().cpu().numpy()


def params(module: Any, sfx: str = "_l0") -> tuple[Any, ...]:
    """``(W_ih, W_hh, b_ih, b_hh)`` of one layer (and direction) of a torch.nn.LSTM/GRU."""
    return tuple(getattr(module, f"{n}{sfx}").detach() for n in
                 ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


def torch_update(optimizer: Any, loss: Any, clip: float | None, lr: float) -> None:
    """One reference update: autograd's gradient of ``loss``, global-norm clipping to
    ``clip`` if given, the learning rate ``lr`` set on every group, ``optimizer.step()``."""
    optimizer.zero_grad()
    loss.backward()
    if clip:
        params = [p for g in optimizer.param_groups for p in g["params"]]
        torch.nn.utils.clip_grad_norm_(params, clip)
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.step()
