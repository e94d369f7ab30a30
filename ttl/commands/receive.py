"""Receive commands beyond wait, waitln and recvln."""

from __future__ import annotations
