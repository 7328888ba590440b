"""Timelapse videos: built from the archive with the time burned in, read back with OpenCV, cached."""

from __future__ import annotations

import asyncio
import time

import cv2
import httpx
import numpy as np
import pytest

from streams.archive import Snapshot, day_of
from streams.timelapse import evenly, local_time, pick_fourcc, round_fps, round_range, stamp
from tests.streams.conftest import CAMERA, make_jpeg

T0_MS = (int(time.time()) - 7200) * 1000  # recent: retention (30 days) must not take them


def archive_snapshots(data_dir, count: int, step_ms: int = 60_000, camera: str = CAMERA) -> list[int]:
    """Snapshots written as the relay would, a few of them a different size (the camera was reconfigured)."""
    ids = [T0_MS + n * step_ms for n in range(count)]
    for n, ms in enumerate(ids):
        folder = data_dir / "snapshots" / camera / day_of(ms)
        folder.mkdir(parents=True, exist_ok=True)
        width, height = (640, 480) if n % 4 else (800, 600)
        (folder / f"{ms}.jpg").write_bytes(make_jpeg(n, width, height))
    return ids


def frames_in(video: bytes, tmp_path) -> list[np.ndarray]:
    path = tmp_path / "read-back.mp4"
    path.write_bytes(video)
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return frames


def test_h264_is_chosen_so_that_phones_play_it():
    assert pick_fourcc() == "h264"


def test_the_wheel_writes_mp4v_and_reads_it_back():
    assert pick_fourcc(("mp4v",)) == "mp4v"
    assert pick_fourcc(("zzzz", "mp4v")) == "mp4v"


def test_a_timelapse_has_one_frame_per_snapshot_and_is_cached(start_relay, tmp_path):
    ids = archive_snapshots(tmp_path / "data", 12)
    relay = start_relay()  # H.264 through PyAV, as a deployment runs it
    params = {"start": ids[0], "end": ids[-1], "fps": 5}
    started = time.perf_counter()
    response = relay.get(f"/cameras/{CAMERA}/timelapse.mp4", relay.token(), params=params)
    first_s = time.perf_counter() - started
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "video/mp4"
    frames = frames_in(response.content, tmp_path)
    # H.264 (an avc1 sample entry), its index first ("moov" before "mdat"): phones start playing at once.
    assert b"avc1" in response.content and response.content.find(b"moov") < response.content.find(b"mdat")
    assert len(frames) == 12
    assert {f.shape for f in frames} == {(600, 800, 3)}  # the first snapshot's size; the others scaled to it

    capture_path = tmp_path / "fps.mp4"
    capture_path.write_bytes(response.content)
    assert cv2.VideoCapture(str(capture_path)).get(cv2.CAP_PROP_FPS) == pytest.approx(5, abs=0.01)

    started = time.perf_counter()
    again = relay.get(f"/cameras/{CAMERA}/timelapse.mp4", relay.token(), params=params)
    assert again.content == response.content
    assert relay.metric("orchard_streams_timelapses_built_total") == 1  # the second came from the cache
    assert time.perf_counter() - started < max(first_s, 0.5)

    part = relay.get(f"/cameras/{CAMERA}/timelapse.mp4", relay.token(),
                     params={"start": ids[2], "end": ids[5], "fps": 5})
    assert len(frames_in(part.content, tmp_path)) == 4


def test_the_time_is_burned_in(tmp_path):
    plain = np.full((480, 640, 3), 90, np.uint8)
    stamped = plain.copy()
    stamp(stamped, T0_MS)
    changed = np.argwhere((stamped != plain).any(axis=2))
    assert len(changed) > 500
    assert changed[:, 0].min() > 400  # along the bottom edge, where it hides little of the tree


def test_burned_in_times_are_on_the_farms_clock():
    """Issue 9: every time shown in the farm's time zone, the timelapse's burned-in times included."""
    noon_utc = 1_796_040_000_000  # 2026-11-30 12:00:00 UTC
    assert local_time(noon_utc, "Asia/Shanghai") == "2026-11-30 20:00:00 UTC+0800"
    assert local_time(noon_utc, "UTC") == "2026-11-30 12:00:00 UTC+0000"
    assert local_time(noon_utc, "Not/A_Zone") == "2026-11-30 12:00:00 UTC+0000"  # a bad zone never breaks a video


def test_long_ranges_are_sampled_evenly():
    snaps = [Snapshot(i, 1, None) for i in range(1000)]
    picked = evenly(snaps, 10)
    assert len(picked) == 10 and picked[0].id == 0 and picked[-1].id == 999
    assert evenly(snaps[:5], 10) == snaps[:5]


def test_max_frames_limits_the_video(start_relay, tmp_path):
    ids = archive_snapshots(tmp_path / "data", 9)
    relay = start_relay(timelapse_fourccs=("mp4v",), timelapse_max_frames=4)
    response = relay.get(f"/cameras/{CAMERA}/timelapse.mp4", relay.token(),
                         params={"start": ids[0], "end": ids[-1], "fps": 2})
    assert len(frames_in(response.content, tmp_path)) == 4


