"""`orchard readings`: the latest value of every metric per device, as a table."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import click

from orchard.errors import OrchardError
from orchard.readings import Latest
from orchard.store import open_store
from orchard.times import wall_clock_ms

# Short column headings for the known metrics; custom metrics keep their names.
HEADINGS = {
    "air_temp_c": "air °C", "air_humidity_pct": "hum %", "air_pressure_hpa": "hPa",
    "soil_moisture_pct": "soil %", "soil_temp_c": "soil °C", "soil_ec_ms_cm": "EC",
    "soil_ph": "pH", "rain_mm": "rain mm", "wind_speed_ms": "wind m/s", "wind_dir_deg": "dir°",
    "light_lux": "lux", "leaf_wetness_pct": "leaf %", "battery_v": "batt V", "rssi_dbm": "dBm",
}


def table(latest: list[Latest], now_ms: int) -> str:
    """Rows of farm/device with their newest values and how long ago they came."""
    rows: dict[tuple[str, str], dict[str, Latest]] = defaultdict(dict)
    for item in latest:
        tags = item.series.tag_dict
        rows[(tags.get("farm", "?"), tags.get("device", "?"))][item.series.metric] = item
    if not rows:
        return "no readings yet"
    metrics = sorted({m for values in rows.values() for m in values},
                     key=lambda m: (m not in HEADINGS, list(HEADINGS).index(m) if m in HEADINGS else 0, m))
    header = ["farm", "device", "age"] + [HEADINGS.get(m, m) for m in metrics]
    lines = [header]
    for (farm, device), values in sorted(rows.items()):
        newest = max(v.ts_ms for v in values.values())
        cells = [farm, device, _age(now_ms - newest)]
        cells += [f"{values[m].value:g}" if m in values else "-" for m in metrics]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.rjust(w) if i > 2 else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(line, widths, strict=True))) for line in lines)


def missing_sqlite_file(store_url: str) -> Path | None:
    """The file of a `sqlite:///` store URL if it does not exist (reading must not create an empty one)."""
    scheme, _, rest = store_url.partition("://")
    if scheme.lower() != "sqlite" or rest in ("/", "/:memory:"):
        return None
    path = Path(rest[1:])
    return None if path.exists() else path


def _age(ms: int) -> str:
    seconds = max(ms, 0) // 1000
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"


@click.command("readings")
@click.option("--farm", default=None, help="Only this farm.")
@click.option("--device", default=None, help="Only this device.")
def command(farm: str | None, device: str | None) -> None:
    """Print the latest value of each metric per device, from ORCHARD_STORE_URL."""
    from orchard.cli import load_settings

    settings = load_settings()
    missing = missing_sqlite_file(settings.store_url)
    if missing is not None:
        raise click.ClickException(
            f"no readings database at {missing.absolute()}: run this where the demo or the ingester runs, "
            "or set ORCHARD_DATA_DIR (or ORCHARD_STORE_URL) to where they keep it")
    token = settings.influx_token.get_secret_value() if settings.influx_token else None
    tags = {key: value for key, value in (("farm", farm), ("device", device)) if value}
    try:
        with open_store(settings.store_url, token=token) as store:
            latest = store.latest(tags)
    except OrchardError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(table(latest, wall_clock_ms()))
