"""A small validating reader over parsed YAML that collects every problem with its path.

Validation never stops at the first error: a data engineer fixing a settings file wants the
whole list at once, each entry naming the field (``environments.prod.object_store.endpoint``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

SECRET_REF_RE = re.compile(r"^\$\{(?P<var>[A-Za-z_][A-Za-z0-9_]*)\}$")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class SecretRef:
    """A reference to an environment variable holding a secret; the value is never stored."""

    var: str
    where: str

    def __str__(self) -> str:
        return "${" + self.var + "}"


class Reader:
    """Reads one mapping at ``path``, recording problems instead of raising."""

    def __init__(self, data: Any, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        self.seen: set[str] = set()
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            self.problem("", f"expected a mapping, got {_kind(data)}")
            data = {}
        self.data: Mapping[str, Any] = data

    def where(self, key: str) -> str:
        """The dotted path of ``key`` below this mapping."""
        if not key:
            return self.path or "(root)"
        return f"{self.path}.{key}" if self.path else key

    def problem(self, key: str, message: str) -> None:
        """Record a problem at ``key``."""
        self.problems.append(f"{self.where(key)}: {message}")

    def raw(self, key: str) -> Any:
        """The value at ``key`` (None when absent), marking the key as known."""
        self.seen.add(key)
        return self.data.get(key)

    def child(self, key: str) -> Reader:
        """A reader for the mapping at ``key`` (an empty one when absent)."""
        return Reader(self.raw(key), self.where(key), self.problems)

    def has(self, key: str) -> bool:
        """Whether ``key`` is present (and not null)."""
        return self.data.get(key) is not None

    def string(self, key: str, default: str | None = None, *, required: bool = False) -> str:
        """A non-empty string; a required one that is missing is a problem."""
        value = self.raw(key)
        if value is None:
            if required:
                self.problem(key, "missing")
            return default or ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(key, f"expected a string, got {_kind(value)}")
            return default or ""
        text = str(value).strip()
        if SECRET_REF_RE.match(text):
            self.problem(key, "environment references are only allowed in secret fields")
        if not text and required:
            self.problem(key, "must not be empty")
        return text

    def url(self, key: str, *, required: bool = True, default: str = "") -> str:
        """An http(s) URL without credentials in it."""
        value = self.string(key, default, required=required)
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.problem(key, "not a URL (expected http://host[:port][/path] or https://...)")
        elif parts.username or parts.password:
            self.problem(key, "must not contain credentials: use the secret fields")
        return value.rstrip("/")

    def integer(self, key: str, default: int, *, minimum: int | None = None) -> int:
        """An integer (not a bool), optionally bounded below."""
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, f"expected an integer, got {_kind(value)}")
            return default
        if minimum is not None and value < minimum:
            self.problem(key, f"must be at least {minimum}")
            return default
        return value

    def number(self, key: str, default: float, *, minimum: float = 0.0) -> float:
        """A non-negative number."""
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(key, f"expected a number, got {_kind(value)}")
            return default
        if value < minimum:
            self.problem(key, f"must be at least {minimum}")
            return default
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        """A boolean; the strings 'true'/'false' (any case) are accepted as in gleaner configs."""
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self.problem(key, f"expected true or false, got {_kind(value)}")
        return default

    def choice(self, key: str, options: tuple[str, ...], default: str) -> str:
        """One of ``options``."""
        value = self.string(key, default)
        if value not in options:
            self.problem(key, f"must be one of {', '.join(options)} (got {value!r})")
            return default
        return value

    def secret(self, key: str, *, required: bool = False) -> SecretRef | None:
        """A ``${VAR}`` reference; a literal value is refused so secrets stay out of the file."""
        value = self.raw(key)
        if value is None:
            if required:
                self.problem(key, "missing (write a reference such as ${MY_SECRET})")
            return None
        match = SECRET_REF_RE.match(str(value).strip()) if isinstance(value, str) else None
        if not match:
            # Never echo the value: it may be the secret itself.
            self.problem(key, "secrets are never written in the file: use ${ENV_VAR} (value ****)")
            return None
        return SecretRef(match.group("var"), self.where(key))

    def url_or_secret(self, key: str) -> str | SecretRef | None:
        """A URL written plainly or as a ``${VAR}`` reference (webhook URLs often embed tokens)."""
        value = self.data.get(key)
        if isinstance(value, str) and SECRET_REF_RE.match(value.strip()):
            return self.secret(key)
        return self.url(key, required=False) or None

    def string_list(self, key: str) -> tuple[str, ...]:
        """A list of non-empty strings (a single string is accepted as a one-item list)."""
        value = self.raw(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.problem(key, "expected a list of strings")
            return ()
        return tuple(value)

    def finish(self) -> None:
        """Report keys that were never read: almost always a typo."""
        for key in self.data:
            if key not in self.seen:
                self.problem(str(key), "unknown key")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)
