"""Scripts as approved objects (PCI DSS 6.4.3 and 11.6.1): each third-party script's reviewed
SRI hash, the monitor that re-fetches scripts and pages' security headers, and the inventory
of every script on every published page."""
