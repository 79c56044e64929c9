"""Generate realistic demo traffic straight into the event store (``analytics_generate``)."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from commonground.analytics.eventstore.generator import StoreLockedError, generate_traffic


class Command(BaseCommand):
    help = "Write N realistic events of a site over D days into the DuckDB event store."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--site", required=True, help="site domain, e.g. example.org")
        parser.add_argument("--events", type=int, required=True, help="exact number of events")
        parser.add_argument("--days", type=int, default=90, help="days of history")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--end-date", type=date.fromisoformat, help="last day (UTC), default yesterday"
        )
        parser.add_argument("--path", help="DuckDB file, default the configured event store")

    def handle(self, *args: Any, **options: Any) -> None:
        store_config: dict[str, Any] = settings.EVENT_STORE
        configured: dict[str, Any] = dict(store_config.get("OPTIONS", {}))
        path = options["path"] or configured.get("path")
        if not path:
            raise CommandError("no DuckDB event store configured; pass --path")
        end_day = options["end_date"] or datetime.now(UTC).date() - timedelta(days=1)
        try:
            from tqdm import tqdm
        except ImportError:  # the bar is a nicety, not a dependency
            tqdm = None
        bar = (
            tqdm(total=options["events"], unit="ev", unit_scale=True, file=self.stderr._out)
            if tqdm is not None
            else None
        )
        try:
            written = generate_traffic(
                path=path,
                site=options["site"],
                events=options["events"],
                days=options["days"],
                end_day=end_day,
                seed=options["seed"],
                progress=bar.update if bar is not None else None,
            )
        except StoreLockedError as error:
            raise CommandError(
                f"the event store {path} is locked by another process (the mover?): "
                f"stop it or pass --path ({error})"
            ) from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(f"analytics_generate: wrote {written} events of {options['site']}")
