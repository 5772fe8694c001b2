"""French search keys computed from several threads at once (web workers serve searches in threads)."""

from __future__ import annotations

import threading

from portal.nlp import french

WORDS = [
    f"{root}{ending}"
    for root in (
        "transform",
        "numéris",
        "accompagn",
        "vidéoprotect",
        "délibér",
        "consult",
        "piscin",
    )
    for ending in (
        "ation",
        "ations",
        "er",
        "ement",
        "ements",
        "ait",
        "aient",
        "ions",
        "eront",
        "ées",
    )
]


def test_stems_from_parallel_threads_equal_the_sequential_ones() -> None:
    """Eight threads stemming the same words get exactly the stems one thread gets, and no error."""
    uncached = french.stem.__wrapped__
    expected = [uncached(word) for word in WORDS]
    errors: list[BaseException] = []
    results: list[list[str]] = []
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        try:
            for _ in range(40):
                results.append([uncached(word) for word in WORDS])
        except BaseException as error:  # the test reports any failure
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 8 * 40
    assert all(result == expected for result in results)
