"""Mail plumbing: the digest format and the send-once claim that keeps two workers from mailing
the same message twice."""
