"""Serial port commands."""

from __future__ import annotations
