"""Leads from landing-page forms: notifying the chosen addresses of each submission."""
