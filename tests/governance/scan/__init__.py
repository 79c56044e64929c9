"""Tests of governance/scan/."""
