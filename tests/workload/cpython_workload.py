#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A CPython service process, for measuring KSM on memory we did not lay out.

Several of these run side by side as the copies of one Python service would:
each enrols itself in KSM with prctl(PR_SET_MEMORY_MERGE) (merge-any, as
systemd's MemoryKSM= does), imports the same standard-library modules, loads
the same reference data (a JSON document, parsed into objects, and the same
text kept as a str), and then serves "requests" forever: it parses and
re-encodes records and keeps a bounded cache of results, so part of its heap
keeps changing.  Which pages end up identical across the processes is the
interpreter's doing (obmalloc arenas, code objects, module dicts, the
parsed document), not ours.

    cpython_workload.py [RECORDS [RATE]]

prints "READY pid=PID rss_kib=N" once loaded, then runs until killed.
RECORDS (default 20000) sizes the reference data; RATE (default 200) is
requests per second.
"""
import ctypes
import os
import sys
import time

PR_SET_MEMORY_MERGE = 67

libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0) != 0:
    err = ctypes.get_errno()
    sys.exit("cpython_workload: prctl(PR_SET_MEMORY_MERGE): " + os.strerror(err))

# What a small web service imports.
import argparse  # noqa: E402,F401
import asyncio  # noqa: E402,F401
import collections  # noqa: E402
import csv  # noqa: E402,F401
import decimal  # noqa: E402
import email.parser  # noqa: E402,F401
import http.server  # noqa: E402,F401
import json  # noqa: E402
import logging  # noqa: E402,F401
import random  # noqa: E402
import re  # noqa: E402
import sqlite3  # noqa: E402,F401
import statistics  # noqa: E402,F401
import unittest  # noqa: E402,F401
import urllib.parse  # noqa: E402
import xml.etree.ElementTree  # noqa: E402,F401
import zipfile  # noqa: E402,F401

records = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
rate = int(sys.argv[2]) if len(sys.argv) > 2 else 200

# The same reference data in every process (a fixed seed).
rng = random.Random(7)
words = ["alpha", "beta", "gamma", "delta", "kappa", "sigma", "omega"]
text = json.dumps([{
    "id": i,
    "name": "user-%06d" % i,
    "email": "user%d@example.org" % i,
    "tags": rng.sample(words, 3),
    "balance": str(decimal.Decimal(rng.randrange(10**8)) / 100),
    "url": "/api/v1/users/%d?%s" % (i, urllib.parse.urlencode({"v": i % 7})),
} for i in range(records)])
reference = json.loads(text)
by_name = {r["name"]: r for r in reference}
pattern = re.compile(r"user-(\d+)")

print("READY pid=%d rss_kib=%s" % (os.getpid(), open("/proc/self/status").read()
      .split("VmRSS:")[1].split()[0]), flush=True)

# Serve: each request looks a record up, re-encodes it and caches the
# result; the cache is bounded, so old entries are freed and their memory
# reused (the heap's volatile part).
cache = collections.OrderedDict()
own = random.Random(os.getpid())
period = 1.0 / rate if rate > 0 else 1.0
while True:
    start = time.monotonic()
    for _ in range(10):
        r = by_name["user-%06d" % own.randrange(records)]
        key = int(pattern.match(r["name"]).group(1))
        cache[key] = json.dumps({**r, "seen": time.time()})
        cache.move_to_end(key)
        if len(cache) > records // 4:
            cache.popitem(last=False)
    time.sleep(max(0.0, 10 * period - (time.monotonic() - start)))
