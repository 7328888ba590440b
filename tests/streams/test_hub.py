"""The frame hub's latest-frame slots, on an event loop of the test's own."""

from __future__ import annotations

import asyncio
import time

from streams.hub import Frame, Hub


def frame(n: int, camera: str = "cam-1") -> Frame:
    return Frame(camera, "farm1", "dev-a", b"jpeg-%d" % n, time.time(), f"e{n}", 320, 240)


def test_a_viewer_gets_the_current_frame_at_once_then_only_newer_ones():
    async def run():
        hub = Hub()
        hub.put(frame(1))
        with hub.open_slot("cam-1") as viewer:
            first = await asyncio.wait_for(viewer.next_after(0), 1)
            assert first.jpeg == b"jpeg-1"
            waiting = asyncio.create_task(viewer.next_after(first.seq))
            await asyncio.sleep(0.05)
            assert not waiting.done()
            hub.put(frame(2))
            assert (await asyncio.wait_for(waiting, 1)).jpeg == b"jpeg-2"
    asyncio.run(run())


def test_a_slow_viewer_skips_to_the_newest_frame_and_nothing_queues_up():
    async def run():
        hub = Hub()
        with hub.open_slot("cam-1") as slow, hub.open_slot("cam-1") as quick:
            seen = []
            for n in range(1, 101):
                hub.put(frame(n))
                got = await asyncio.wait_for(quick.next_after(seen[-1].seq if seen else 0), 1)
                seen.append(got)
            assert [f.jpeg for f in seen] == [b"jpeg-%d" % n for n in range(1, 101)]
            # The slow one was busy all along: it holds one frame, the newest, not a backlog of 100.
            assert (await slow.next_after(0)).jpeg == b"jpeg-100"
    asyncio.run(run())


def test_other_cameras_do_not_wake_a_viewer():
    async def run():
        hub = Hub()
        with hub.open_slot("cam-1") as viewer:
            hub.put(frame(1, camera="cam-2"))
            waiting = asyncio.create_task(viewer.next_after(0))
            await asyncio.sleep(0.05)
            assert not waiting.done()
            waiting.cancel()
    asyncio.run(run())


def test_viewers_are_counted_released_and_told_when_stalled_or_back():
    changes = []

    async def run():
        hub = Hub(on_viewers_changed=changes.append, stall_s=0.05)
        with hub.open_slot("cam-1") as viewer:
            assert hub.viewer_count("cam-1") == hub.watching("cam-1") == 1
            viewer.sending()
            await asyncio.sleep(0.1)
            assert viewer.stalled() and hub.watching("cam-1") == 0
            viewer.sent()
            assert hub.watching("cam-1") == 1
        assert hub.viewer_count() == 0
    asyncio.run(run())
    assert changes == ["cam-1"] * 3  # came, resumed after a stall, left


def test_closing_the_hub_ends_every_stream():
    async def run():
        hub = Hub()
        with hub.open_slot("cam-1") as viewer:
            waiting = asyncio.create_task(viewer.next_after(0))
            await asyncio.sleep(0.01)
            hub.close()
            assert await asyncio.wait_for(waiting, 1) is None
        with hub.open_slot("cam-1") as late:
            assert await late.next_after(0) is None
    asyncio.run(run())


def test_a_camera_is_addressed_by_its_frames():
    hub = Hub()
    assert hub.address("cam-1") is None
    hub.put(frame(1))
    assert hub.address("cam-1") == ("farm1", "dev-a")
    assert hub.learn("cam-1", "farm1", "dev-b") is True
    assert hub.learn("cam-1", "farm1", "dev-b") is False
