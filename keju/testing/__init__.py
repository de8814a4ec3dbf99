"""Test helpers shared by the apps' suites."""
