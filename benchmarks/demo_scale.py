"""How the pure demo generator scales: a national-size zone against the default zone.

Run: .venv/bin/python benchmarks/demo_scale.py [--enterprises 200000]
Prints wall time for the default (calibrated Lanbai) size, the baseline measured in
the same run, and for the large size, with the ratio of time per enterprise-year.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import keju
from keju.demo.generate import generate_zone
from keju.plan import load_forms, load_plan


def timed(plan, forms, enterprises: int | None) -> tuple[float, int]:
    start = time.perf_counter()
    zone = generate_zone(plan, forms, seed=2015, enterprises=enterprises)
    return time.perf_counter() - start, zone.enterprises.height


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=200_000)
    args = parser.parse_args()
    path = Path(keju.__file__).parent / "plans" / "lanbai-2015-2020.yaml"
    plan = load_plan(path)
    forms = load_forms(plan, path)
    timed(plan, forms, None)  # warm-up: imports, catalogue
    base_s, base_n = timed(plan, forms, None)
    big_s, big_n = timed(plan, forms, args.enterprises)
    ratio = (big_s / big_n) / (base_s / base_n)
    print(f"baseline  {base_n:>8} enterprises × 7 years: {base_s:6.2f} s")
    print(f"large     {big_n:>8} enterprises × 7 years: {big_s:6.2f} s")
    print(
        f"size ratio {big_n / base_n:.1f}×, time ratio {big_s / base_s:.1f}×, per-enterprise cost ratio {ratio:.2f}"
    )


if __name__ == "__main__":
    main()
