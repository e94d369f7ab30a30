"""TTL array values. Integers are Python ints kept in 32-bit range; strings are bytes."""

from __future__ import annotations


class IntArray(list):
    """An ``intdim`` array: a fixed-size list of integers."""

    type_name = "integer array"


class StrArray(list):
    """A ``strdim`` array: a fixed-size list of byte strings."""

    type_name = "string array"
