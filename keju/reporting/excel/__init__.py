"""The Excel channel of direct reporting: templates per form and period, uploads with per-cell errors."""
