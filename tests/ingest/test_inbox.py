import threading
import time

from ingest.inbox import Inbox


def test_take_returns_oldest_first_up_to_a_limit():
    inbox = Inbox()
    for i in range(5):
        inbox.put(i)
    assert inbox.take(3) == [0, 1, 2]
    assert inbox.take(10) == [3, 4]
    assert inbox.take(10) == []


def test_a_sleeping_worker_wakes_when_an_item_arrives():
    inbox = Inbox()
    woke = []

    def worker():
        started = time.monotonic()
        inbox.wait(10)
        woke.append(time.monotonic() - started)

    thread = threading.Thread(target=worker)
    thread.start()
    time.sleep(0.1)
    inbox.put("reading")
    thread.join(5)
    assert woke and woke[0] < 5


def test_a_full_inbox_holds_the_producer_back():
    inbox = Inbox(limit=2)
    inbox.put(1)
    inbox.put(2)
    done = threading.Event()
    threading.Thread(target=lambda: (inbox.put(3), done.set()), daemon=True).start()
    assert not done.wait(0.2)
    assert inbox.take(1) == [1]
    assert done.wait(5)
    assert inbox.take(5) == [2, 3]
