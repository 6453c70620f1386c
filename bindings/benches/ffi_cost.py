"""FFI cost from Python: the same calls and batches as ffi_cost.rs measures in Rust.

Prints one line: `record_vital_us=<median> list100_us=<median>`.
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from techo import CoreConfig, DeviceKeyStore, Relationship, Source, TechoCore, VitalEntry, VitalFilter, VitalInput

RECORD_BATCHES, RECORD_BATCH = 20, 100
LIST_BATCHES, LIST_BATCH = 20, 50


class Keys(DeviceKeyStore):
    def __init__(self):
        self.secrets = {}

    def load(self, name):
        return self.secrets.get(name)

    def save(self, name, secret):
        self.secrets[name] = bytes(secret)


def main():
    directory = tempfile.mkdtemp(prefix="ffi-cost-py", dir=os.environ.get("TECHO_BENCH_DIR"))
    core = TechoCore.open(CoreConfig(data_dir=directory, server_url="http://127.0.0.1:9"), Keys())
    profile = core.add_profile("BENCH0001", "bench", Relationship.MYSELF).id
    start = datetime(2026, 1, 1, 7, 0, tzinfo=timezone(timedelta(hours=9)))
    n = 0

    def record():
        nonlocal n
        n += 1
        entry = VitalEntry(
            input=VitalInput.STEPS(count=str(1000 + n)),
            measured_at=start + timedelta(minutes=n),
            utc_offset_minutes=540,
            source=Source.SELF_ENTERED,
            device_name=None,
            note=None,
        )
        core.record_vital(profile, entry)

    for _ in range(200):
        record()
    record_us = []
    for _ in range(RECORD_BATCHES):
        t = time.perf_counter()
        for _ in range(RECORD_BATCH):
            record()
        record_us.append((time.perf_counter() - t) * 1e6 / RECORD_BATCH)
    query = VitalFilter(kind=None, since=None, until=None, limit=100, cursor=None)
    for _ in range(200):
        core.list_vitals(profile, query)
    list_us = []
    for _ in range(LIST_BATCHES):
        t = time.perf_counter()
        for _ in range(LIST_BATCH):
            if len(core.list_vitals(profile, query).items) != 100:
                sys.exit("list returned the wrong number of readings")
        list_us.append((time.perf_counter() - t) * 1e6 / LIST_BATCH)
    print(f"record_vital_us={statistics.median(record_us):.1f} list100_us={statistics.median(list_us):.1f}")


main()
