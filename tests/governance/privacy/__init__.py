"""Tests of governance/privacy/."""
