"""Charts for the board report: readable in black and white, labelled with units, no clutter.

Series are told apart by line style, marker and hatching as well as colour (Okabe-Ito colours
that also differ in lightness), so a photocopy still shows which line is which. Figures are
built with ``matplotlib.figure.Figure`` rather than pyplot, so nothing is kept in a global
registry and building a report from a web app never leaks figures.
"""

from __future__ import annotations

import contextlib
import math
import re
import textwrap
from collections.abc import Callable, Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..readout.catalogue import PAYER

SERIES = (
    {"color": "#000000", "ls": "-", "marker": "o", "hatch": "", "fill": "#555555"},
    {"color": "#D55E00", "ls": "--", "marker": "s", "hatch": "///", "fill": "#E69F00"},
    {"color": "#0072B2", "ls": ":", "marker": "^", "hatch": "...", "fill": "#56B4E9"},
    {"color": "#009E73", "ls": "-.", "marker": "D", "hatch": "xxx", "fill": "#9AD9C2"},
    {"color": "#CC79A7", "ls": (0, (6, 2, 1, 2, 1, 2)), "marker": "v", "hatch": "\\\\\\",
     "fill": "#E8B7D4"},
)

PAYER_STYLE = {
    "nhs": {"fill": "#005EB8", "hatch": "", "label": PAYER["nhs"].short},
    "local_authority": {"fill": "#F0C05A", "hatch": "///",
                        "label": PAYER["local_authority"].short},
    "pooled": {"fill": "#D9D9D9", "hatch": "...", "label": PAYER["pooled"].short},
}

# Month starts in days from 1 April (the model's day 0 of the year is 1 April).
MONTHS = (("Apr", 0), ("May", 30), ("Jun", 61), ("Jul", 91), ("Aug", 122), ("Sep", 153),
          ("Oct", 183), ("Nov", 214), ("Dec", 244), ("Jan", 275), ("Feb", 306), ("Mar", 334))

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "axes.edgecolor": "#333333",
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "hatch.linewidth": 0.6,
    "svg.fonttype": "path",
    "svg.hashsalt": "caresim-report",
    "figure.dpi": 100,
}


def series_style(i: int) -> dict:
    return SERIES[i % len(SERIES)]


@contextlib.contextmanager
def style():
    with matplotlib.rc_context(RC):
        yield


def _grid(ax, axis: str = "y") -> None:
    ax.grid(axis=axis, color="#DDDDDD", linewidth=0.5)
    ax.set_axisbelow(True)


def month_ticks(start_day_of_year: float, days: float) -> tuple[list[float], list[str]]:
    """Ticks at the first of each month over a results period starting that far from 1 April."""
    ticks, labels = [], []
    for year in range(int(math.ceil((start_day_of_year + days) / 365.0)) + 1):
        for name, d in MONTHS:
            t = year * 365 + d - start_day_of_year
            if 0 <= t <= days:
                ticks.append(t)
                labels.append(name)
    return ticks, labels


def daily_bands(panels: Sequence[tuple], start_day_of_year: float, days: float) -> Figure:
    """Stacked panels of daily means with 95% bands.

    Each panel is (title, y label, {scenario: frame with day, mean, lo, hi}, reference),
    where reference is None or (value, label) for a horizontal line such as the bed count.
    """
    with style():
        fig = Figure(figsize=(7.0, 2.1 * len(panels) + 0.5))
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        ticks, labels = month_ticks(start_day_of_year, days)
        for ax, (title, ylabel, data, ref) in zip(axes, panels):
            for i, (name, frame) in enumerate(data.items()):
                st = series_style(i)
                x = frame["day"].to_numpy()
                ax.fill_between(x, frame["low"], frame["high"], color=st["fill"], alpha=0.22,
                                linewidth=0)
                for edge in ("low", "high"):
                    ax.plot(x, frame[edge], color=st["color"], linestyle=st["ls"],
                            linewidth=0.5, alpha=0.6)
                ax.plot(x, frame["mean"], color=st["color"], linestyle=st["ls"],
                        linewidth=1.5, marker=st["marker"], markersize=3.5,
                        markevery=max(len(x) // 8, 1), label=name)
            if ref is not None:
                ax.axhline(ref[0], color="black", linewidth=0.8, linestyle=(0, (1, 1.5)))
                ax.annotate(ref[1], (1.0, ref[0]), xycoords=("axes fraction", "data"),
                            xytext=(-2, 2), textcoords="offset points", fontsize=7.5,
                            va="bottom", ha="right")
            ax.set_title(title)
            ax.set_ylabel(ylabel)
            ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1], (ref[0] * 1.12) if ref else 0))
            _grid(ax)
        axes[-1].set_xticks(ticks, labels)
        axes[-1].set_xlim(0, days)
        axes[-1].set_xlabel("Month of the results period (the model's year starts on 1 April)")
        axes[0].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), handlelength=3.2)
        fig.tight_layout()
    return fig


