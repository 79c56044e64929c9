"""Tests of governance/posture/."""
