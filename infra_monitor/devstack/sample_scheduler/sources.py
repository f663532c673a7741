"""What the sample sources "serve": their config entries, sitemaps and schema.org JSON-LD documents.

Nothing here touches the network. A source's sitemap is read from ``data/sitemaps.yaml`` (keyed by
source name) instead of its ``url``, unless the harvest passes the text of an override (an
operator's fix, see ``SampleBucket.get_sitemap_override``); every sitemap entry answers with a
small, deterministic schema.org Dataset document, except entries whose path holds ``/gone/``,
which answer 404. ``data/repaired_sitemaps.yaml`` holds the well-formed sitemaps of the sources
that ship a broken one: what their operator publishes once the source is fixed.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"
GLEANER_CONFIG_FILE = DATA_DIR / "gleanerconfig.yaml"
TENANT_FILE = DATA_DIR / "tenant.yaml"
NABU_CONFIG_FILE = DATA_DIR / "nabuconfig.yaml"
SITEMAPS_FILE = DATA_DIR / "sitemaps.yaml"
REPAIRED_SITEMAPS_FILE = DATA_DIR / "repaired_sitemaps.yaml"

ORG = "eco"  # implementation_network.orgname of data/nabuconfig.yaml: the graph URN namespace
GONE_MARKER = "/gone/"
SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class SitemapError(Exception):
    """A source's sitemap cannot be read: the harvest of that source fails."""


@dataclass(frozen=True)
class SampleSource:
    """One entry of a gleaner config's ``sources`` list (the fields the sample harvest uses)."""

    name: str
    url: str
    propername: str
    domain: str
    active: bool
    headless: bool
    identifiertype: str


@dataclass(frozen=True)
class SummonedDoc:
    """One JSON-LD document as gleaner stores it: ``summoned/{source}/{sha}.jsonld``."""

    url: str
    sha: str
    body: bytes


def parse_sources(config_text: str) -> dict[str, SampleSource]:
    """The sources of a gleaner config, by name."""
    config = yaml.safe_load(config_text) or {}
    sources: dict[str, SampleSource] = {}
    for entry in config.get("sources") or []:
        if not entry or not entry.get("name"):
            continue
        active = entry.get("active", True)
        sources[entry["name"]] = SampleSource(
            name=entry["name"],
            url=str(entry.get("url") or ""),
            propername=str(entry.get("propername") or entry["name"]),
            domain=str(entry.get("domain") or ""),
            active=active is True or str(active).lower() == "true",
            headless=str(entry.get("headless")).lower() == "true",
            identifiertype=str(entry.get("identifiertype") or "identifiersha"),
        )
    return sources


def sample_sources() -> dict[str, SampleSource]:
    """The sources of the packaged sample gleaner config, by name."""
    return parse_sources(GLEANER_CONFIG_FILE.read_text(encoding="utf-8"))


def active_source_names() -> list[str]:
    """Names of the active sample sources: the partitions of the harvest job."""
    return sorted(name for name, source in sample_sources().items() if source.active)


@cache
def _sitemaps() -> dict[str, str]:
    loaded: dict[str, str] = yaml.safe_load(SITEMAPS_FILE.read_text(encoding="utf-8"))
    return loaded


@cache
def _repaired_sitemaps() -> dict[str, str]:
    loaded: dict[str, str] = yaml.safe_load(REPAIRED_SITEMAPS_FILE.read_text(encoding="utf-8"))
    return loaded


def repaired_sitemap(name: str) -> str:
    """A well-formed sitemap for source ``name``: its repaired one, else the one it ships.

    KeyError for a name that has neither.
    """
    return _repaired_sitemaps().get(name) or _sitemaps()[name]


def truncated_sitemap(name: str) -> str:
    """``name``'s well-formed sitemap cut before its last ``</url>``: XML that never parses."""
    return repaired_sitemap(name).rsplit("</url>", 1)[0]


