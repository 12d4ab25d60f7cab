"""Reading a service's Prometheus /metrics, to see where the time went during a run."""

import httpx


async def scrape(client: httpx.AsyncClient, url: str) -> dict[str, float]:
    """Unlabelled samples of the exposition at `url` (labelled ones are summed by name)."""
    try:
        response = await client.get(url, timeout=10)
    except httpx.HTTPError:
        return {}
    samples: dict[str, float] = {}
    for line in response.text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_part, _, value = line.rpartition(" ")
        name = name_part.split("{", 1)[0]
        try:
            samples[name] = samples.get(name, 0.0) + float(value)
        except ValueError:
            continue
    return samples


def histogram_delta(
    before: dict[str, float], after: dict[str, float], histogram: str
) -> dict[str, float]:
    """How many observations a histogram gained between two scrapes, and their mean (ms)."""
    count = after.get(f"{histogram}_count", 0.0) - before.get(f"{histogram}_count", 0.0)
    total = after.get(f"{histogram}_sum", 0.0) - before.get(f"{histogram}_sum", 0.0)
    if count <= 0:
        return {"count": 0}
    return {"count": int(count), "mean_ms": round(total / count * 1000, 2)}
