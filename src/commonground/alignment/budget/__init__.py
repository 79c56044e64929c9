"""The budget: plan per quarter by side and category, actuals, campaign ROI, reallocations
and business cases."""
