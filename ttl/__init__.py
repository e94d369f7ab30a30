"""ttlrun: run Tera Term macros (TTL) without a Windows desktop."""

__version__ = "0.1.0"
