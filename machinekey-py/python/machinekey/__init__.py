"""ASP.NET ``<machineKey>`` and Data Protection cryptography, from the Rust library
``machinekey``, in-process.

Start with :func:`audit` (which known key protects a ViewState, a cookie, a token) and
:class:`KeyList` (a key list loaded once and reused); :class:`MachineKey` for one
application's keys (ViewState, forms tickets, ``MachineKey.Protect``), :class:`KeyRing` for
ASP.NET Core, :func:`read_config` and :func:`compare` for web.config files, :func:`carve`
for pages and responses, and :mod:`machinekey.badsecrets` as a drop-in for badsecrets'
ASP.NET modules. Every call runs in Rust with the GIL released, and every object is safe to
share between threads.

>>> import machinekey
>>> f = machinekey.audit("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==", generator="EDD8C9AE")
>>> f.validation, f.mode, f.origin
('SHA1', 'legacy_signed', 'built-in:146')
"""

from ._machinekey import (
    BatchAudit,
    BatchEntry,
    Error,
    Expired,
    FileError,
    Finding,
    InvalidInput,
    KeyList,
    KeyNotFound,
    KeyRing,
    MachineKey,
    ValidationFailed,
    ViewState,
    __version__,
    audit,
    audit_many,
    carve,
    compare,
    generator,
    inspect_viewstate,
    read_config,
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
    "KeyRing",
    "MachineKey",
    "ValidationFailed",
    "ViewState",
    "__version__",
    "audit",
    "audit_many",
    "carve",
    "compare",
    "generator",
    "inspect_viewstate",
    "read_config",
]
