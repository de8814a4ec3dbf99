"""Monitoring: feeds approved reports to keju.metrics and stores indicator values, progress and warnings."""
