"""The count of visitors' consent choices, and the record of each choice (its evidence)."""

from django.db import models


class ConsentTally(models.Model):
    """How many visitors agreed to or declined a purpose on a day: counts, nothing else."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    purpose = models.CharField(max_length=16)
    granted = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "purpose"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "day", "purpose"],
                name="governance_consent_tally_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} on {self.day}: {self.granted} yes, {self.declined} no"


class ConsentRecord(models.Model):
    """One visitor's choice on the banner, kept as the evidence GDPR art. 7(1) asks for:
    a random id their browser made and keeps (never derived from their address or browser),
    the banner version they answered, what they granted and refused, when, and whether their
    browser sent Global Privacy Control. No address, no user agent."""

    consent_id = models.CharField(max_length=64, db_index=True)
    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+")
    banner_version = models.CharField(max_length=12)
    granted = models.JSONField(default=list)
    refused = models.JSONField(default=list)
    gpc = models.BooleanField("Global Privacy Control", default=False)
    chosen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-chosen_at", "-pk"]

    def __str__(self) -> str:
        return f"consent {self.consent_id} at {self.chosen_at:%Y-%m-%d %H:%M}"