def grouped_hbars(categories: Sequence[str], data: dict[str, tuple], xlabel: str,
                  fmt: Callable[[float], str] | None = None, limit: float | None = None,
                  limit_label: str = "") -> Figure:
    """Horizontal bars, one group per category, one hatched bar per scenario, 95% CI whiskers.

    ``data`` maps scenario -> (means, lows, highs), each aligned with ``categories``.
    """
    n = len(data)
    with style():
        fig = Figure(figsize=(7.0, 0.24 * len(categories) * max(n, 1) + 1.0))
        ax = fig.subplots()
        height = 0.8 / max(n, 1)
        y = np.arange(len(categories))
        for i, (name, (means, lows, highs)) in enumerate(data.items()):
            st = series_style(i)
            pos = y - 0.4 + height * (i + 0.5)
            means = np.asarray(means, dtype=float)
            err = np.vstack([means - np.asarray(lows, float), np.asarray(highs, float) - means])
            err = np.where(np.isfinite(err), np.clip(err, 0, None), 0)
            ax.barh(pos, means, height=height * 0.92, color=st["fill"], hatch=st["hatch"],
                    edgecolor="black", linewidth=0.6, label=name, xerr=err,
                    error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "black"})
        ax.set_yticks(y, categories)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        if fmt:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt(v)))
        if limit is not None:
            ax.axvline(limit, color="black", linewidth=0.8, linestyle=(0, (2, 2)))
            if limit_label:
                ax.annotate(limit_label, (limit, 1.0), xycoords=("data", "axes fraction"),
                            xytext=(3, -2), textcoords="offset points", va="top",
                            fontsize=7.5)
        ax.set_xlim(left=0)
        _grid(ax, "x")
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=min(n, 4),
                  handleheight=1.4, handlelength=2.4, borderaxespad=0.3)
        fig.tight_layout()
    return fig


def payer_stacks(scenarios: Sequence[str], totals: dict[str, Sequence[float]],
                 fmt: Callable[[float], str]) -> Figure:
    """One horizontal bar per scenario, split by payer, with the amounts written in."""
    with style():
        fig = Figure(figsize=(7.0, 0.55 * len(scenarios) + 1.1))
        ax = fig.subplots()
        left = np.zeros(len(scenarios))
        grand = sum(np.asarray(v, float) for v in totals.values())
        for payer, values in totals.items():
            st = PAYER_STYLE.get(payer, {"fill": "#FFFFFF", "hatch": "xx", "label": payer})
            values = np.asarray(values, float)
            ax.barh(scenarios, values, left=left, color=st["fill"], hatch=st["hatch"],
                    edgecolor="black", linewidth=0.6, label=st["label"], height=0.6)
            for k, v in enumerate(values):
                if grand[k] > 0 and v / grand[k] > 0.09:
                    ax.text(left[k] + v / 2, k, fmt(v), ha="center", va="center",
                            fontsize=7.5, color="white" if payer == "nhs" else "black",
                            bbox=None if payer == "nhs" else
                            {"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none"})
            left += values
        ax.invert_yaxis()
        ax.set_xlabel("Cost to public payers (GBP)")
        ax.xaxis.set_major_formatter(FuncFormatter(
            lambda v, _p: re.sub(r"\.0([mk])$", r"\1", fmt(v))))
        _grid(ax, "x")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45 if len(scenarios) < 3
                                                        else -0.3),
                  ncol=len(totals), handleheight=1.6, handlelength=2.4)
        fig.tight_layout()
    return fig


