"""Password commands: getpassword, setpassword and their AES forms."""

from __future__ import annotations
