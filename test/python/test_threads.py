"""One model called from several Python threads: runs release the GIL and
take turns in the runtime, and every call gives the same outputs (the
single-threaded call's, computed first)."""

import threading

import numpy as np

from conftest import encoder_feeds


def test_four_threads_two_hundred_calls(encoder):
    feeds = encoder_feeds(seed=11)
    expected = encoder(**feeds)
    failures = []

    def work():
        for _ in range(200):
            out = encoder(**feeds)
            if not all(np.array_equal(out[k], v) for k, v in expected.items()):
                failures.append(out)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
