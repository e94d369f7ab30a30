"""File copy over SSH: scpsend and scprecv."""

from __future__ import annotations
