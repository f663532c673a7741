"""The alerting domain: the alert sensor of each environment and its alert history asset."""
