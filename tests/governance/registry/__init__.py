"""Tests of governance/registry/."""
