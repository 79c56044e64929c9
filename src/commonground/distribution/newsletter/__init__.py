"""The newsletter: lists and subscribers, double opt-in, editions sent on one SMTP session."""
