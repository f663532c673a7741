"""Helpers for the client unit tests: botocore errors built by hand, no network."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


def client_error(
    code: str, message: str = "", status: int = 400, operation: str = "GetObject"
) -> ClientError:
    """A ClientError shaped like the ones botocore raises for an S3 error answer."""
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, operation)
