"""Settings validation: every problem named by its path, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_monitor.settings import (
    EXAMPLE_SETTINGS,
    SettingsError,
    load_settings,
    parse_settings,
    resolve_secret,
    settings_path,
    validate_settings_file,
)

VALID = """
environments:
  prod:
    display_name: Production
    object_store:
      endpoint: https://minio.example.org
      bucket: gleaner
      access_key: ${PROD_S3_ACCESS_KEY}
      secret_key: ${PROD_S3_SECRET_KEY}
    scheduler:
      graphql_url: https://sched.example.org/graphql
      refresh_cron: "*/5 * * * *"
    portainer:
      url: https://portainer.example.org
      endpoint_id: 2
      api_key: ${PROD_PORTAINER_API_KEY}
    triplestore:
      url: https://graph.example.org/blazegraph
      kind: blazegraph
      namespaces:
        earthcube: https://graph.example.org/blazegraph/namespace/earthcube/sparql
    alerts:
      failed_runs: {per_source: 4}
      channels:
        slack_webhook_url: ${SLACK_URL}
        webhook_url: http://hooks.example.org/alert
        email:
          host: smtp.example.org
          sender: monitor@example.org
          recipients: [ops@example.org]
          username: monitor
          password: ${SMTP_PASSWORD}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(SettingsError) as info:
        parse_settings(text, "settings.yaml")
    return info.value.problems


def test_valid_settings_resolve_defaults() -> None:
    settings = parse_settings(VALID, "settings.yaml")
    prod = settings.environment("prod")
    assert prod.display_name == "Production"
    assert prod.object_store.gleaner_config == "scheduler/configs/gleanerconfig.yaml"
    assert prod.object_store.tenant_config == "scheduler/configs/tenant.yaml"
    assert prod.object_store.legacy_tenant_config == "scheduler/configs/tennant.yaml"
    assert prod.scheduler.ui_url == "https://sched.example.org"
    assert prod.scheduler.refresh_cron == "*/5 * * * *"
    assert prod.scheduler.backfill_days == 30
    assert prod.output.bucket == "gleaner"
    assert prod.output.key("inventory", "sources.json") == "infra_monitor/inventory/sources.json"
    assert prod.portainer is not None and prod.portainer.endpoint_id == 2
    assert prod.triplestore is not None and set(prod.triplestore.namespaces) == {"earthcube"}
    assert prod.alerts.failed_runs.per_source == 4
    assert prod.alerts.failed_runs.overall == 5
    assert prod.alerts.email is not None and prod.alerts.email.recipients == ("ops@example.org",)
    assert str(prod.object_store.secret_key) == "${PROD_S3_SECRET_KEY}"


def test_every_problem_is_named_by_its_path() -> None:
    text = """
environments:
  prod:
    object_store:
      endpoint: minio.example.org
      bucket: gleaner
      access_key: ${KEY}
      secret_key: ${SECRET}
      regoin: us-east-1
    scheduler:
      graphql_url: ftp://sched
    portainer:
      url: https://portainer
      endpoint_id: two
      api_key: ${PORTAINER}
  bad-name: {}
"""
    assert problems_of(text) == [
        "environments.prod.object_store.endpoint: not a URL "
        "(expected http://host[:port][/path] or https://...)",
        "environments.prod.object_store.regoin: unknown key",
        "environments.prod.scheduler.graphql_url: not a URL "
        "(expected http://host[:port][/path] or https://...)",
        "environments.prod.portainer.endpoint_id: expected an integer, got a string",
        "environments.bad-name: environment names are letters, digits and _",
    ]


def test_a_literal_secret_is_refused_and_never_echoed() -> None:
    text = VALID.replace("${PROD_S3_SECRET_KEY}", "wJalrXUtnFEMI-very-secret")
    problems = problems_of(text)
    assert problems == [
        "environments.prod.object_store.secret_key: secrets are never written in the file: "
        "use ${ENV_VAR} (value ****)"
    ]
    assert "wJalrXUtnFEMI" not in "\n".join(problems)


def test_credentials_inside_a_url_are_refused() -> None:
    text = VALID.replace("https://minio.example.org", "https://user:pw@minio.example.org")
    assert problems_of(text) == [
        "environments.prod.object_store.endpoint: must not contain credentials: "
        "use the secret fields"
    ]


def test_anonymous_access_needs_no_keys_but_keys_are_otherwise_required() -> None:
    base = """
environments:
  dev:
    object_store: {endpoint: "http://127.0.0.1:9000", bucket: b%s}
    scheduler: {graphql_url: "http://127.0.0.1:3000/graphql"}
"""
    assert problems_of(base % "") == [
        f"environments.dev.object_store.{key}: missing (write a reference such as ${{MY_SECRET}})"
        for key in ("access_key", "secret_key")
    ]
    settings = parse_settings(base % ", anonymous: true", "s.yaml")
    assert settings.environment("dev").object_store.anonymous is True


def test_invalid_yaml_names_line_and_column() -> None:
    assert problems_of("environments:\n  prod: [1,\n") == [
        "(yaml) line 3, column 1: expected the node content, but found '<stream end>'"
    ]


def test_empty_file_needs_an_environment() -> None:
    assert problems_of("") == ["environments: at least one environment is required"]


def test_resolve_secret_names_the_variable_not_a_value() -> None:
    ref = parse_settings(VALID, "s.yaml").environment("prod").object_store.secret_key
    assert resolve_secret(ref, {"PROD_S3_SECRET_KEY": "abc123"}) == "abc123"
    with pytest.raises(SettingsError) as info:
        resolve_secret(ref, {})
    assert info.value.problems == [
        "environments.prod.object_store.secret_key: environment variable "
        "PROD_S3_SECRET_KEY is not set"
    ]


def test_removed_environment_asks_for_a_reload() -> None:
    with pytest.raises(SettingsError, match="press Reload definitions"):
        parse_settings(VALID, "s.yaml").environment("staging")


def test_settings_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFRA_MONITOR_CONFIG", raising=False)
    assert settings_path() == EXAMPLE_SETTINGS
    monkeypatch.setenv("INFRA_MONITOR_CONFIG", str(tmp_path / "s.yaml"))
    assert settings_path() == tmp_path / "s.yaml"
    assert settings_path("explicit.yaml") == Path("explicit.yaml")


def test_bundled_example_is_valid_and_missing_file_is_a_clear_problem(tmp_path: Path) -> None:
    assert validate_settings_file(EXAMPLE_SETTINGS) == []
    assert set(load_settings(EXAMPLE_SETTINGS).environments) == {"prod", "dev"}
    assert validate_settings_file(tmp_path / "nope.yaml") == [
        "cannot read the file: No such file or directory"
    ]