def sitemap_urls(source: SampleSource, text: str | None = None) -> list[str]:
    """The unique ``<loc>`` URLs of the source's sitemap, in order.

    ``text`` is the sitemap XML the source serves now (an override); None reads the packaged
    one. Raises SitemapError when the source serves no sitemap or its XML does not parse.
    """
    if text is None:
        text = _sitemaps().get(source.name)
    if text is None:
        raise SitemapError(f"source: {source.name} bad url: {source.url}: no sitemap answers there")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise SitemapError(
            f"source: {source.name} bad sitemap: {source.url} is not valid sitemap XML ({exc})"
        ) from exc
    urls: list[str] = []
    for loc in root.iter(f"{_SITEMAP_NS}loc"):
        url = (loc.text or "").strip()
        if url and url not in urls:
            urls.append(url)
    if not urls:
        raise SitemapError(f"source: {source.name} bad sitemap: {source.url} lists no URLs")
    return urls


def is_gone(url: str) -> bool:
    """Whether the page at ``url`` answers 404 when summoned."""
    return GONE_MARKER in url


def summon_doc(source: SampleSource, url: str, index: int) -> SummonedDoc:
    """The JSON-LD document the page at ``url`` carries; sha is the sha1 of the stored bytes."""
    seed = int(hashlib.sha1(url.encode("utf-8")).hexdigest()[:8], 16)
    doc: dict[str, Any] = {
        "@context": {"@vocab": SCHEMA},
        "@type": "Dataset",
        "@id": url,
        "name": f"{source.propername} dataset {index + 1}",
        "description": f"Sample dataset {index + 1} published by {source.propername}.",
        "url": url,
        "identifier": f"{source.name}-{seed % 100000:05d}",
        "keywords": ["sample", source.name],
        "spatialCoverage": {
            "@type": "Place",
            "geo": {
                "@type": "GeoCoordinates",
                "latitude": round((seed % 18000) / 100 - 90, 2),
                "longitude": round((seed // 18000 % 36000) / 100 - 180, 2),
            },
        },
        "distribution": {
            "@type": "DataDownload",
            "contentUrl": f"{url.rstrip('/')}/data.csv",
            "encodingFormat": "text/csv",
        },
    }
    body = json.dumps(doc, indent=2).encode("utf-8")
    return SummonedDoc(url=url, sha=hashlib.sha1(body).hexdigest(), body=body)


def graph_urn(source: str, sha: str) -> str:
    """The named graph of a summoned document: ``urn:gleaner.io:{org}:{source}:data:{sha}``."""
    return f"urn:gleaner.io:{ORG}:{source}:data:{sha}"


def _iri(value: str) -> str:
    return "<" + value.replace(">", "%3E").replace(" ", "%20") + ">"


def _literal(value: object) -> str:
    if isinstance(value, float):
        return f'"{value}"^^<http://www.w3.org/2001/XMLSchema#double>'
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def doc_quads(source: str, sha: str, body: bytes) -> list[str]:
    """N-quad lines for one summoned document (the JSON-LD shape ``summon_doc`` writes).

    Nested objects become blank nodes labelled after the document's sha; each ``@type`` becomes
    an rdf:type to schema.org; every quad is in the document's named graph.
    """
    graph = _iri(graph_urn(source, sha))
    lines: list[str] = []
    counter = iter(range(1_000_000))

    def emit(node: dict[str, Any], subject: str) -> None:
        for key, value in node.items():
            if key in ("@context", "@id"):
                continue
            predicate = _iri(RDF_TYPE) if key == "@type" else _iri(SCHEMA + key)
            for item in value if isinstance(value, list) else [value]:
                if key == "@type":
                    obj = _iri(SCHEMA + str(item))
                elif isinstance(item, dict):
                    obj = f"_:b{sha[:12]}n{next(counter)}"
                    emit(item, obj)
                else:
                    obj = _literal(item)
                lines.append(f"{subject} {predicate} {obj} {graph} .")

    doc = json.loads(body)
    emit(doc, _iri(doc["@id"]) if "@id" in doc else f"_:b{sha[:12]}root")
    return lines
