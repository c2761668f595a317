"""Type stubs of the native module (``machinekey._machinekey``); import ``machinekey``."""

import os
from typing import IO, Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

_Value = Union[str, bytes]
_Path = Union[str, "os.PathLike[str]"]
_Source = Union[str, "os.PathLike[str]", IO[str], IO[bytes]]

__version__: str

class Error(Exception):
    """Base class of every error machinekey raises (wrong argument types raise TypeError)."""

class InvalidInput(Error, ValueError):
    """Malformed Base64, hex or XML, a bad generator, an argument ASP.NET rejects, input over the size limit."""

class ValidationFailed(Error):
    """The value does not validate under these keys and purposes (one opaque error)."""

class KeyNotFound(Error, LookupError):
    """The key a Data Protection value names is not in the key ring given."""

class Expired(Error):
    """A ticket or time-limited payload validated but has expired."""

class FileError(Error, OSError):
    """A file could not be read (missing, unreadable, a closed file object)."""

class KeyList:
    """A list of <machineKey> pairs prepared for auditing; immutable, thread-safe."""
    @staticmethod
    def builtin() -> KeyList: ...
    @staticmethod
    def load(source: _Source, *, builtin: bool = False) -> KeyList: ...
    @staticmethod
    def from_text(text: _Value, name: str = "<text>", *, builtin: bool = False) -> KeyList: ...
    def __len__(self) -> int: ...
    @property
    def report(self) -> Dict[str, Any]: ...
    @property
    def name(self) -> str: ...

class Finding:
    """A verified match; repr() shows key fingerprints only."""
    @property
    def kind(self) -> str: ...
    @property
    def validation_key(self) -> Optional[str]: ...
    @property
    def decryption_key(self) -> Optional[str]: ...
    @property
    def fingerprints(self) -> Optional[Dict[str, str]]: ...
    @property
    def origin(self) -> Optional[str]: ...
    @property
    def index(self) -> Optional[int]: ...
    @property
    def validation(self) -> Optional[str]: ...
    @property
    def decryption(self) -> Optional[str]: ...
    @property
    def mode(self) -> Optional[str]: ...
    @property
    def app_path(self) -> Optional[str]: ...
    @property
    def isolate_apps(self) -> bool: ...
    @property
    def view_state_user_key(self) -> Optional[str]: ...
    @property
    def payload(self) -> Optional[bytes]: ...
    @property
    def header(self) -> Optional[str]: ...
    @property
    def gadgets(self) -> List[Dict[str, Any]]: ...
    @property
    def ticket(self) -> Optional[Dict[str, Any]]: ...
    @property
    def data_protection(self) -> Optional[Dict[str, Any]]: ...
    def to_dict(self, *, include_keys: bool = False) -> Dict[str, Any]: ...

class BatchEntry:
    """One result of audit_many, in input order."""
    index: int
    id: Any
    finding: Optional[Finding]
    error: Optional[str]
    message: Optional[str]
    label: Optional[str]
    source: Optional[str]
    data_protection: Optional[Dict[str, Any]]
    gadgets: List[Dict[str, Any]]
    @property
    def found(self) -> bool: ...
    def __bool__(self) -> bool: ...

class BatchAudit(Iterator[BatchEntry]):
    def __iter__(self) -> BatchAudit: ...
    def __next__(self) -> BatchEntry: ...

def audit(
    value: _Value,
    *,
    kind: str = "viewstate",
    generator: Union[str, int, None] = None,
    url: Optional[str] = None,
    user_keys: Optional[Iterable[str]] = None,
    purposes: Optional[Iterable[str]] = None,
    keys: Optional[KeyList] = None,
    app_names: Optional[Iterable[str]] = None,
) -> Optional[Finding]:
    """Which known key protects `value` (kind: viewstate, eventvalidation, cookie, resource,
    protected, data_protection); None when no key of the list does."""

def audit_many(
    values: Iterable[Union[_Value, Mapping[str, Any]]],
    *,
    kind: str = "viewstate",
    generator: Union[str, int, None] = None,
    url: Optional[str] = None,
    user_keys: Optional[Iterable[str]] = None,
    purposes: Optional[Iterable[str]] = None,
    keys: Optional[KeyList] = None,
    group: int = 256,
) -> BatchAudit: ...

