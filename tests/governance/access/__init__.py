"""Tests of governance/access/."""
