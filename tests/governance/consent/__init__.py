"""Tests of governance/consent/."""
