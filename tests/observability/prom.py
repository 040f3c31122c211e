"""Reading what /metrics answers, with prometheus-client's own parser."""

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple, float]:
    """Read Prometheus text into {(sample name, sorted labels): value}."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client, **kwargs) -> dict[tuple, float]:
    """GET /metrics (from loopback, the test client's address) and read it."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    return samples(response.get_data(as_text=True))


def value(scraped: dict, name: str, **labels) -> float:
    """One sample's value, 0 when the series is not there yet."""
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)
