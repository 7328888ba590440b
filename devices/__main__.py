"""`orchard device` (the Pi agent) and `orchard simulate` (the field simulator)."""

from __future__ import annotations

import logging
import signal
import sys
import threading

import click

from orchard.cli import load_settings, setup_logging
from orchard.errors import SensorError
from orchard.spool import Spool
from orchard.supervise import Supervisor
from orchard.systemd import Notifier

log = logging.getLogger("devices")


def _stop_on_signals(supervisor: Supervisor) -> threading.Event:
    """SIGINT and SIGTERM stop the loops; so does any of them failing (then the exit status says so)."""
    supervisor.watch_all_threads()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: supervisor.stop())
    return supervisor.stopping


@click.command("device")
def device_command() -> None:
    """Run the field agent of this Pi: read ORCHARD_SENSORS every ORCHARD_INTERVAL_S, spool, publish.

    Needs ORCHARD_FARM and ORCHARD_DEVICE; readings wait in a spool under
    ORCHARD_DATA_DIR while the broker cannot be reached, and are sent in batches later.
    ORCHARD_CAMERAS (cam-01=/dev/video0, cam-02=rtsp://...) send a snapshot every
    ORCHARD_CAMERA_IDLE_S and live frames while someone watches.
    """
    from devices.agent import Agent
    from devices.camera import build_cameras, quiet_opencv
    from devices.camera_unit import CameraConfig
    from devices.sensors.base import build_sensors

    settings = load_settings()
    setup_logging(settings)
    if not settings.farm or not settings.device:
        raise click.UsageError("set ORCHARD_FARM and ORCHARD_DEVICE to this unit's farm and device ids")
    try:
        sensors = build_sensors(settings.sensors)
        cameras = build_cameras(settings.cameras, width=settings.camera_width, height=settings.camera_height)
    except SensorError as exc:
        raise click.UsageError(str(exc)) from None
    if not sensors and not cameras:
        raise click.UsageError("ORCHARD_SENSORS and ORCHARD_CAMERAS are empty: name at least one sensor, "
                               "e.g. 'bme280:1:0x76', or camera, e.g. 'cam-01=/dev/video0'")
    quiet_opencv()
    spool = Spool(settings.data_dir / "device-spool.db", max_items=settings.spool_max_items)
    agent = Agent(settings.farm, settings.device, sensors, spool, settings.mqtt_url,
                  cameras=cameras, camera_config=CameraConfig.from_settings(settings),
                  notifier=Notifier.from_environ())
    log.info("%s/%s: %d sensor(s), every %.0fs, %d reading(s) spooled; %d camera(s)",
             settings.farm, settings.device, len(sensors), settings.interval_s, len(spool), len(cameras))
    agent.run(settings.interval_s, _stop_on_signals(agent.supervisor))
    spool.close()
    sys.exit(agent.supervisor.exit_code)


@click.command("simulate")
@click.option("--farm", default="demo", show_default=True, help="Farm id of the simulated devices.")
@click.option("--devices", "count", default=8, show_default=True, type=click.IntRange(1, 500))
@click.option("--interval", default=10.0, show_default=True, type=click.FloatRange(0.05),
              help="Seconds between readings.")
@click.option("--backfill-hours", default=0.0, show_default=True, type=click.FloatRange(0),
              help="Publish this much history first.")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--cameras/--no-cameras", default=True, show_default=True, help="Give each device a simulated camera.")
@click.option("--camera-idle", type=click.FloatRange(0.1), default=None,
              help="Seconds between snapshots while nobody watches [default: ORCHARD_CAMERA_IDLE_S].")
def simulate_command(farm: str, count: int, interval: float, backfill_hours: float, seed: int,
                     cameras: bool, camera_idle: float | None) -> None:
    """Simulate an orchard's field units (sensors and cameras) publishing to ORCHARD_MQTT_URL."""
    from devices.camera_unit import CameraConfig
    from devices.simulator import Simulator

    settings = load_settings()
    setup_logging(settings)
    config = CameraConfig.from_settings(settings, **({"idle_s": camera_idle} if camera_idle else {}))
    simulator = Simulator(settings.mqtt_url, settings.data_dir, farm, count, interval, seed,
                          cameras=cameras, camera_config=config)
    if backfill_hours:
        log.info("spooled %d past readings to publish first", simulator.backfill(backfill_hours))
    simulator.run(_stop_on_signals(simulator.supervisor))
    sys.exit(simulator.supervisor.exit_code)


if __name__ == "__main__":
    click.Group("devices", commands=[device_command, simulate_command])()
