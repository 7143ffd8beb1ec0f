"""How many threads the library's own work may use, and its one pool of helper threads."""
import os
import threading
from concurrent.futures import ThreadPoolExecutor


def thread_count():
    """``INKDIGITS_THREADS`` if set, else every core (as TensorFlow and XNNPACK do)."""
    return int(os.environ.get("INKDIGITS_THREADS", 0) or 0) or os.cpu_count() or 1


_pool = {}
_lock = threading.Lock()


def helpers():
    """The process's pool of ``thread_count() - 1`` helper threads (the caller is the
    last one), or None for one thread; made on first use, and anew in a forked child
    (threads do not survive a fork)."""
    n = thread_count() - 1
    if n < 1:
        return None
    with _lock:
        pool = _pool.get(n)
        if pool is None:
            pool = _pool[n] = ThreadPoolExecutor(n, thread_name_prefix="inkdigits")
        return pool


def _forget_pools():
    _pool.clear()


if hasattr(os, "register_at_fork"):          # not on Windows, which does not fork
    os.register_at_fork(after_in_child=_forget_pools)
