"""IT's security-posture page: a check per setting or fact, each saying what to fix."""
