"""The demo site (a fictional B2B software company) that ``commonground load_demo`` builds."""

from .loader import DemoSummary, load_demo

__all__ = ["DemoSummary", "load_demo"]
