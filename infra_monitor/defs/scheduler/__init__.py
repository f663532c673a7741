"""The scheduler domain: run history, job metrics and the filtered run export."""
