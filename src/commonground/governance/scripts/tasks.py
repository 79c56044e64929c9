"""The script monitor's background work (PCI DSS 11.6.1): the scheduled run and its e-mail."""

from django_tasks import task


@task()
def monitor_scripts() -> int:
    """Re-fetch every reviewed script and every public page's headers. Returns findings."""
    from . import services  # imports the scan's page walk: only when monitoring

    return services.run_monitor().findings


@task()
def send_script_alert() -> int:
    """E-mail IT the findings not yet alerted. Returns messages sent."""
    from . import services

    return services.send_alert()
