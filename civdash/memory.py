"""How this process's C allocator (glibc malloc) treats the large blocks a big upload makes and frees.

Reading a large file makes and frees the same few megabyte-sized blocks thousands of times (NumPy arrays over
each piece of a sheet, calamine's buffers). By default glibc gives such blocks back to the system at once and
asks for fresh ones the next time; every fresh page then costs a page fault, and on a virtual machine a fault
is dear: half of the cell-count guard's time went to them. ``keep_freed_memory`` (set once for the process, by
the first upload) makes blocks up to 32 MiB come from the heap and up to 64 MiB of freed memory stay at the top of
each heap for the next one; ``return_freed_memory`` hands what is left over back once an upload is done, so a
dashboard does not keep a large file's memory afterwards. Both do nothing where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import threading

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)
_MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest on 64-bit: blocks above it still come from mmap
_TRIM_THRESHOLD = 64 * 1024 * 1024  # free memory kept at the top of a heap before it is given back
_lock = threading.Lock()
_done = False


def _glibc() -> ctypes.CDLL | None:
    """The C library this process runs on (its own symbols), when it has glibc's two functions."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()


def keep_freed_memory() -> None:
    """Keep freed blocks for reuse instead of returning each to the system (once per process)."""
    global _done
    with _lock:
        if _done or _LIBC is None:
            return
        _LIBC.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        _LIBC.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
        _done = True


def return_freed_memory() -> None:
    """Give the memory freed so far back to the system."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
