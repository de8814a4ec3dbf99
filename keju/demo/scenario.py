"""The demo scenario: how the four districts of 兰白试验区 develop over 2014—2020.

2014 reproduces the plan (一 基础条件 and 专栏1) exactly at zone level; after
that each district follows its own path, so that the demo shows districts on
track and lagging, and indicators that regress for a while.

Counts of enterprises (year-end register; 2014 is the plan's figure exactly,
2020 targets are the plan's 三(二)—(五) figures):

    district  企业总数           工业企业          规模以上工业       高新技术企业
              2014→2020 (目标)   2014→2020 (目标)  2014→2020 (目标)  2014→2020 (目标)
    兰州新区    560→1060 (1000)    280→540 (500)    90→212 (200)     18→56 (50)    on track everywhere
    兰州高新区 2380→3150 (3000)    660→860 (1000)  165→262 (300)     88→122 (100)  industry lags
    兰州经济区  980→1185 (1200)    380→410 (400)   100→126 (120)     36→53 (50)    total lags a little
    白银高新区  754→880  (1000)    473→490 (500)   130→140 (160)     24→36 (50)    lags; 规上 dips 2015—17
    zone       4674→6275 (6200)  1793→2300 (2400)  485→740 (780)    166→267 (250)

Headline paths by district (2014 raw value → 2020, shape). 2014 values are then
scaled by one factor per indicator so that the ZONE reproduces 专栏1 exactly
(a zone value is a ratio of sums, so the factor is computed on sums):

    indicator                      兰州新区       兰州高新区     兰州经济区     白银高新区
    GDP (亿元)                     150→440        190→470        130→330        82.4→125 dip
    R&D/GDP (%)                    1.5→2.6        3.4→4.0 late   1.9→2.4        1.6→1.63 flat
    财政科技支出占比 (%)           0.75→2.4       1.3→2.6        0.9→1.6 dip    0.7→0.6 falls
    高技术产业增加值占工业 (%)     12→40 late     32→50          20→36          8→14
    战略性新兴产业增加值占GDP (%)  11→30          22→30          14→26          10→16
    高技术产业劳动生产率 (万元/人) 22→50          30→52          26→46          20→30
    万人R&D人员                    35→90          120→210        60→120         40→60
    万人发明专利                   2→10 late      17→35          6→14           3→6
    技术合同成交额 (亿元)          2→10           15→32          5→12           2→4
    万元GDP能耗 (吨标准煤)         2.4→1.6        0.9→0.7        1.9→1.4        4.6→3.4 dip

Shapes: linear (or geometric for amounts), `late` (slow start), `early` (fast
start), `dip` (falls back for 2015—2017 before recovering: 白银高新区's GDP and
规上 count in the 2015—16 metals slump, its energy intensity rising, and 兰州经济区's
fiscal S&T share falling). Years after 2020 extrapolate the last trend.
Story: 兰州新区 (new district, 出城入园 relocations from the city districts) is
on track; 兰州高新区 leads on R&D but its industrial base lags; 白银高新区 lags: its
R&D intensity stalls (growth below 0.5% a year: 进展有限 on the progress measure) and
its fiscal S&T share falls (倒退), so the monitoring pages show every progress status.
The zone in 2020 (seed 2015) reaches the 专栏1 targets for R&D/GDP (3.0), fiscal
S&T (2.2), high-tech share (39.1), productivity (49.2) and energy (1.46), and
lags on GDP (1365 < 1377), 战新 (26.8 < 28.5), R&D personnel (121 < 131), patents
(15.7 < 17.5) and technology contracts (58 < 60).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

DISTRICTS: tuple[str, ...] = ("lzxq", "lzgxq", "lzjjq", "bygxq")
DISTRICT_NAMES: dict[str, str] = {
    "lzxq": "兰州新区",
    "lzgxq": "兰州高新区",
    "lzjjq": "兰州经济区",
    "bygxq": "白银高新区",
}
DISTRICT_CITY: dict[str, str] = {"lzxq": "lanzhou", "lzgxq": "lanzhou", "lzjjq": "lanzhou", "bygxq": "baiyin"}
BASE_YEAR = 2014
END_YEAR = 2020

Shape = Literal["linear", "late", "early", "dip"]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Path:
    start: float
    end: float
    shape: Shape = "linear"
    geometric: bool = False


def P(start: float, end: float, shape: Shape = "linear") -> Path:
    return Path(start, end, shape)


def G(start: float, end: float, shape: Shape = "linear") -> Path:
    return Path(start, end, shape, geometric=True)


# One path per district, in DISTRICTS order.
Paths = tuple[Path, Path, Path, Path]

# --- counts (year-end register) ---------------------------------------------------------
COUNTS: dict[str, Paths] = {
    "enterprises": (P(560, 1060), P(2380, 3150), P(980, 1185, "late"), P(754, 880)),
    "industrial": (P(280, 540), P(660, 860), P(380, 410), P(473, 490, "dip")),
    "above_scale": (P(90, 212, "early"), P(165, 262), P(100, 126), P(130, 140, "dip")),
    "high_tech_enterprise": (P(18, 56, "late"), P(88, 122), P(36, 53), P(24, 36)),
    "innovative": (P(4, 40), P(14, 95), P(7, 45), P(5, 20)),
}
# The plan's 2014 zone counts (一 基础条件), reproduced exactly at the default size.
PLAN_COUNTS_2014: dict[str, int] = {
    "enterprises": 4674,
    "industrial": 1793,
    "above_scale": 485,
    "high_tech_enterprise": 166,
}
# The plan's 2020 district targets (三(二)—(五)).
PLAN_TARGETS_2020: dict[str, dict[str, int]] = {
    "lzxq": {"enterprises": 1000, "industrial": 500, "above_scale": 200, "high_tech_enterprise": 50},
    "lzgxq": {"enterprises": 3000, "industrial": 1000, "above_scale": 300, "high_tech_enterprise": 100},
    "lzjjq": {"enterprises": 1200, "industrial": 400, "above_scale": 120, "high_tech_enterprise": 50},
    "bygxq": {"enterprises": 1000, "industrial": 500, "above_scale": 160, "high_tech_enterprise": 50},
}
CLOSURE_RATE = 0.010  # share of the register closing each year
SLUMP_CLOSURE_RATE = {("bygxq", 2015): 0.025, ("bygxq", 2016): 0.02}
MOVE_RATE = 0.004  # share moving district each year
MOVE_DESTINATION = {"lzxq": 6.0, "lzgxq": 1.0, "lzjjq": 1.5, "bygxq": 0.5}  # 出城入园: mostly to 兰州新区

# --- headline indicators: 2014 raw values are scaled to the zone figure ----------------
# 专栏1 2014 values, used when the plan does not give baselines.
ZONE_2014: dict[str, float] = {
    "gdp": 552.4,
    "rd_intensity": 2.3,
    "fiscal_st_share": 0.9,
    "high_tech_va_share": 18.7,
    "strategic_emerging_va_share": 14.9,
    "high_tech_labour_productivity": 26.6,
    "rd_personnel_per_10k": 63,
    "invention_patents_per_10k": 6.6,
    "tech_contract_turnover": 24,
    "energy_per_gdp": 2.17,
}
HEADLINE: dict[str, Paths] = {
    "gdp": (G(150, 440), G(190, 470), G(130, 330), G(82.4, 125, "dip")),
    "rd_intensity": (P(1.5, 2.6), P(3.4, 4.0, "late"), P(1.9, 2.4), P(1.6, 1.63)),
    "fiscal_st_share": (P(0.75, 2.4), P(1.3, 2.6), P(0.9, 1.6, "dip"), P(0.7, 0.6)),
    "high_tech_va_share": (P(12, 40, "late"), P(32, 50), P(20, 36), P(8, 14)),
    "strategic_emerging_va_share": (P(11, 30), P(22, 30), P(14, 26), P(10, 16)),
    "high_tech_labour_productivity": (P(22, 50), P(30, 52), P(26, 46), P(20, 30)),
    "rd_personnel_per_10k": (P(35, 90), P(120, 210), P(60, 120), P(40, 60)),
    "invention_patents_per_10k": (P(2, 10, "late"), P(17, 35), P(6, 14), P(3, 6)),
    "tech_contract_turnover": (G(2, 10), G(15, 32), G(5, 12), G(2, 4)),
    "energy_per_gdp": (P(2.4, 1.6), P(0.9, 0.7), P(1.9, 1.4), P(4.6, 3.4, "dip")),
}
# --- structure: not calibrated to the plan, but they shape the data -----------------
STRUCTURE: dict[str, Paths] = {
    # industrial value added / GDP, and other enterprises' value added / GDP
    "industrial_share": (P(0.50, 0.48), P(0.36, 0.33), P(0.46, 0.42), P(0.60, 0.55)),
    "services_share": (P(0.22, 0.27), P(0.40, 0.44), P(0.28, 0.32), P(0.15, 0.20)),
    # enterprises' share of all R&D, of registered technology contracts, of energy use
    "enterprise_rd_share": (P(0.75, 0.78), P(0.60, 0.62), P(0.65, 0.68), P(0.85, 0.85)),
    "enterprise_contract_share": (P(0.45, 0.5), P(0.40, 0.45), P(0.45, 0.5), P(0.55, 0.55)),
    "enterprise_energy_share": (P(0.70, 0.72), P(0.45, 0.45), P(0.65, 0.66), P(0.80, 0.80)),
    "fiscal_ratio": (P(0.25, 0.20), P(0.08, 0.08), P(0.10, 0.10), P(0.12, 0.12)),
    "population": (G(30, 42), G(21, 24), G(17, 19), G(12, 12.5)),  # 万人, before calibration
    "urbanisation": (P(0.55, 0.75), P(0.85, 0.90), P(0.70, 0.80), P(0.60, 0.68)),
    "investment_ratio": (P(1.6, 1.1), P(0.6, 0.5), P(0.8, 0.7), P(1.0, 0.8)),
    "technician_share": (P(0.14, 0.26), P(0.17, 0.27), P(0.15, 0.22), P(0.12, 0.18)),
    "rd_institution_share": (P(0.10, 0.24), P(0.18, 0.30), P(0.12, 0.22), P(0.08, 0.14)),
}
# GDP deflator: yearly price change 2015—2020 (zone), plus district offsets (metals slump).
INFLATION = {2015: 0.005, 2016: 0.008, 2017: 0.025, 2018: 0.022, 2019: 0.015, 2020: 0.008}
INFLATION_LATER = 0.015
INFLATION_OFFSET = {("bygxq", 2015): -0.02, ("bygxq", 2016): -0.015, ("bygxq", 2017): 0.01}


def progress(shape: Shape, t: float) -> float:
    """How far along a path is at time t (0 = 2014, 1 = 2020); extrapolates linearly after 1."""
    if t > 1:
        return t
    if shape == "late":
        return t * t
    if shape == "early":
        return 1 - (1 - t) ** 2
    if shape == "dip":
        return t - 0.6 * math.sin(math.pi * t)
    return t


def path_values(path: Path, years: list[int]) -> Floats:
    """The path's value in each year."""
    span = END_YEAR - BASE_YEAR
    out = np.empty(len(years))
    for k, year in enumerate(years):
        p = progress(path.shape, (year - BASE_YEAR) / span)
        if path.geometric:
            out[k] = path.start * (path.end / path.start) ** p
        else:
            out[k] = path.start + (path.end - path.start) * p
    return out


def matrix(paths: Paths, years: list[int]) -> Floats:
    """District × year values of one quantity."""
    return np.stack([path_values(p, years) for p in paths])


def deflator(years: list[int]) -> Floats:
    """District × year price index, 1 in the base year."""
    out = np.ones((len(DISTRICTS), len(years)))
    for d, code in enumerate(DISTRICTS):
        level = 1.0
        for k, year in enumerate(years):
            if year > BASE_YEAR:
                level *= 1 + INFLATION.get(year, INFLATION_LATER) + INFLATION_OFFSET.get((code, year), 0.0)
            out[d, k] = level
    return out
