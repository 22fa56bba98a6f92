# %% [markdown]
# # 은닉 유닛은 입력을 얼마나 오래 기억하는가
#
# [순환 신경망](../../rnn/) 장에서 은닉 상태(hidden state) $h_t$를 "메모리"라고 불렀습니다. 이 노트북에서는 그 메모리가 실제로 얼마나 오래 가는지를 `seqcore.rnn_forward`로 직접 계산해 봅니다.
#
# 실험은 단순합니다. 입력 크기가 1인 tanh RNN에 첫 시점에만 1을 넣고($x_1 = 1$), 그 뒤로는 0만 넣습니다($x_t = 0,\ t \ge 2$). 이런 입력을 임펄스(impulse)라고 합니다. 편향은 두지 않고 $h_0 = \mathbf{0}$에서 시작하므로
#
# - $h_1 = \tanh(W_{xh}\, x_1)$ 이고,
# - $t \ge 2$ 에서는 $h_t = \tanh(W_{hh}\, h_{t-1})$ 입니다.
#
# 즉 $t \ge 2$ 이후의 은닉 상태는 오로지 첫 입력의 흔적이며, 그 흔적이 얼마나 빨리 사라지는지는 순환 가중치 $W_{hh}$가 정합니다. $W_{hh}$의 크기는 스펙트럼 반경(spectral radius) $\rho(W_{hh}) = \max_i |\lambda_i|$ (고윳값 절댓값의 최댓값)로 잽니다. 같은 무작위 행렬을 세 가지 스펙트럼 반경 0.5, 0.9, 1.5로 스케일해서 비교합니다.
#
# 그림의 레이블은 페이지의 언어를 따릅니다. 사이트를 빌드할 때 환경 변수 `SEQCORE_LANG`이 `ko`로 정해지기 때문입니다. 직접 실행할 때도 `SEQCORE_LANG=ko`로 두면 한국어 레이블이 나옵니다(정하지 않으면 영어). 한글은 Noto Sans CJK 글꼴로 잽니다.

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
# ## 은닉 유닛 세 개의 시간 변화
#
# 16개 은닉 유닛 중 처음 세 개를 시점 $t$에 따라 그립니다. 세 그래프는 $W_{hh}$의 방향(무작위 행렬 $M$)은 같고 크기만 다릅니다.

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
# - **$\rho = 0.5$**: 몇 시점 만에 모든 유닛이 0으로 돌아갑니다. 첫 입력의 흔적은 대여섯 시점이면 눈에 보이지 않을 만큼 작아집니다.
# - **$\rho = 0.9$**: 진동하면서 훨씬 천천히 줄어듭니다. 기억이 길어졌지만 결국은 사라집니다.
# - **$\rho = 1.5$**: 신호가 사라지지 않습니다. tanh가 값을 $(-1, 1)$ 안에 묶어 두므로 발산하지도 않고, 입력이 끊긴 뒤에도 네트워크가 스스로 만든 활동을 계속합니다. 이때의 은닉 상태는 첫 입력을 "기억"한다기보다 $W_{hh}$ 자체의 동역학을 보여 줍니다.
#
# ## 은닉 상태 크기의 감쇠
#
# 이번에는 은닉 상태 전체의 크기 $\lVert h_t \rVert$를 로그 축에 그립니다. 값이 0 근처에서는 $\tanh(u) \approx u$이므로 $h_t \approx W_{hh}^{\,t-1} h_1$이고, 크기는 대략 $\rho^{\,t-1}$ 비율로 줄어듭니다. 점선이 그 선형 예측입니다. 로그 축에서 직선이면 지수적으로 줄어든다는 뜻입니다.

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
# 두 경우 모두 측정값은 점선과 거의 평행하게, 즉 시점마다 대략 $\rho$배씩 줄어듭니다. 처음 몇 시점에서 측정값이 점선보다 조금 더 빨리 떨어지는 것은 값이 클 때 tanh가 선형 근사보다 더 세게 눌러 주기 때문입니다($|\tanh u| < |u|$). 곡선의 작은 물결은 $W_{hh}$의 절댓값이 가장 큰 고윳값이 복소수 쌍이어서 생기는 회전(진동)입니다. $\rho = 1.5$의 크기는 줄지 않습니다.
#
# ## 기억의 길이
#
# $\lVert h_t \rVert$가 $\lVert h_1 \rVert$의 1% 아래로 처음 떨어지는 시점을 세어 봅니다.

# %%
for rho in radii:
    small = np.flatnonzero(norms[rho] < 0.01 * norms[rho][0])
    when = f"never within T = {T} steps"
    if small.size:
        when = f"first at t = {small[0] + 1}"
    print(f"rho = {rho}: ||h_t|| < 1% of ||h_1|| {when}")

# %% [markdown]
# ## 정리
#
# - 임펄스 응답은 은닉 상태가 과거 입력을 얼마나 오래 품고 있는지를 직접 보여 줍니다. 스펙트럼 반경이 작으면 기억이 짧고, 1에 가까울수록 길어집니다. 1% 기준으로 $\rho = 0.5$는 8시점, $\rho = 0.9$는 37시점입니다.
# - 스펙트럼 반경이 1보다 크면 tanh 때문에 상태가 폭발하지는 않지만, 상태가 입력과 무관한 자체 활동으로 채워집니다.
# - 이 감쇠는 학습과도 직결됩니다. 역전파에서 $t$ 시점의 손실이 $h_1$에 주는 기울기는 같은 $W_{hh}$(와 tanh의 미분)를 $t-1$번 곱한 값이므로, 상태가 지수적으로 사라지는 설정에서는 기울기도 지수적으로 작아집니다. 이것이 기울기 소실(vanishing gradient) 문제이며, BPTT 장에서 식으로 다룹니다. LSTM과 GRU는 이 곱을 우회하는 경로를 만들어 기억을 늘립니다.
