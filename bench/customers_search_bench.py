"""Omni-search benchmark of the customer ledger (issue 4). Prints p50/p95; exits non-zero over budget.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anju_customers_bench .venv/bin/python bench/customers_search_bench.py

Builds a throw-away test database (`test_` prefix, destroyed at the end), bulk-loads 200,000 customers
(random Chinese names, a mobile each, half with an ID number) of one company plus 20,000 of another
company (outside the searching user's scope), then times `selectors.omni_search` for a mix of queries:
2-character names, surnames, pinyin initials, full mobiles, 4-digit phone tails, ID-number tails and
customer codes. Budget: p95 < 50 ms on PostgreSQL.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ANJU_TESTING", "1")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench.results import QueryCounter, emit  # noqa: E402

N = int(os.environ.get("BENCH_CUSTOMERS", "200000"))
BUDGET_MS = 50.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强文斌海燕红梅玉兰春梅小红丹玲晶晨阳宇轩浩然子涵雨桐欣怡梓萱思远嘉怡俊杰博文"
AREAS = ["110105", "440305", "310101", "510107", "440524", "330106", "420106", "320102"]


def check_char(first17: str) -> str:
    from anju.customers.validators import check_char as cc

    return cc(first17)


def main() -> int:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        return run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def load(company, count: int, rng: random.Random, prefix: str) -> list[tuple[str, str, str]]:
    from anju.customers import keys
    from anju.customers.models import Customer, CustomerPhone

    samples = []
    seen_ids: set[str] = set()
    batch = 5000
    for start in range(0, count, batch):
        customers, phones = [], []
        for i in range(start, min(start + batch, count)):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 1, 2))))
            mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            id_number = ""
            if i % 2 == 0:
                first17 = f"{rng.choice(AREAS)}{rng.randrange(1950, 2005)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
                id_number = first17 + check_char(first17)
                if id_number in seen_ids:
                    id_number = ""
                seen_ids.add(id_number)
            initials, full = keys.pinyin_keys(name)
            customers.append(
                Customer(
                    company=company,
                    code=f"{prefix}{i:07d}",
                    name=name,
                    mobile=mobile,
                    id_number=id_number,
                    name_initials=initials,
                    name_pinyin=full,
                    id_number_rev=id_number[::-1],
                )
            )
            if rng.random() < 0.002:
                samples.append((name, mobile, id_number))
        Customer.objects.bulk_create(customers)
        for c in customers:
            phones.append(
                CustomerPhone(
                    customer=c,
                    kind="mobile",
                    number=c.mobile,
                    digits=c.mobile,
                    digits_rev=c.mobile[::-1],
                    is_primary=True,
                )
            )
        CustomerPhone.objects.bulk_create(phones)
    return samples


def run() -> int:
    from anju.core.testing import build_org_world
    from anju.customers import keys, selectors
    from anju.org.access import forget

    rng = random.Random(20261124)
    world = build_org_world()
    started = time.perf_counter()
    samples = load(world.company_a, N, rng, "A")
    load(world.company_b, N // 10, rng, "B")
    load_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    queries = []
    for name, mobile, id_number in samples:
        queries.append(("name", name[:2]))
        queries.append(("surname", name[:1]))
        queries.append(("initials", keys.pinyin_keys(name)[0]))
        queries.append(("mobile", mobile))
        queries.append(("phone tail", mobile[-4:]))
        if id_number:
            queries.append(("ID tail", id_number[-6:]))
    queries.append(("code", "A00012"))
    user = world.user_a
    forget(user)
    selectors.omni_search(user, "张三")  # warm-up (access cache, connection)
    timings: dict[str, list[float]] = {}
    statements: dict[str, int] = {}
    hits = 0
    for kind, q in queries:
        with QueryCounter(connection) as counter:
            t0 = time.perf_counter()
            results = selectors.omni_search(user, q, 20)
            timings.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
        statements[kind] = statements.get(kind, 0) + counter.count
        hits += bool(results)
    every = sorted(t for ts in timings.values() for t in ts)

    def pct(values, p):
        return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]

    print(
        f"database: {connection.vendor}; customers loaded: {N} + {N // 10} (other company) in {load_s:.1f} s"
    )
    print(f"{len(every)} queries, {hits} with results")
    for kind, values in timings.items():
        values.sort()
        print(
            f"  {kind:<11} n={len(values):>4}  p50={pct(values, 50):6.1f} ms  p95={pct(values, 95):6.1f} ms"
        )
    p50, p95 = pct(every, 50), pct(every, 95)
    print(f"ALL          p50={p50:.1f} ms  p95={p95:.1f} ms  (budget p95 < {BUDGET_MS:.0f} ms)")
    size = N + N // 10
    for kind, values in timings.items():
        emit(
            f"customers: omni search, {kind}",
            p50_ms=pct(values, 50),
            p95_ms=pct(values, 95),
            rows=size,
            queries=round(statements[kind] / len(values), 1),
        )
    emit(
        "customers: omni search, all kinds",
        p50_ms=p50,
        p95_ms=p95,
        rows=size,
        queries=round(sum(statements.values()) / len(every), 1),
        budget=f"p95 < {BUDGET_MS:.0f} ms (PostgreSQL)",
        ok=p95 < BUDGET_MS if connection.vendor == "postgresql" else None,
    )
    return 0 if p95 < BUDGET_MS or connection.vendor != "postgresql" else 1


if __name__ == "__main__":
    sys.exit(main())
