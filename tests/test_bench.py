"""A short run of the benchmark (bench/run.py, ``make bench``) at two sizes of catalogue and audience.

Each page must do the same SQL statements whatever the size, no more than its bound, and cost a
server CPU time per request within a generous factor of a Flask hello world's on the same machine
in the same run (the ratio is hello world's CPU per request ÷ the page's; 1.0 is Flask's floor).
The floors sit at a third to a half of what the pages measure (README.md, « Benchmark »), so only a
real regression fails them: before issue 16 the home page, rendering every course of the catalogue,
measured 0.001, the dashboard 0.002 and the class page 0.002.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIZES = {
    "small": {"BENCH_COURSES": "12", "BENCH_LEARNERS": "10"},
    "large": {"BENCH_COURSES": "400", "BENCH_LEARNERS": "4000"},
}
# SQL statements per request, the session's BEGIN and savepoints aside.
SQL_BOUNDS = {
    "home": 4,
    "catalogue": 5,
    "course": 4,
    "search": 11,
    "module": 8,
    "quiz": 10,
    "attempt": 13,
    "dashboard": 13,
    # Kept while its students' progress is unchanged (app.schools.kept): no progress query.
    "class": 5,
    "class_csv": 4,
}
RATIO_FLOORS = {
    # Served to visitors from the page cache before Flask is entered (app.page_cache.Front):
    # about 0.75 in `make bench`; Flask serving them would be about 0.3.
    "home": 0.4,
    "catalogue": 0.4,
    "course": 0.4,
    "search": 0.008,  # signed in, so rendered: about 0.025
    "module": 0.012,
    "quiz": 0.006,
    "attempt": 0.006,
    "dashboard": 0.005,
    "class": 0.012,  # kept (app.schools.kept): about 0.05; made on each visit it was 0.018
    "class_csv": 0.015,  # about 0.075; made on each visit it was 0.023
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, dict]:
    if shutil.which("wrk") is None:
        if os.environ.get("CADRE_REQUIRE_WRK"):
            pytest.fail("wrk is needed for the benchmark's test: apt-get install -y wrk")
        pytest.skip("wrk is not installed (apt-get install -y wrk)")
    results = {}
    for name, sizes in SIZES.items():
        out = tmp_path_factory.mktemp("bench") / f"{name}.json"
        env = {key: value for key, value in os.environ.items() if not key.startswith(("BENCH_", "DATABASE_"))}
        env.update(sizes, BENCH_SECONDS="1", BENCH_ROUNDS="1", BENCH_JSON=str(out))
        done = subprocess.run(  # noqa: S603 - this interpreter and the repository's benchmark
            [sys.executable, str(ROOT / "bench" / "run.py")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
        results[name] = json.loads(out.read_text())
    return results


def cpu(run: dict, page: str) -> float:
    return min(row["cpu_ms"] for row in run["rounds"][page])


def test_every_page_does_the_same_sql_at_both_sizes_and_no_more_than_its_bound(runs):
    small, large = runs["small"]["sql"], runs["large"]["sql"]
    assert small == large
    assert {page: count for page, (count, status) in small.items()} == {
        page: min(count, SQL_BOUNDS[page]) for page, (count, status) in small.items()
    }, SQL_BOUNDS


@pytest.mark.parametrize("size", sorted(SIZES))
def test_no_page_reads_a_table_whole(runs, size):
    """Every SELECT of every page, explained with the values it ran with (bench/plans.py): on
    SQLite, whose planner has no statistics and takes every table for a large one, each finds its
    rows through an index."""
    plans = runs[size]["plans"]
    assert set(plans) == set(SQL_BOUNDS)
    assert {page: reads for page, reads in plans.items() if reads} == {}


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_page_costs_within_a_generous_factor_of_hello_world(runs, size):
    run = runs[size]
    hello = cpu(run, "hello")
    ratios = {page: round(hello / cpu(run, page), 4) for page in RATIO_FLOORS}
    assert all(ratios[page] >= floor for page, floor in RATIO_FLOORS.items()), (ratios, RATIO_FLOORS)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_signed_in_floor_is_below_every_signed_in_page(runs, size):
    """bench/floor.py is the least a signed-in page costs on Cadre's stack (a session, three ORM
    queries, a small translated layout): each signed-in page of Cadre does all that and more, so a
    floor measured above one of them would be measuring something else."""
    run = runs[size]
    signed_in = [page for page in RATIO_FLOORS if page not in ("home", "catalogue", "course")]
    assert cpu(run, "floor") < min(cpu(run, page) for page in signed_in), {
        page: cpu(run, page) for page in ["floor", *signed_in]
    }
