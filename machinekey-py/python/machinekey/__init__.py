"""ASP.NET ``<machineKey>`` and Data Protection cryptography, from the Rust library
``machinekey``, in-process.

Start with :func:`audit` (which known key protects a ViewState, a cookie, a token) and
:class:`KeyList` (a key list loaded once and reused). Every call runs in Rust with the GIL
released, and every object is safe to share between threads.

>>> import machinekey
>>> f = machinekey.audit("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==", generator="EDD8C9AE")
>>> f.validation, f.mode
('SHA1', 'legacy_signed')
"""

from ._machinekey import (  # noqa: F401
    BatchAudit,
    BatchEntry,
    Error,
    Expired,
    FileError,
    Finding,
    InvalidInput,
    KeyList,
    KeyNotFound,
    ValidationFailed,
    __version__,
    audit,
    audit_many,
)

__all__ = [
    "BatchAudit",
    "BatchEntry",
    "Error",
    "Expired",
    "FileError",
    "Finding",
    "InvalidInput",
    "KeyList",
    "KeyNotFound",
    "ValidationFailed",
    "__version__",
    "audit",
    "audit_many",
]
