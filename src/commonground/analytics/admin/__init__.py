"""The analytics admin screens: tracked sites, goals and segments, and the weekly-report
setting on the account page."""
