"""The per-source report files, in the real formats (see the report_* gleanerio fixtures).

- load_report_s3.json / load_report_graph.json: earthcube_utilities ``missingReport`` (summon=True
  stops after the sitemap/summon comparison; the graph variant adds the graph URN comparison).
- identifier_stats.json: a pandas ``DataFrame.to_json()`` (orient=columns) of the identifier groups.
- graph_stats.json: ``generateGraphReportsRelease`` (version, repo, date, reports[]).
- bucketutil_urls.csv: header "sha","url","identifiertype","lastmodified", QUOTE_NONNUMERIC.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from infra_monitor.devstack.sample_scheduler.sources import RDF_TYPE, SCHEMA


@dataclass(frozen=True)
class SummonedObject:
    """A summoned JSON-LD object as the reports see it (object key, user metadata, time)."""

    sha: str
    url: str
    identifiertype: str
    matchedpath: str | None
    lastmodified: str  # "2024-11-03 19:47:40+00:00"


@dataclass(frozen=True)
class Timings:
    """Seconds spent listing the sitemap and the bucket, as the reports record them."""

    sitemap_geturls_time: float
    s3_geturls_time: float


def load_report_s3(
    *,
    source: str,
    sitemap: str,
    day: str,
    bucket: str,
    s3store: str,
    sitemap_urls: list[str],
    summoned: list[SummonedObject],
    timings: Timings,
) -> dict[str, Any]:
    """``missingReport(..., summon=True)``: sitemap against summoned objects."""
    summoned_urls = [obj.url for obj in summoned]
    missing = [url for url in sitemap_urls if url not in summoned_urls]
    extra = [url for url in summoned_urls if url not in sitemap_urls]
    return {
        "source": source,
        "graph": None,
        "sitemap": sitemap,
        "date": day,
        "bucket": bucket,
        "s3store": s3store,
        "sitemap_geturls_time": timings.sitemap_geturls_time,
        "s3_geturls_time": timings.s3_geturls_time,
        "sitemap_count": len(sitemap_urls),
        "summoned_count": len(summoned),
        "missing_sitemap_summon_count": len(missing),
        "missing_sitemap_summon": missing,
        "extra_in_summon_count": len(extra),
        "extra_in_summon": extra,
    }


def load_report_graph(
    s3_report: dict[str, Any],
    *,
    graph: str | None,
    summoned: list[SummonedObject],
    graph_shas: list[str],
    list_time: float,
    graph_time: float,
) -> dict[str, Any]:
    """``missingReport(..., summon=False)``: the s3 report plus summoned against graph URNs."""
    summoned_shas = [obj.sha for obj in summoned]
    missing = [sha for sha in summoned_shas if sha not in graph_shas]
    report = dict(s3_report, graph=graph)
    report.update(
        {
            "summon_list_s3_sha_time": list_time,
            "graph_sha_urn_time": graph_time,
            "graph_urn_count": len(graph_shas),
            "missing_summon_graph_count": len(missing),
            "missing_summon_graph": missing,
        }
    )
    return report


def identifier_stats(source: str, summoned: list[SummonedObject]) -> dict[str, dict[str, Any]]:
    """Summoned objects grouped by (identifiertype, matchedpath): count and up to 5 example shas."""
    groups: dict[tuple[str, str | None], list[str]] = {}
    for obj in sorted(summoned, key=lambda o: o.sha):
        groups.setdefault((obj.identifiertype, obj.matchedpath), []).append(obj.sha)
    table: dict[str, dict[str, Any]] = {
        "Source": {},
        "Identifiertype": {},
        "Matchedpath": {},
        "Uniqueid": {},
        "Example": {},
    }
    ordered = sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or ""))
    for index, ((identifiertype, matchedpath), shas) in enumerate(ordered):
        row = str(index)
        table["Source"][row] = source
        table["Identifiertype"][row] = identifiertype
        table["Matchedpath"][row] = matchedpath
        table["Uniqueid"][row] = len(shas)
        table["Example"][row] = shas[:5]
    return table


def bucket_urls_csv(summoned: list[SummonedObject]) -> str:
    """The bucketutil_urls.csv text: one row per summoned object, sha with its .jsonld suffix."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerow(["sha", "url", "identifiertype", "lastmodified"])
    for obj in sorted(summoned, key=lambda o: o.sha):
        writer.writerow([f"{obj.sha}.jsonld", obj.url, obj.identifiertype, obj.lastmodified])
    return out.getvalue()


def graph_stats(source: str, day: str, quads: list[tuple[str, str, str]]) -> dict[str, Any]:
    """triple_count, dataset_count and type_count of a release, from its (s, p, o) terms."""
    started = time.perf_counter()
    triples = [{"tripelcount": len(quads)}]
    triples_time = time.perf_counter() - started
    started = time.perf_counter()
    types = Counter(o.strip("<>") for _s, p, o in quads if p == f"<{RDF_TYPE}>")
    datasets = [{"datasetcount": types.get(f"{SCHEMA}Dataset", 0)}]
    datasets_time = time.perf_counter() - started
    started = time.perf_counter()
    type_rows = [{"type": t, "scount": n} for t, n in sorted(types.items(), key=lambda i: -i[1])]
    types_time = time.perf_counter() - started
    return {
        "version": 0,
        "repo": source,
        "date": day,
        "reports": [
            _report("triple_count", triples, triples_time),
            _report("dataset_count", datasets, datasets_time),
            _report("type_count", type_rows, types_time),
        ],
    }


def _report(name: str, data: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    return {"report": name, "processing_time": seconds, "length": len(data), "data": data}


def dumps(payload: Any, *, indent: int | None = 2) -> str:
    """JSON text as the scheduler writes it: indented, or compact (indent=None) like pandas."""
    if indent is None:
        return json.dumps(payload, separators=(",", ":"))
    return json.dumps(payload, indent=indent)
