# %% [markdown]
# # How long do hidden units remember an input?
#
# The [recurrent neural networks](../../rnn/) chapter calls the hidden state $h_t$ the network's "memory". This notebook measures how long that memory lasts, computed with `seqcore.rnn_forward`.
#
# The experiment is simple. A tanh RNN with input size 1 receives a 1 at the first step ($x_1 = 1$) and zeros afterwards ($x_t = 0,\ t \ge 2$): an impulse. There is no bias and $h_0 = \mathbf{0}$, so
#
# - $h_1 = \tanh(W_{xh}\, x_1)$, and
# - for $t \ge 2$, $h_t = \tanh(W_{hh}\, h_{t-1})$.
#
# From $t \ge 2$ on, the hidden state is nothing but the trace of the first input, and the recurrent weights $W_{hh}$ decide how fast that trace fades. We measure the size of $W_{hh}$ by its spectral radius $\rho(W_{hh}) = \max_i |\lambda_i|$, the largest absolute value of its eigenvalues, and compare one random matrix scaled to three spectral radii: 0.5, 0.9 and 1.5.
#
# The plots are labelled in the page's language: the site's build sets the environment variable `SEQCORE_LANG` to `en` here (and to `ko` in the Korean notebook). Run by hand, the labels are English unless you set `SEQCORE_LANG=ko`.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from matplotlib_inline.backend_inline import set_matplotlib_formats

from seqcore import rnn_forward

# Plots as SVG with text kept as text, sized like the site's other plots (10 pt labels,
# 4.4 in wide: 9 px or more on a phone), in the page's language: the build sets
# SEQCORE_LANG to ko or en; run by hand, set it yourself (English by default).
set_matplotlib_formats("svg")
plt.rcParams.update({"svg.fonttype": "none", "font.size": 10,
                     "font.family": ["Noto Sans CJK KR", "sans-serif"],
                     "font.sans-serif": ["DejaVu Sans"],
                     "figure.constrained_layout.use": True})
LANG = "ko" if os.environ.get("SEQCORE_LANG") == "ko" else "en"
TEXT = {
    "ko": {"unit": "유닛 {k}", "rho": "스펙트럼 반경 {rho}", "t": "시점 t",
           "value": "은닉 유닛 값 $h_t[k]$",
           "title": "t = 1의 임펄스 하나에 대한 tanh RNN의 응답",
           "norm": "은닉 상태의 크기 (로그 눈금)",
           "remembered": "임펄스를 얼마나 오래 기억하는가"},
    "en": {"unit": "unit {k}", "rho": "spectral radius {rho}", "t": "time step t",
           "value": "hidden unit value $h_t[k]$",
           "title": "Response of a tanh RNN to one impulse at t = 1",
           "norm": "norm of the hidden state (log scale)",
           "remembered": "How long the impulse is remembered"},
}[LANG]
MEASURED = "$\\Vert h_t \\Vert$, ρ = {rho}"            # the same in both languages
LINEAR = "${rho}^{{t-1}} \\Vert h_1 \\Vert$"

rng = np.random.default_rng(0)
hidden, T = 16, 60
W_xh = rng.normal(size=(hidden, 1))            # (hidden, input), input = 1
M = rng.normal(size=(hidden, hidden))
M = M / np.abs(np.linalg.eigvals(M)).max()     # spectral radius of M is now 1

xs = np.zeros((T, 1))                          # (T, input), time-major
xs[0, 0] = 1.0                                 # impulse: x_1 = 1, then x_t = 0

radii = (0.5, 0.9, 1.5)
H = {}
for rho in radii:
    W_hh = rho * M
    H[rho], _ = rnn_forward(xs, W_xh, W_hh)    # h_0 = 0, no bias, tanh
    print(f"rho = {rho}: spectral radius of W_hh = "
          f"{np.abs(np.linalg.eigvals(W_hh)).max():.3f}, H.shape = {H[rho].shape}")

# %% [markdown]
# ## Three hidden units over time
#
# The first three of the 16 hidden units, against the time step $t$. The three panels share the direction of $W_{hh}$ (the random matrix $M$) and differ only in its scale.

