"""models.db.gc_paused under the web server's threads: off while any read is inside, back on after the last."""
from __future__ import annotations

import gc
import threading

from models.db import gc_paused


def test_collector_stays_off_while_any_thread_is_inside_and_comes_back_after_the_last() -> None:
    assert gc.isenabled()
    inside, release = threading.Barrier(9), threading.Event()

    def read() -> None:
        with gc_paused():
            inside.wait()
            release.wait()

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    inside.wait()  # all eight are inside
    assert not gc.isenabled()
    release.set()
    for t in threads:
        t.join()
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
