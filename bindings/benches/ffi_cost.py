"""FFI cost from Python: the same calls and batches as ffi_cost.rs measures in Rust.

ffi_cost.rs drives it one batch at a time, interleaved with the Rust and Kotlin batches, so that
a change of load on the shared machine falls on every caller alike: each line `record N` or
`list N` on stdin runs N calls and answers one line, the µs per call.
"""

import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from techo import CoreConfig, DeviceKeyStore, Relationship, Source, TechoCore, VitalEntry, VitalFilter, VitalInput


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

    def list100():
        if len(core.list_vitals(profile, query).items) != 100:
            sys.exit("list returned the wrong number of readings")

    query = VitalFilter(kind=None, since=None, until=None, limit=100, cursor=None)
    calls = {"record": record, "list": list100}
    for line in sys.stdin:
        op, count = line.split()
        call, count = calls[op], int(count)
        t = time.perf_counter()
        for _ in range(count):
            call()
        print(f"{(time.perf_counter() - t) * 1e6 / count:.3f}", flush=True)


main()
