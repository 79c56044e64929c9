"""Alignment tables: who was sent which weekly joint report (so it goes once per lead and week,
whichever worker sends it)."""

from django.conf import settings
from django.db import models

__all__ = ["JointReportDelivery"]


class JointReportDelivery(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()  # the Monday of the week the report looks back on
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "week_start"], name="alignment_joint_report_once_a_week"
            )
        ]
