"""Archives speed (issue 14): search p95 over 200,000 records with a
two-character Chinese keyword plus a department filter (target ≤ 50 ms), and
climate ingestion over the client-streaming gRPC RPC (target ≥ 2,000
readings/s).

Runs the archives service in process on its own database: a throwaway
SQLite file by default, or ``--database-url`` (a PostgreSQL database made for
the run) for the server stack. Writes ``bench/results/<date>-archives-<db>.json``.

    .venv/bin/python bench/archives_bench.py [--records 200000] [--readings 20000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "archives" / "tests"))

from archives_testkit import make_harness, person  # noqa: E402

from archives.adapters import orm  # noqa: E402
from archives.adapters.search import facet_tokens, index_record  # noqa: E402
from archives.adapters.segmenter import index_tokens  # noqa: E402
from archives.entrypoints.grpc_servicer import ArchivesServicer  # noqa: E402
from archives.service_layer.records import SearchQuery  # noqa: E402
from secretariat.archives.v1 import archives_pb2 as pb  # noqa: E402
from secretariat.archives.v1 import archives_pb2_grpc  # noqa: E402
from secretariat_shared.grpc_server import (  # noqa: E402
    GrpcService,
    RunningService,
    identity_metadata,
)
from secretariat_shared.identity import (  # noqa: E402
    IdentityVerifier,
    generate_keypair,
    service_token,
)

WORDS = [
    "关于",
    "做好",
    "年终",
    "总结",
    "工作",
    "通知",
    "档案",
    "管理",
    "办法",
    "会议",
    "纪要",
    "财务",
    "报告",
    "合同",
    "采购",
    "人事",
    "调动",
    "培训",
    "计划",
    "安全",
    "检查",
    "整改",
    "方案",
    "制度",
    "修订",
    "请示",
    "批复",
    "信息",
    "公开",
    "保密",
    "审计",
    "预算",
    "决算",
    "招标",
    "项目",
    "验收",
    "后勤",
    "保障",
    "车辆",
    "维修",
    "党建",
    "学习",
    "考核",
    "绩效",
    "评估",
    "规划",
    "年度",
    "季度",
    "月度",
    "统计",
    "分析",
    "意见",
    "建议",
    "通报",
    "表彰",
    "处分",
    "决定",
    "值班",
    "安排",
    "应急",
    "预案",
    "演练",
    "设备",
    "资产",
    "清查",
    "盘点",
    "归档",
    "移交",
    "销毁",
    "借阅",
    "登记",
]
DEPARTMENTS = [f"D{i:02d}" for i in range(20)]
CLASSES = ["public"] * 5 + ["internal"] * 4 + ["confidential"]
SECRET = "bench-internal-secret-0123456789abcdef"


def fill(harness: Any, count: int, seed: int = 14) -> float:
    rng = random.Random(seed)
    started = time.perf_counter()
    now = datetime.now(UTC)
    batch: list[dict[str, Any]] = []
    with harness.uow() as uow:
        session = uow.session
        for n in range(count):
            title = "".join(rng.sample(WORDS, rng.randint(4, 8)))
            dept = rng.choice(DEPARTMENTS)
            type_code = f"{rng.randint(1, 12):02d}"
            security_class = rng.choice(CLASSES)
            day = date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
            record_id = str(uuid.UUID(int=rng.getrandbits(128)))
            text = index_tokens(title)
            batch.append(
                {
                    "id": record_id,
                    "number": f"{dept}-{day.year}-{rng.randint(1, 12):02d}-{n:06d}",
                    "title": title,
                    "type_code": type_code,
                    "department_code": dept,
                    "security_class": security_class,
                    "retention": "10y",
                    "document_date": day.isoformat(),
                    "retention_until": day.replace(year=day.year + 10).isoformat()
                    if not (day.month == 2 and day.day == 29)
                    else None,
                    "archived_at": now,
                    "origin": "import",
                    "source_ref": None,
                    "seal_sha256": "",
                    "seal_signature": "",
                    "seal_public_key": "",
                    "storeroom": "R1",
                    "cabinet": "",
                    "shelf": "",
                    "box": "",
                    "state": "active",
                    "readers": [],
                    "search_text": text,
                    "facets": facet_tokens(dept, type_code, security_class),
                }
            )
            if len(batch) == 5000:
                _flush(session, batch)
        _flush(session, batch)
        uow.commit()
    with harness.db.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("INSERT INTO records_fts(records_fts) VALUES ('optimize')")
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE records")
    return time.perf_counter() - started


def _flush(session: Any, batch: list[dict[str, Any]]) -> None:
    if not batch:
        return
    session.execute(insert(orm.records), batch)
    for row in batch:
        index_record(session, row["id"], row["search_text"], row["facets"])
    batch.clear()


def search_p95(harness: Any, queries: int = 300) -> dict[str, float]:
    rng = random.Random(7)
    viewer = person("bench.staff", "D03")
    two_char = [w for w in WORDS if len(w) == 2]
    times = []
    totals = []
    for _ in range(queries):
        query = SearchQuery(q=rng.choice(two_char), department_code=rng.choice(DEPARTMENTS))
        started = time.perf_counter()
        _, total, _, _ = harness.records.search(viewer, query)
        times.append(time.perf_counter() - started)
        totals.append(total)
    times.sort()
    return {
        "queries": queries,
        "p50_ms": round(times[len(times) // 2] * 1000, 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 2),
        "max_ms": round(times[-1] * 1000, 2),
        "mean_matches": round(sum(totals) / len(totals), 1),
    }


def climate_rate(harness: Any, readings: int) -> dict[str, float]:
    _, public = generate_keypair()
    verifier = IdentityVerifier(public, harness.clock, SECRET)
    servicer = ArchivesServicer(
        harness.records,
        harness.loans,
        harness.climate,
        harness.stock_takes,
        harness.destructions,
        verifier,
        harness.clock,
    )
    spec = GrpcService(
        name="archives",
        verifier=verifier,
        register=lambda server: archives_pb2_grpc.add_ArchivesServicer_to_server(servicer, server),
        service_names=["secretariat.archives.v1.Archives"],
        grace_seconds=1,
    )
    running = RunningService(spec).start()
    channel = grpc.insecure_channel(f"127.0.0.1:{running.port}")
    stub = archives_pb2_grpc.ArchivesStub(channel)
    start = datetime.now(UTC)

    def stream() -> Any:
        for i in range(readings):
            yield pb.ClimateReading(
                storeroom=f"R{i % 8}",
                temperature_c=20.0 + (i % 7) * 0.5,
                humidity_pct=50.0,
                measured_at=_stamp(start + timedelta(seconds=i)),
            )

    try:
        token = service_token("sensor-gateway", SECRET, harness.clock)
        started = time.perf_counter()
        summary = stub.StreamClimateReadings(stream(), metadata=identity_metadata(token))
        elapsed = time.perf_counter() - started
    finally:
        channel.close()
        running.stop()
    return {
        "readings": summary.accepted,
        "seconds": round(elapsed, 2),
        "per_second": round(summary.accepted / elapsed, 1),
        "alerts_raised": summary.alerts_raised,
        "alerts_cleared": summary.alerts_cleared,
    }


def _stamp(moment: datetime) -> Any:
    from google.protobuf.timestamp_pb2 import Timestamp

    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--readings", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="archives-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'archives.db'}"
    harness = make_harness(url, start=datetime.now(UTC))
    loaded = fill(harness, args.records)
    print(f"loaded {args.records} records in {loaded:.1f}s", flush=True)
    search = search_p95(harness)
    print(f"search: {search}", flush=True)
    climate = climate_rate(harness, args.readings)
    print(f"climate: {climate}", flush=True)
    stack = harness.db.engine.dialect.name
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": stack,
        "records": args.records,
        "load_seconds": round(loaded, 1),
        "search_two_char_keyword_plus_department": search,
        "search_target_p95_ms": 50,
        "climate_grpc_stream": climate,
        "climate_target_per_second": 2000,
    }
    out = ROOT / "bench" / "results" / f"{date.today().isoformat()}-archives-{stack}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out}")
    harness.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
