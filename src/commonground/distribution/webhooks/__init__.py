"""Signed webhooks: subscriptions, Standard Webhooks signatures, delivery and its log."""