def cost_changes(services: Sequence[str], changes: dict[str, dict[str, Sequence[float]]],
                 fmt: Callable[[float], str]) -> Figure:
    """Change in cost by service, one bar per payer, one panel per scenario compared."""
    n = len(changes)
    with style():
        fig = Figure(figsize=(7.0, (0.32 * len(services) + 0.9) * n + 0.6))
        axes = fig.subplots(n, 1, squeeze=False, sharex=True)[:, 0]
        y = np.arange(len(services))
        for ax, (title, by_payer) in zip(axes, changes.items()):
            k = len(by_payer)
            height = 0.8 / max(k, 1)
            for i, (payer, values) in enumerate(by_payer.items()):
                st = PAYER_STYLE.get(payer, {"fill": "#FFFFFF", "hatch": "xx", "label": payer})
                ax.barh(y - 0.4 + height * (i + 0.5), values, height=height * 0.92,
                        color=st["fill"], hatch=st["hatch"], edgecolor="black",
                        linewidth=0.6, label=st["label"])
            ax.axvline(0, color="black", linewidth=0.8)
            ax.set_yticks(y, services)
            ax.invert_yaxis()
            ax.set_title(title)
            _grid(ax, "x")
        axes[-1].set_xlabel("Change in cost (GBP); left of the line: spends less")
        axes[-1].xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt(v)))
        handles, names = axes[0].get_legend_handles_labels()
        for ax in axes[1:]:
            for h, name in zip(*ax.get_legend_handles_labels()):
                if name not in names:
                    handles.append(h)
                    names.append(name)
        axes[-1].legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.24),
                        ncol=len(names), handleheight=1.4, handlelength=2.4)
        fig.tight_layout()
    return fig


def forest(labels: Sequence[str], data: dict[str, tuple]) -> Figure:
    """Relative change (%) with 95% CI per measure; one marker style per scenario compared."""
    n = len(data)
    with style():
        fig = Figure(figsize=(7.0, 0.29 * len(labels) * max(n, 1) ** 0.5 + 1.0))
        ax = fig.subplots()
        y = np.arange(len(labels))
        off = 0.6 / max(n, 1)
        for i, (name, (est, lo, hi)) in enumerate(data.items()):
            st = series_style(i + 1)
            pos = y - 0.3 + off * (i + 0.5)
            est, lo, hi = (np.asarray(v, float) * 100 for v in (est, lo, hi))
            ok = np.isfinite(est)
            err = np.vstack([est - lo, hi - est])
            err = np.where(np.isfinite(err), np.clip(err, 0, None), 0)
            ax.errorbar(est[ok], pos[ok], xerr=err[:, ok], fmt=st["marker"],
                        color=st["color"], ecolor=st["color"], elinewidth=1.0, capsize=2,
                        markersize=4.5, linestyle="none", label=name)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(y, [textwrap.fill(lab, 46) for lab in labels])
        ax.invert_yaxis()
        # Nothing here can fall by more than 100%; wider whiskers from few replications
        # would squash every other row, so the axis stops at -100% and at +100%.
        left, right = ax.get_xlim()
        ax.set_xlim(max(left, -105.0), min(right, 105.0))
        ax.set_xlabel("Change relative to the baseline (%), with 95% confidence interval")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: ("0%" if round(v) == 0 else f"{v:+.0f}%".replace("-", "\u2212"))))
        _grid(ax, "x")
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=min(n, 4),
                  borderaxespad=0.3)
        fig.tight_layout()
    return fig
