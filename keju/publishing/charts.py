"""Charts of a publication as PNG images, drawn on the server from the snapshot (no JavaScript).

The same images go into the PDF and the DOCX (python-docx takes raster images only). They
are drawn with matplotlib's Agg backend and Debian's Noto Sans CJK, without a time stamp in
the file, so one snapshot gives the same picture every time.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot

from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

FONT_FILES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
)
DPI = 150
STATUS_COLOURS: dict[str, str] = {
    "target_achieved": "#1b7f3b",
    "substantial_progress": "#5aa02c",
    "moderate_progress": "#d9a400",
    "limited_progress": "#e07b00",
    "negative_progress": "#c62828",
    "insufficient_data": "#8a94a6",
}
_font_name: str | None = None
_CACHE: dict[tuple[str, str], bytes | None] = {}


def _font() -> str:
    """The CJK font family for chart text (registered once per process)."""
    global _font_name
    if _font_name is None:
        names = []
        for path in FONT_FILES:
            if path.exists():
                font_manager.fontManager.addfont(str(path))
                names.append(font_manager.FontProperties(fname=str(path)).get_name())
        _font_name = names[0] if names else "DejaVu Sans"
    return _font_name


def cached(draw: Callable[[Any], bytes | None], data: Any) -> bytes | None:
    """A chart drawn once per content: publishing renders the PDF and the DOCX from one snapshot."""
    key = (draw.__name__, hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest())
    if key not in _CACHE:
        if len(_CACHE) >= 16:
            _CACHE.clear()
        _CACHE[key] = draw(data)
    return _CACHE[key]


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def _setup() -> None:
    plt.rcParams.update(
        {"font.family": _font(), "font.size": 8, "axes.unicode_minus": False, "svg.hashsalt": "keju"}
    )


def headline_chart(headline: list[dict[str, Any]]) -> bytes | None:
    """Small multiples: each 专栏1 indicator's published series, the path from baseline to target,
    the target and the projection's interval."""
    rows = [r for r in headline if r.get("series")]
    if not rows:
        return None
    _setup()
    cols = 2
    lines = (len(rows) + cols - 1) // cols
    fig, axes = plt.subplots(lines, cols, figsize=(7.0, 1.9 * lines), squeeze=False)
    for ax, row in zip(axes.flat, rows, strict=False):
        years = [p[0] for p in row["series"]]
        values = [p[1] for p in row["series"]]
        colour = STATUS_COLOURS.get(row["status"], "#555555")
        ax.plot(years, values, marker="o", markersize=3, color=colour, linewidth=1.6, label="实际值")
        base, goal = row["baseline"]["value"], row.get("target_level")
        if base is not None and goal is not None and row.get("target_year"):
            ax.plot(
                [row["baseline_year"], row["target_year"]],
                [base, goal],
                linestyle="--",
                color="#666666",
                linewidth=0.9,
                label="规划路径",
            )
            ax.scatter(
                [row["target_year"]], [goal], marker="*", s=50, color="#222222", zorder=3, label="目标"
            )
        proj = row.get("projection")
        if proj and proj.get("value") is not None:
            ax.errorbar(
                [proj["year"] + 0.12],
                [proj["value"]],
                yerr=[[proj["value"] - proj["lower"]], [proj["upper"] - proj["value"]]],
                fmt="o",
                markersize=3,
                color="#1f5fa8",
                capsize=3,
                linewidth=1,
                label="预测(90%区间)",
            )
        ax.set_title(f"{row['name']}({row['unit']})· {row['status_label']}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3, linewidth=0.5)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    for ax in list(axes.flat)[len(rows) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=7, frameon=False)
    # Fixed margins instead of tight_layout, which lays the figure out twice (half the time).
    fig.subplots_adjust(
        left=0.08, right=0.98, top=1 - 0.32 / lines, bottom=0.25 / lines + 0.04, hspace=0.55, wspace=0.22
    )
    return _png(fig)


def index_chart(index: dict[str, Any]) -> bytes | None:
    """The development index of each district with its rank and rank interval (sensitivity)."""
    top = next((a for a in index.get("aggregates", []) if a.get("level") == 0), None)
    units = [
        u for u in (top or {}).get("units", []) if u.get("level") == "district" and u.get("score") is not None
    ]
    if not units:
        return None
    _setup()
    units = sorted(units, key=lambda u: (u["rank"] or 99, u["org_unit"]))
    fig, ax = plt.subplots(figsize=(6.5, 0.5 + 0.45 * len(units)))
    names = [u["name"] for u in units][::-1]
    scores = [u["score"] for u in units][::-1]
    ax.barh(names, scores, color="#1f5fa8", height=0.55)
    for y, u in enumerate(units[::-1]):
        interval = f"(区间 {u['rank_low']}—{u['rank_high']})" if u.get("rank_low") is not None else ""
        ax.text(u["score"] + 0.8, y, f"{u['score']:.1f}  第{u['rank']}名{interval}", va="center", fontsize=7)
    ax.set_xlim(0, max(105.0, max(scores) * 1.35))
    ax.set_xlabel("指数得分(0—100)")
    ax.set_title(f"{top['name'] if top else '发展指数'} {index.get('year')}年", fontsize=9)
    ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    fig.subplots_adjust(left=0.16, right=0.97, top=0.85, bottom=0.55 / (0.5 + 0.45 * len(units)) + 0.08)
    return _png(fig)
