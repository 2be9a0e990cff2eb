"""Many people pressing the same button at once, for the concurrency tests."""

from __future__ import annotations

import threading

from django.db import connection


def at_once(tasks, *, staged: bool = False, timeout: float = 120) -> list:
    """Run each of ``tasks`` (no-argument callables) in a thread of its own, on a database
    connection of its own, all released by one barrier so that they really meet in the
    database. With ``staged``, a task does its reads first and returns the write to make,
    and only the writes start together. Returns the results in order; an exception is
    returned as it is, so that the assertion shows it."""
    start = threading.Barrier(len(tasks))
    results: list = [None] * len(tasks)

    def run(i, task):
        try:
            if staged:
                write = task()
                start.wait(timeout=60)
                results[i] = write()
            else:
                start.wait(timeout=60)
                results[i] = task()
        except Exception as exc:  # reported in the assertion, not swallowed
            results[i] = exc
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=run, args=(i, task)) for i, task in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError(f"a thread still runs after {timeout} s")
    return results
