"""Dialog commands without a desktop."""

from __future__ import annotations
