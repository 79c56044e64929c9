"""Tests of governance/csp/."""