# %%
t = np.arange(1, T + 1)
# one row per radius: a phone shows the three one under another at a readable size
fig, axes = plt.subplots(3, 1, figsize=(4.4, 5.8), sharex=True, sharey=True)
for ax, rho in zip(axes, radii):
    for k in range(3):                          # the first three of the 16 units
        ax.plot(t, H[rho][:, k], marker=".", label=TEXT["unit"].format(k=k + 1))
    ax.axhline(0, color="gray", lw=0.5)
    ax.set_title(TEXT["rho"].format(rho=rho))
axes[-1].set_xlabel(TEXT["t"])
axes[1].set_ylabel(TEXT["value"])
fig.suptitle(TEXT["title"])
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=3)
plt.show()

# %% [markdown]
# - **$\rho = 0.5$**: within a few steps every unit is back at 0. After five or six steps the trace of the first input is too small to see.
# - **$\rho = 0.9$**: the units oscillate and decay much more slowly. The memory is longer, but it still fades.
# - **$\rho = 1.5$**: the signal does not fade. tanh keeps every value inside $(-1, 1)$, so nothing blows up either; the network keeps up activity of its own long after the input has stopped. This state no longer "remembers" the first input so much as it shows the dynamics of $W_{hh}$ itself.
#
# ## How the size of the hidden state decays
#
# Now the size of the whole hidden state, $\lVert h_t \rVert$, on a log axis. Near zero $\tanh(u) \approx u$, so $h_t \approx W_{hh}^{\,t-1} h_1$ and the size shrinks roughly by a factor $\rho$ per step. The dotted lines are that linear prediction; a straight line on a log axis means exponential decay.

# %%
norms = {rho: np.linalg.norm(H[rho], axis=1) for rho in radii}
fig, ax = plt.subplots(figsize=(4.4, 4.2))
for rho in radii:
    line, = ax.semilogy(t, norms[rho], marker=".", label=MEASURED.format(rho=rho))
    if rho < 1:                                 # linear prediction: ||h_1|| * rho^(t-1)
        ax.semilogy(t, norms[rho][0] * rho ** (t - 1.0), ":", color=line.get_color(),
                    label=LINEAR.format(rho=rho))
ax.set_xlabel(TEXT["t"])
ax.set_ylabel(TEXT["norm"])
ax.set_title(TEXT["remembered"])
fig.legend(loc="outside lower center", ncols=2)
plt.show()

# %% [markdown]
# In both cases the measured norm runs nearly parallel to the dotted line: it shrinks by roughly a factor $\rho$ per step. In the first few steps it falls a little faster than the prediction, because for large values tanh squashes harder than the linear approximation ($|\tanh u| < |u|$). The small ripples come from the largest eigenvalues of $W_{hh}$ being a complex pair, which makes the state rotate (oscillate) as it decays. For $\rho = 1.5$ the size does not decrease.
#
# ## The length of the memory
#
# The first step at which $\lVert h_t \rVert$ falls below 1% of $\lVert h_1 \rVert$:

# %%
for rho in radii:
    small = np.flatnonzero(norms[rho] < 0.01 * norms[rho][0])
    when = f"never within T = {T} steps"
    if small.size:
        when = f"first at t = {small[0] + 1}"
    print(f"rho = {rho}: ||h_t|| < 1% of ||h_1|| {when}")

# %% [markdown]
# ## Summary
#
# - The impulse response shows directly how long the hidden state holds on to a past input. A small spectral radius means a short memory; the closer it is to 1, the longer the memory. With the 1% threshold: 8 steps for $\rho = 0.5$, 37 steps for $\rho = 0.9$.
# - Above 1, tanh keeps the state from exploding, but the state fills with self-generated activity unrelated to the input.
# - The same decay governs learning. In backpropagation, the gradient that the loss at step $t$ sends back to $h_1$ is a product of $t-1$ factors of the same $W_{hh}$ (and tanh derivatives), so where the state fades exponentially the gradient shrinks exponentially too. That is the vanishing gradient problem; the BPTT chapter writes it out. LSTM and GRU add a path that bypasses this product and so remember longer.
