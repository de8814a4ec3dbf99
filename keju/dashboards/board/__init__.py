"""Plan-level dashboards: the 一核4区多园 structure, industry chains, stages, the development
index, district scorecards, data-collection status and the task board (urls_plan)."""
