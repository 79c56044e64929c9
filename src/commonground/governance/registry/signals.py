"""What governance tells other apps as it happens (they connect; governance imports none)."""

from django.dispatch import Signal

# Sent by services.decide inside its transaction, once per decision, with keyword arguments
# request_id (int), title (str), approved (bool), decision ("approved" or "rejected"),
# reviewer (the deciding user, or None), reason (str) and decided_at (aware datetime).
# A receiver that raises rolls the decision back: what it records stays consistent with it.
technology_request_decided = Signal()
