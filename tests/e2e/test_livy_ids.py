"""Several API processes submitting at once never give two applications one Livy id."""

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.harness.lighter import LighterFactory

API_REPLICAS = 3
SUBMISSIONS_PER_REPLICA = 40


def test_api_replicas_submitting_at_once_hand_out_distinct_livy_ids(
    lighter_factory: LighterFactory,
) -> None:
    lighter = lighter_factory.start("distributed", backend="simulated")
    replicas = [lighter.url]
    for n in range(2, API_REPLICAS + 1):
        lighter.start("api", replica=f"api-{n}")
        replicas.append(f"http://127.0.0.1:{lighter.ports[f'api-{n}']}")

    def submit(job: int) -> int:
        url = replicas[job % API_REPLICAS]
        response = httpx.post(
            f"{url}/livy/batches", json={"file": "job.py", "name": f"job-{job}"}, timeout=60
        )
        assert response.status_code == 201, response.text
        livy_id: int = response.json()["id"]
        return livy_id

    with ThreadPoolExecutor(max_workers=12) as pool:
        ids = list(pool.map(submit, range(API_REPLICAS * SUBMISSIONS_PER_REPLICA)))

    assert len(set(ids)) == len(ids)
    listed = httpx.get(f"{lighter.url}/livy/batches", params={"size": 1000}, timeout=60).json()
    assert listed["total"] == len(ids)
    assert sorted(batch["id"] for batch in listed["sessions"]) == sorted(ids)