def test_no_snapshots_is_404_and_fps_is_bounded(start_relay, tmp_path):
    ids = archive_snapshots(tmp_path / "data", 2)
    relay = start_relay(timelapse_fourccs=("mp4v",))
    token = relay.token()
    empty = relay.get(f"/cameras/{CAMERA}/timelapse.mp4", token, params={"start": 0, "end": 1000})
    assert empty.status_code == 404 and "no snapshots" in empty.json()["detail"]
    for fps in (0, 31):
        assert relay.get(f"/cameras/{CAMERA}/timelapse.mp4", token,
                         params={"start": ids[0], "end": ids[-1], "fps": fps}).status_code == 422


def test_parameters_are_rounded_so_that_near_requests_share_one_video():
    assert [round_fps(f) for f in (1, 4, 6, 7, 9, 10, 12, 29, 30)] == [1, 5, 5, 5, 10, 10, 10, 30, 30]
    day = 86_400_000
    start, end = round_range(1_780_000_123_456, 1_780_000_123_456 + day)
    assert start % 600_000 == 0 and end % 600_000 == 0  # a day's range moves in 10-minute steps
    assert start <= 1_780_000_123_456 and end >= 1_780_000_123_456 + day
    assert round_range(1_780_000_001_000, 1_780_000_181_000) == (1_780_000_001_000, 1_780_000_181_000)


def slow_archive(data_dir, count: int = 240) -> list[int]:
    """Large snapshots, so that encoding one video takes a noticeable while on this machine."""
    ids = [T0_MS + n * 1000 for n in range(count)]
    jpeg = make_jpeg(1, 1280, 720, noise=True, quality=60)
    for ms in ids:
        folder = data_dir / "snapshots" / CAMERA / day_of(ms)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{ms}.jpg").write_bytes(jpeg)
    return ids


def test_one_viewer_cannot_queue_many_videos_ahead_of_another(start_relay, tmp_path):
    ids = slow_archive(tmp_path / "data")
    relay = start_relay(timelapse_fourccs=("mp4v",))
    attacker, victim = relay.token(), relay.token(CAMERA, "cam-2")
    url = f"{relay.url}/cameras/{CAMERA}/timelapse.mp4"

    async def storm():
        async with httpx.AsyncClient(timeout=120) as client:
            def ask(token, **params):
                return client.get(url, params={"start": ids[0], "end": ids[-1], **params},
                                  headers={"Authorization": f"Bearer {token}"})
            flood = [asyncio.create_task(ask(attacker, fps=fps, start=ids[n])) for n, fps in enumerate(
                (1, 2, 3, 5, 10, 15, 20, 30))]
            await asyncio.sleep(0.3)
            started = time.perf_counter()
            mine = await ask(victim)
            waited = time.perf_counter() - started
            return await asyncio.gather(*flood), mine, waited

    flood, mine, waited = asyncio.run(storm())
    codes = sorted(r.status_code for r in flood)
    assert codes.count(200) == 1 and codes.count(429) == 7, codes
    refused = next(r for r in flood if r.status_code == 429)
    assert int(refused.headers["retry-after"]) >= 1
    assert "detail" in refused.json()
    assert mine.status_code == 200
    assert relay.metric("orchard_streams_timelapses_built_total") == 2  # the victim waited for one video at most


def test_the_encoder_queue_is_capped(start_relay, tmp_path):
    ids = slow_archive(tmp_path / "data")
    relay = start_relay(timelapse_fourccs=("mp4v",), timelapse_queue=2)
    url = f"{relay.url}/cameras/{CAMERA}/timelapse.mp4"
    tokens = [relay.token(CAMERA, f"cam-{n}") for n in range(2, 6)]  # four viewers, one video each

    async def four_viewers():
        async with httpx.AsyncClient(timeout=120) as client:
            return await asyncio.gather(*(client.get(url, params={"start": ids[n], "end": ids[-1]},
                                                     headers={"Authorization": f"Bearer {token}"})
                                          for n, token in enumerate(tokens)))

    codes = sorted(r.status_code for r in asyncio.run(four_viewers()))
    assert codes == [200, 200, 429, 429], codes


def test_daily_keeps_the_snapshot_nearest_the_hour_of_each_farm_day():
    from datetime import datetime
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from streams.archive import Snapshot
    from streams.timelapse import daily

    shanghai = ZoneInfo("Asia/Shanghai")

    def snap(day: int, hour: int, minute: int = 0) -> Snapshot:
        ms = int(datetime(2026, 6, day, hour, minute, tzinfo=shanghai).timestamp() * 1000)
        return Snapshot(ms, 1, Path(f"{ms}.jpg"))

    shots = [snap(1, 7), snap(1, 11, 20), snap(1, 12, 30), snap(1, 23, 50), snap(2, 0, 10), snap(2, 16), snap(4, 12)]
    kept = daily(shots, 12, "Asia/Shanghai")
    # 1 June: 12:30 is nearer noon than 11:20; 2 June (its first minutes are in Shanghai's 2 June): 16:00; 4 June.
    assert kept == [shots[2], shots[5], shots[6]]
