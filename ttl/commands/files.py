"""File and folder commands of TTL."""

from __future__ import annotations