class ViewState:
    """A ViewState or EventValidation payload, its tree and its gadgets."""
    @property
    def payload(self) -> bytes: ...
    @property
    def tree(self) -> Any: ...
    @property
    def gadgets(self) -> List[Dict[str, Any]]: ...
    @property
    def trailer_len(self) -> int: ...
    @property
    def verified(self) -> bool: ...

def inspect_viewstate(value: _Value) -> ViewState: ...
def generator(path: str, app_path: str = "/") -> str: ...

class MachineKey:
    """One application's keys; immutable, thread-safe, keys redacted in repr()."""
    def __init__(
        self,
        validation_key: str,
        decryption_key: str,
        *,
        validation: str = "SHA1",
        decryption: str = "Auto",
        compatibility_mode: str = "Framework20SP1",
        app_path: str = "/",
        app_id: Optional[str] = None,
    ) -> None: ...
    @staticmethod
    def from_web_config(source: _Source, *, app_path: str = "/", app_id: Optional[str] = None) -> MachineKey: ...
    def protect(self, data: _Value, *purposes: str) -> bytes: ...
    def unprotect(self, data: _Value, *purposes: str) -> bytes: ...
    def encode(self, data: _Value, protection: str = "All") -> str: ...
    def decode(self, text: _Value, protection: str = "All") -> bytes: ...
    def decode_viewstate(
        self,
        value: _Value,
        path: Optional[str] = None,
        app_path: str = "/",
        *,
        generator: Union[str, int, None] = None,
        user_key: Optional[str] = None,
    ) -> ViewState: ...
    def decode_event_validation(
        self,
        value: _Value,
        path: Optional[str] = None,
        app_path: str = "/",
        *,
        generator: Union[str, int, None] = None,
        user_key: Optional[str] = None,
    ) -> ViewState: ...
    def encode_viewstate(
        self,
        payload: _Value,
        path: Optional[str] = None,
        app_path: str = "/",
        *,
        generator: Union[str, int, None] = None,
        user_key: Optional[str] = None,
        encrypt: bool = False,
    ) -> str: ...
    def decrypt_forms_ticket(
        self, cookie: _Value, *, protection: str = "All", check_expiry: bool = False
    ) -> Dict[str, Any]: ...
    def encrypt_forms_ticket(
        self,
        name: str,
        *,
        user_data: str = "",
        minutes: int = 30,
        persistent: bool = False,
        cookie_path: str = "/",
        protection: str = "All",
    ) -> str: ...
    def decrypt_resource(self, token: _Value, kind: str = "WebResource") -> str: ...
    def encrypt_resource(self, text: str, kind: str = "WebResource") -> str: ...
    def decode_owin_cookie(self, value: _Value, authentication_type: str = "ApplicationCookie") -> Dict[str, Any]: ...
    @property
    def compatibility_mode(self) -> str: ...

class KeyRing:
    """An ASP.NET Core Data Protection key ring; immutable, thread-safe."""
    @staticmethod
    def load(path: _Path) -> KeyRing: ...
    @staticmethod
    def from_xml(xml: Union[_Value, IO[str], IO[bytes]], name: str = "<xml>") -> KeyRing: ...
    def protect(self, data: _Value, *purposes: str) -> bytes: ...
    def unprotect(self, data: _Value, *purposes: str) -> bytes: ...
    def decode_cookie(self, value: _Value, scheme: str = "Cookies", *, app_name: Optional[str] = None) -> Dict[str, Any]: ...
    @property
    def keys(self) -> List[str]: ...
    def __len__(self) -> int: ...

def read_config(
    app: _Source,
    *,
    app_path: str = "/",
    machine_config: Optional[_Source] = None,
    root_web_config: Optional[_Source] = None,
    site_web_config: Optional[_Source] = None,
    framework: str = "4",
    keys: Optional[KeyList] = None,
) -> Dict[str, Any]: ...

def compare(*nodes: Union[_Source, Mapping[str, Any]], framework: str = "4") -> List[Dict[str, Any]]: ...

def carve(
    source: Any,
    *,
    url: Optional[str] = None,
    name: str = "<input>",
    forms_cookie_name: str = ".ASPXAUTH",
) -> List[Dict[str, Any]]: ...
