"""The count of visitors' consent choices (the choices themselves stay in their browsers)."""

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
