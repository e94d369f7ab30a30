"""Miscellaneous commands of TTL."""

from __future__ import annotations
