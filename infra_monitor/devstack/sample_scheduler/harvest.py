"""The steps of one sample harvest, Dagster-free: what gleaner and nabu would leave in the bucket.

Every mode step (gleaner, prune, prov, orgs, release) runs inside ``Harvest.mode_step``, which
optionally starts a Swarm service for it and always uploads its container log and runlogs tar to
``scheduler/logs/`` when it ends, also when it fails (as the real scheduler does).
A source's sitemap is the bucket's override object when one exists (``SITEMAP_OVERRIDE_KEY``:
an operator fixed or broke the source at run time), else the packaged one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Protocol

import requests
from botocore.exceptions import BotoCoreError, ClientError

from infra_monitor.devstack.sample_scheduler import reports, swarm
from infra_monitor.devstack.sample_scheduler.bucket import (
    SITEMAP_OVERRIDE_KEY,
    HarvestSettings,
    SampleBucket,
    log_timestamp,
    runlogs_tar,
)
from infra_monitor.devstack.sample_scheduler.sources import (
    GLEANER_CONFIG_FILE,
    NABU_CONFIG_FILE,
    TENANT_FILE,
    SampleSource,
    SitemapError,
    doc_quads,
    is_gone,
    parse_sources,
    sitemap_urls,
    summon_doc,
)
from infra_monitor.gleaner import facts
from infra_monitor.redact import redact_url

SPARQL_TIMEOUT = (5.0, 30.0)
_QUAD_TERMS = re.compile(r"^(\S+) (\S+) (.+) (<[^>]*>) \.$")


def seed_configs(settings: HarvestSettings) -> list[str]:
    """Create the bucket if needed and write the sample gleaner, tenant and nabu configs to it."""
    bucket = SampleBucket(settings)
    bucket.ensure_exists()
    written = []
    for key, path in (
        (facts.GLEANER_CONFIG_PATH, GLEANER_CONFIG_FILE),
        (facts.TENANT_CONFIG_PATH, TENANT_FILE),
        (facts.NABU_CONFIG_PATH, NABU_CONFIG_FILE),
    ):
        bucket.put(key, path.read_bytes(), "application/x-yaml")
        written.append(key)
    return written


class HarvestError(Exception):
    """A harvest step failed; the message says which source and why."""


class Log(Protocol):
    """The logger a step reports to (Dagster's context.log or a logging.Logger)."""

    def info(self, msg: str) -> None:
        """Log at info level."""

    def warning(self, msg: str) -> None:
        """Log at warning level."""


class ContainerLog:
    """The lines a gleaner/nabu container prints, in logrus text format."""

    def __init__(self) -> None:
        """Start with no lines."""
        self.lines: list[str] = []

    def add(self, level: str, msg: str) -> None:
        """Append one line at ``level`` (info, warning, error)."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        escaped = msg.replace("\\", "\\\\").replace('"', '\\"')
        self.lines.append(f'time="{stamp}" level={level} msg="{escaped}"')

    def text(self) -> str:
        """The whole log."""
        return "\n".join(self.lines) + "\n"


class Harvest:
    """One source's harvest against the bucket (and optional Docker host and SPARQL store)."""

    def __init__(self, settings: HarvestSettings, log: Log) -> None:
        """Bind the settings and the step logger."""
        self.settings = settings
        self.log = log
        self.bucket = SampleBucket(settings)

    # --- configuration ----------------------------------------------------------------------
    def source(self, name: str) -> SampleSource:
        """The source's entry in the gleaner config in the bucket (written at seed time)."""
        try:
            config = self.bucket.get_text(facts.GLEANER_CONFIG_PATH)
        except (BotoCoreError, ClientError) as exc:
            raise HarvestError(
                f"cannot read {facts.GLEANER_CONFIG_PATH} from bucket {self.bucket.name}: {exc}"
            ) from exc
        found = parse_sources(config).get(name)
        if found is None:
            raise HarvestError(f"source {name} is not in {facts.GLEANER_CONFIG_PATH}")
        return found

    def sitemap_override(self, name: str) -> str | None:
        """The sitemap XML an operator published for ``name`` in the bucket; None if none."""
        try:
            return self.bucket.get_sitemap_override(name)
        except (BotoCoreError, ClientError) as exc:
            key = SITEMAP_OVERRIDE_KEY.format(source=name)
            raise HarvestError(f"cannot read {key} from bucket {self.bucket.name}: {exc}") from exc

    def sitemap_urls(self, source: SampleSource) -> list[str]:
        """The URLs of the sitemap ``source`` serves now (the override, else the packaged one).

        Raises SitemapError when that sitemap is broken.
        """
        return sitemap_urls(source, self.sitemap_override(source.name))

    def validate_sitemap(self, name: str) -> list[str]:
        """The source's sitemap URLs; HarvestError naming the source and sitemap when broken."""
        source = self.source(name)
        override = self.sitemap_override(name)
        if override is not None:
            key = SITEMAP_OVERRIDE_KEY.format(source=name)
            self.log.info(f"{name}: sitemap override {key} in bucket {self.bucket.name}")
        try:
            urls = sitemap_urls(source, override)
        except SitemapError as exc:
            raise HarvestError(str(exc)) from exc
        self.log.info(f"{name}: sitemap {source.url} lists {len(urls)} urls")
        return urls

    # --- mode steps -------------------------------------------------------------------------
    @contextmanager
    def mode_step(self, name: str, mode: str) -> Iterator[ContainerLog]:
        """Run one mode step as service ``sch_{name}_{mode}``; upload its logs when it ends."""
        stamp = log_timestamp()
        container = ContainerLog()
        host = self.settings.docker_host
        keep = mode == "gleaner" and name in self.settings.keep_services
        started = False
        if host:
            outcome = swarm.start_service(host, name, mode, keep=keep)
            started = outcome.ok
            if not outcome.ok:
                self.log.warning(f"docker: {outcome.message} (harvest goes on without it)")
        try:
            yield container
        except Exception as exc:
            container.add("error", str(exc))
            raise
        finally:
            self._upload_logs(name, mode, stamp, container)
            if host and started and not keep:
                outcome = swarm.remove_service(host, name, mode)
                if not outcome.ok:
                    self.log.warning(f"docker: {outcome.message}")

    def _upload_logs(self, name: str, mode: str, stamp: str, container: ContainerLog) -> None:
        program = "gleaner" if mode == "gleaner" else "nabu"
        member = f"{program}-{stamp.replace('_', '-')}.log"
        keys = [
            self.bucket.put_service_log(name, mode, stamp, container.text()),
            self.bucket.put_runlogs(name, mode, stamp, runlogs_tar(member, container.text())),
        ]
        self.log.info(f"Log uploaded: {', '.join(keys)}")

    def summon(self, name: str) -> dict[str, int]:
        """gleaner: summon every sitemap page's JSON-LD into ``summoned/{name}/{sha}.jsonld``."""
        source = self.source(name)
        with self.mode_step(name, "gleaner") as container:
            container.add("info", "EarthCube Gleaner")
            container.add("info", f"Using gleaner config file: {facts.GLEANER_CONFIG_PATH}")
            urls = self.sitemap_urls(source)
            container.add("info", f"{name} : {len(urls)} urls in sitemap {source.url}")
            summoned = failed = 0
            for index, url in enumerate(urls):
                if is_gone(url):
                    failed += 1
                    container.add("error", f"#{index} Issue with url: {url} status: 404")
                    continue
                doc = summon_doc(source, url, index)
                self.bucket.put(
                    f"{facts.SUMMONED_PREFIX}{name}/{doc.sha}.jsonld",
                    doc.body,
                    "application/ld+json",
                    {
                        "url": url,
                        "uniqueid": doc.sha,
                        "identifiertype": source.identifiertype,
                        "matchedpath": "$['@id']",
                    },
                )
                summoned += 1
                container.add("info", f"#{index} Uploaded JSON-LD {doc.sha}.jsonld from {url}")
            container.add("info", f"{name}: summoned {summoned}, failed {failed}")
        return {"sitemap_count": len(urls), "summoned_count": summoned, "failed_count": failed}

    def nabu(self, name: str, mode: str) -> int:
        """nabu prune / prov / orgs: read the source's objects under the mode's prefix."""
        prefix = {
            "prune": f"{facts.SUMMONED_PREFIX}{name}/",
            "prov": f"prov/{name}/",
            "orgs": "orgs/",
        }[mode]
        with self.mode_step(name, mode) as container:
            container.add("info", f"nabu {mode} --prefix {prefix}")
            count = len(self.bucket.list_objects(prefix))
            container.add("info", f"{mode}: {count} objects under {prefix}")
        return count

    def release(self, name: str) -> dict[str, int]:
        """nabu release: summoned documents as n-quads in ``graphs/latest/{name}_release.nq``."""
        with self.mode_step(name, "release") as container:
            prefix = f"{facts.SUMMONED_PREFIX}{name}/"
            container.add("info", f"nabu release --prefix {prefix}")
            lines: list[str] = []
            objects = self.bucket.list_objects(prefix)
            for obj in objects:
                sha = obj["Key"].rsplit("/", 1)[-1].removesuffix(".jsonld")
                body = self.bucket.client.get_object(Bucket=self.bucket.name, Key=obj["Key"])
                lines.extend(doc_quads(name, sha, body["Body"].read()))
            release = "\n".join(lines) + "\n" if lines else ""
            key = facts.RELEASE_GRAPH_KEY.format(source=name)
            self.bucket.put(key, release.encode("utf-8"), "application/n-quads")
            container.add("info", f"released {len(objects)} graphs, {len(lines)} quads to {key}")
            if self.settings.sparql_store_url:
                self._load_store(release, container)
        return {"graphs": len(objects), "quads": len(lines)}

    def _load_store(self, release: str, container: ContainerLog) -> None:
        url = self.settings.sparql_store_url or ""
        try:
            answer = requests.post(
                url,
                data=release.encode("utf-8"),
                headers={"Content-Type": "application/n-quads"},
                timeout=SPARQL_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise HarvestError(f"SPARQL store {redact_url(url)} unreachable: {exc}") from None
        if answer.status_code >= 300:
            raise HarvestError(f"SPARQL store {redact_url(url)} answered HTTP {answer.status_code}")
        container.add("info", f"loaded release into {redact_url(url)}")

    # --- reports ----------------------------------------------------------------------------
    def write_reports(self, name: str) -> dict[str, list[str]]:
        """Write the five report files for ``name`` under latest/ and today's folder."""
        source = self.source(name)
        now = datetime.now(UTC)
        day, yyyymmdd = now.strftime("%Y-%m-%d"), now.strftime("%Y%m%d")
        started = time.perf_counter()
        urls = self.sitemap_urls(source)
        sitemap_time = time.perf_counter() - started
        started = time.perf_counter()
        summoned = self._summoned(name)
        s3_time = time.perf_counter() - started
        started = time.perf_counter()
        quads = self._release_terms(name)
        graph_time = time.perf_counter() - started
        graph_shas = sorted({graph.strip("<>").rsplit(":", 1)[-1] for *_t, graph in quads})
        s3_report = reports.load_report_s3(
            source=name,
            sitemap=source.url,
            day=day,
            bucket=self.bucket.name,
            s3store=self.bucket.s3store,
            sitemap_urls=urls,
            summoned=summoned,
            timings=reports.Timings(sitemap_time, s3_time),
        )
        store = self.settings.sparql_store_url
        graph_report = reports.load_report_graph(
            s3_report,
            graph=redact_url(store) if store else None,
            summoned=summoned,
            graph_shas=graph_shas,
            list_time=s3_time,
            graph_time=graph_time,
        )
        triples = [(s, p, o) for s, p, o, _g in quads]
        texts = {
            "load_report_s3.json": reports.dumps(s3_report),
            "load_report_graph.json": reports.dumps(graph_report),
            "identifier_stats.json": reports.dumps(
                reports.identifier_stats(name, summoned), indent=None
            ),
            "graph_stats.json": reports.dumps(reports.graph_stats(name, day, triples), indent=4),
            "bucketutil_urls.csv": reports.bucket_urls_csv(summoned),
        }
        written = {f: self.bucket.put_report(name, f, t, yyyymmdd) for f, t in texts.items()}
        self.log.info(f"reports for {name}: {', '.join(written)} in latest/ and {yyyymmdd}/")
        return written

    def _summoned(self, name: str) -> list[reports.SummonedObject]:
        found: list[reports.SummonedObject] = []
        for obj in self.bucket.list_objects(f"{facts.SUMMONED_PREFIX}{name}/"):
            meta = self.bucket.metadata(obj["Key"])
            modified = obj["LastModified"].astimezone(UTC).replace(microsecond=0)
            found.append(
                reports.SummonedObject(
                    sha=obj["Key"].rsplit("/", 1)[-1].removesuffix(".jsonld"),
                    url=meta.get("url", ""),
                    identifiertype=meta.get("identifiertype", "filesha"),
                    matchedpath=meta.get("matchedpath"),
                    lastmodified=str(modified),
                )
            )
        return found

    def _release_terms(self, name: str) -> list[tuple[str, str, str, str]]:
        key = facts.RELEASE_GRAPH_KEY.format(source=name)
        try:
            text = self.bucket.get_text(key)
        except (BotoCoreError, ClientError) as exc:
            raise HarvestError(f"cannot read release {key}: {exc}") from exc
        terms: list[tuple[str, str, str, str]] = []
        for line in text.splitlines():
            match = _QUAD_TERMS.match(line.strip())
            if match:
                s, p, o, g = match.groups()
                terms.append((s, p, o, g))
        return terms
