"""A drop-in for badsecrets' ASP.NET modules, running on machinekey.

badsecrets (https://github.com/blacklanternsecurity/badsecrets) checks cryptographic products
against lists of known secrets; its ASP.NET modules are the slow part of a BBOT scan. This
module offers the same classes, methods and return shapes for ViewStates, resource tokens and
forms-authentication cookies, so a script or a BBOT module switches by changing an import::

    from badsecrets.base import carve_all_modules            # before
    from machinekey.badsecrets import carve_all_modules      # after

    from badsecrets import modules_loaded                    # before
    from machinekey.badsecrets import modules_loaded         # after
    ASPNET_Viewstate = modules_loaded["aspnet_viewstate"]
    r = ASPNET_Viewstate().check_secret(viewstate, generator, url)
    # {'secret': 'validationKey: ... validationAlgo: SHA1 [encryptionKey: ... encryptionAlgo: AES]',
    #  'product': 'Viewstate: ... Generator: EDD8C9AE', 'details': 'Mode [DOTNET40]'} or None

Written from badsecrets' documented behaviour and outputs (its README and the results of its
1.3.0 release); none of its code is used. Only the ASP.NET modules are here:
``ASPNET_Viewstate``, ``ASPNET_Resource`` and ``ASPNET_FormsAuth`` (forms-authentication
cookies, which badsecrets 1.3.0 does not check). The key list is machinekey's built-in list
(the Blacklist3r list) plus ``custom_resource`` when given.

Where the shapes differ, machinekey is right and badsecrets is not:

* ``validationAlgo`` is ``AES`` or ``3DES`` for ``validation="AES"``/``"3DES"`` (badsecrets
  says ``SHA1``), and ``encryptionKey`` is given for legacy AES-128 and Framework45 3DES
  ViewStates (badsecrets cannot decrypt those and leaves it out).
* An IsolateApps key is named as listed (the ``validationKey`` of the web.config), with
  ``IsolateApps [/app]`` in ``details``; badsecrets names the modified key.
* A resource token's ``details`` name the purpose that verified; legacy tokens carry none, and
  are reported as ``AssemblyResourceLoader.WebResourceUrl`` as badsecrets reports them.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import threading
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from . import _machinekey as _mk

__all__ = [
    "ASPNET_FormsAuth",
    "ASPNET_Resource",
    "ASPNET_Viewstate",
    "BadsecretsBase",
    "CarveException",
    "LoadResourceException",
    "carve_all_modules",
    "check_all_modules",
    "hashcat_all_modules",
    "modules_loaded",
]


class LoadResourceException(Exception):
    """A ``custom_resource`` file does not exist or cannot be read."""


class CarveException(Exception):
    """``carve`` was called with arguments it cannot use."""


_lists: Dict[Optional[str], "_mk.KeyList"] = {}
_lists_lock = threading.Lock()


def _key_list(custom_resource: Optional[str]) -> "_mk.KeyList":
    """The built-in list, plus a custom file's pairs, loaded once per process."""
    found = _lists.get(custom_resource)
    if found is not None:
        return found
    with _lists_lock:
        found = _lists.get(custom_resource)
        if found is None:
            if custom_resource is None:
                found = _mk.KeyList.builtin()
            else:
                found = _mk.KeyList.load(custom_resource, builtin=True)
            _lists[custom_resource] = found
    return found


# machinekey's algorithm names as badsecrets spells them.
_VALIDATION = {
    "MD5": "MD5",
    "SHA1": "SHA1",
    "HMACSHA256": "SHA256",
    "HMACSHA384": "SHA384",
    "HMACSHA512": "SHA512",
    "AES": "AES",
    "3DES": "3DES",
}

_MODE = {
    "legacy_signed": "DOTNET40",
    "legacy_encrypted": "DOTNET40",
    "legacy_validation_wrap": "DOTNET40",
    "framework45": "DOTNET45",
}


def _secret(f: "_mk.Finding") -> str:
    secret = "validationKey: %s validationAlgo: %s" % (
        f.validation_key,
        _VALIDATION.get(f.validation or "", f.validation),
    )
    if f.decryption:
        secret += " encryptionKey: %s encryptionAlgo: %s" % (f.decryption_key, f.decryption)
    return secret


def _details(f: "_mk.Finding") -> str:
    details = "Mode [%s]" % _MODE.get(f.mode or "", f.mode)
    if f.isolate_apps:
        details += " IsolateApps [%s]" % f.app_path
    return details


class BadsecretsBase:
    """What every module shares: the key list, ``identify``, ``carve``."""

    identify_regex = re.compile(r".+")
    description = {"product": "Undefined", "secret": "Undefined", "severity": "Undefined"}
    check_secret_args = 1
    validate_carve = True
    carve_locations: Tuple[str, ...] = ("headers", "cookies", "body")

    def __init__(self, custom_resource: Optional[str] = None, **kwargs: Any) -> None:
        self.custom_resource = custom_resource
        if custom_resource and not os.path.exists(custom_resource):
            raise LoadResourceException("Custom resource [%s] does not exist" % custom_resource)
        self._keys = _key_list(custom_resource) if custom_resource else _key_list(None)

    def check_secret(self, *args: Any) -> Optional[Dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def identify(cls, product: str) -> bool:
        return bool(cls.identify_regex.match(product))

    @classmethod
    def get_description(cls) -> Dict[str, str]:
        return cls.description

    def get_hashcat_commands(self, s: str) -> None:
        """No hashcat mode exists for machineKey MACs."""
        return None

    def carve_regex(self) -> None:
        return None

    # What this module takes from a carved item: the field, and where it was found.
    _carve_field = ""
    _carve_location = "body"

    def _check_carved(self, item: Dict[str, Any], user_keys: Sequence[str]) -> Optional[Dict[str, Any]]:
        return self.check_secret(item[self._carve_field])

    def carve(
        self,
        body: Optional[str] = None,
        cookies: Optional[Mapping[str, str]] = None,
        headers: Optional[Mapping[str, str]] = None,
        http_response: Any = None,
        **kwargs: Any,
    ) -> List[Dict[str, Any]]:
        """The module's products in a response (``body``, ``cookies``, ``headers``, or an
        ``http_response`` with ``.text``, ``.headers`` and ``.cookies``): a list of
        ``SecretFound`` results (``secret``, ``product``, ``details``) and at most one
        ``IdentifyOnly`` (recognized, no known key), each with ``location`` and
        ``description``."""
        if not body and not cookies and not headers and http_response is None:
            raise CarveException("Either body/headers/cookies or http_response required")
        if http_response is not None:
            if body or cookies or headers:
                raise CarveException("Body/cookies/headers and http_response cannot both be set")
            if not all(hasattr(http_response, a) for a in ("text", "headers", "cookies")):
                raise CarveException(
                    "http_response must expose .text, .headers, and .cookies (e.g. blasthttp.Response)"
                )
            cookies = dict(http_response.cookies) or None
            headers = http_response.headers
            body = http_response.text
            if "url" not in kwargs and getattr(http_response, "url", None) is not None:
                kwargs["url"] = str(http_response.url)
        if body is not None and not isinstance(body, str):
            raise CarveException("Body argument must be type str")
        if cookies is not None and not isinstance(cookies, Mapping):
            raise CarveException("Cookies argument must be type dict")
        return _carve_modules([self], body, cookies, headers, kwargs.get("url"))


def _view_state_user_keys(cookies: Optional[Mapping[str, str]], body: Optional[str]) -> List[str]:
    """``ViewStateUserKey`` candidates a response offers: ``mono``, session and anti-XSRF
    cookies, session-id-shaped cookie values, and a ``__VIEWSTATE_KEY`` field."""
    keys = ["mono"]
    for name, value in (cookies or {}).items():
        if not value:
            continue
        if name in ("ASP.NET_SessionId", "__AntiXsrfToken", "ASPSESSIONID", "__AntiXsrfUsername") or re.match(
            r"^[a-z0-5]{24}$", value
        ):
            if value not in keys:
                keys.append(value)
    if body:
        m = re.search(r'<input[^>]+__VIEWSTATE_KEY"[^>]*\svalue="([^"]*)"', body)
        if m and m.group(1) and m.group(1) not in keys:
            keys.append(m.group(1))
    return keys


_GENERATOR = re.compile(r"^[A-Fa-f0-9]{8}$")
_URL = re.compile(r"^https?://", re.IGNORECASE)


class ASPNET_Viewstate(BadsecretsBase):
    """``__VIEWSTATE`` against the known keys: ``check_secret(viewstate, [generator], [url],
    [ViewStateUserKey])``, the optional arguments in any order, told apart by their shape
    (8 hex digits, ``http(s)://``, anything else). Legacy (``DOTNET40``) and Framework45
    (``DOTNET45``, which needs the URL) ViewStates, IsolateApps, every validation and
    decryption algorithm."""

    check_secret_args = 4
    identify_regex = re.compile(
        r"^(?:[A-Za-z0-9+\/]{4}){4,}(?:[A-Za-z0-9+\/]{4}|[A-Za-z0-9+\/]{3}=|[A-Za-z0-9+\/]{2}={2})$"
    )
    description = {"product": "ASP.NET Viewstate", "secret": "ASP.NET MachineKey", "severity": "CRITICAL"}
    carve_locations = ("body",)
    _carve_field = "viewstate"

    def carve_regex(self) -> "re.Pattern[str]":
        return re.compile(
            r'<input[^>]+__VIEWSTATE"[^>]*\svalue="([^"]+)"[\S\s]{1,262144}?'
            r'<input[^>]+?__VIEWSTATEGENERATOR"[^>]*\svalue="(\w+)"'
        )

    @staticmethod
    def _resolve_args(args: Sequence[Any]) -> Tuple[Optional[str], Optional[str], Optional[str]]:
        generator = url = user_key = None
        for arg in args:
            if not arg:
                continue
            if isinstance(arg, str) and _GENERATOR.match(arg):
                generator = arg.upper()
            elif isinstance(arg, str) and _URL.match(arg):
                url = urlsplit(arg)._replace(query="").geturl()
            else:
                user_key = arg
        return generator, url, user_key

    def check_secret(self, viewstate_B64: str, *args: Any) -> Optional[Dict[str, Any]]:
        generator, url, user_key = self._resolve_args(args)
        return self._check(viewstate_B64, generator, url, [user_key] if user_key else [], user_key)

    def _check(
        self,
        viewstate: str,
        generator: Optional[str],
        url: Optional[str],
        user_keys: Sequence[str],
        shown_user_key: Optional[str],
    ) -> Optional[Dict[str, Any]]:
        if not isinstance(viewstate, str):
            return None
        try:
            f = _mk.audit(viewstate, generator=generator, url=url, user_keys=user_keys, keys=self._keys)
        except _mk.InvalidInput:
            return None
        if f is None:
            return self._mac_disabled(viewstate)
        product = "Viewstate: %s" % viewstate
        if generator and int(generator, 16) != 0:
            product += " Generator: %s" % generator
        matched_key = f.view_state_user_key or shown_user_key
        if matched_key:
            product += " ViewStateUserKey: %s" % matched_key
        return {"secret": _secret(f), "product": product, "details": _details(f)}

    @staticmethod
    def _mac_disabled(viewstate: str) -> Optional[Dict[str, Any]]:
        """A ViewState sent without a MAC (``EnableViewStateMac=false``): no key needed."""
        try:
            raw = base64.b64decode(viewstate, validate=True)
        except (binascii.Error, ValueError):
            return None
        if not raw.startswith(b"\xff\x01"):
            return None
        try:
            state = _mk.inspect_viewstate(raw)
        except _mk.Error:
            return None
        if state.trailer_len == 0:
            return {
                "secret": "MAC is disabled - no secret needed, use LosFormatter from YSoSerial.Net",
                "details": "MAC_DISABLED",
            }
        return None

    def _check_carved(self, item: Dict[str, Any], user_keys: Sequence[str]) -> Optional[Dict[str, Any]]:
        return self._check(item["viewstate"], item.get("generator"), item.get("url"), user_keys, None)


class ASPNET_Resource(BadsecretsBase):
    """``WebResource.axd``/``ScriptResource.axd`` ``d=`` tokens against the known keys:
    ``check_secret(token)``, legacy (``DOTNET40``) and Framework45 (``DOTNET45``)."""

    check_secret_args = 1
    identify_regex = re.compile(r"^[A-Za-z0-9\-_]{48,}[0-2]$")
    description = {"product": "ASP.NET Resource", "secret": "ASP.NET MachineKey", "severity": "HIGH"}
    carve_locations = ("body",)
    _carve_field = "resource"

    def carve_regex(self) -> "re.Pattern[str]":
        return re.compile(r"(?:WebResource|ScriptResource)\.axd\?d=([A-Za-z0-9_\-]{48,}[0-2])", re.IGNORECASE)

    def check_secret(self, resource_token: str, *args: Any) -> Optional[Dict[str, Any]]:
        if not isinstance(resource_token, str):
            return None
        try:
            f = _mk.audit(resource_token, kind="resource", keys=self._keys)
        except _mk.InvalidInput:
            return None
        if f is None:
            return None
        purpose = "AssemblyResourceLoader.WebResourceUrl"
        if f.mode == "framework45":
            purpose = _resource_purpose(f, resource_token) or purpose
        return {"secret": _secret(f), "details": "%s Purpose [%s]" % (_details(f), purpose)}


_PURPOSES = (
    ("WebResource", "AssemblyResourceLoader.WebResourceUrl"),
    ("ScriptResource", "ScriptResourceHandler.ScriptResourceUrl"),
    ("PreviousPage", "WebForms.Page.PreviousPageID"),
)


def _resource_purpose(f: "_mk.Finding", token: str) -> Optional[str]:
    """Which Framework45 purpose a found token opens under."""
    try:
        keys = _mk.MachineKey(
            f.validation_key,
            f.decryption_key,
            validation=f.validation,
            decryption=f.decryption or "Auto",
            compatibility_mode="Framework45",
        )
    except _mk.Error:
        return None
    for kind, purpose in _PURPOSES:
        try:
            keys.decrypt_resource(token, kind)
            return purpose
        except _mk.Error:
            continue
    return None


class ASPNET_FormsAuth(BadsecretsBase):
    """Forms-authentication cookies (``.ASPXAUTH``, hex) against the known keys:
    ``check_secret(cookie)``. badsecrets 1.3.0 has no such module; this one answers in its
    shape, with the ticket's user name in ``details``."""

    check_secret_args = 1
    identify_regex = re.compile(r"^[0-9A-Fa-f]{64,}$")
    description = {
        "product": "ASP.NET Forms Authentication Cookie",
        "secret": "ASP.NET MachineKey",
        "severity": "CRITICAL",
    }
    carve_locations = ("cookies", "headers")
    _carve_field = "cookie"
    _carve_location = "cookies"

    def check_secret(self, cookie: str, *args: Any) -> Optional[Dict[str, Any]]:
        if not isinstance(cookie, str) or not self.identify(cookie.strip()):
            return None
        try:
            f = _mk.audit(cookie, kind="cookie", keys=self._keys)
        except _mk.InvalidInput:
            return None
        if f is None:
            return None
        details = _details(f)
        ticket = f.ticket
        if ticket is not None:
            details += " User [%s]" % ticket["name"]
        return {"secret": _secret(f), "details": details}


modules_loaded = {
    "aspnet_viewstate": ASPNET_Viewstate,
    "aspnet_resource": ASPNET_Resource,
    "aspnet_formsauth": ASPNET_FormsAuth,
}


def _response_text(
    body: Optional[str], cookies: Optional[Mapping[str, str]], headers: Optional[Mapping[str, str]]
) -> str:
    lines = ["HTTP/1.1 200 OK"]
    for name, value in (headers or {}).items():
        lines.append("%s: %s" % (name, str(value).replace("\r", " ").replace("\n", " ")))
    if cookies:
        lines.append("Cookie: " + "; ".join("%s=%s" % (k, v) for k, v in cookies.items()))
    return "\r\n".join(lines) + "\r\n\r\n" + (body or "")


def _carve_modules(
    modules: Sequence[BadsecretsBase],
    body: Optional[str],
    cookies: Optional[Mapping[str, str]],
    headers: Optional[Mapping[str, str]],
    url: Optional[str],
) -> List[Dict[str, Any]]:
    text = _response_text(body, cookies, headers)
    items = _mk.carve(text, url=url, name="response")
    user_keys = _view_state_user_keys(cookies, body)
    results: List[Dict[str, Any]] = []
    for module in modules:
        found: List[Dict[str, Any]] = []
        for item in items:
            value = item.get(module._carve_field)
            if not value:
                continue
            location = module._carve_location
            if location not in module.carve_locations:
                continue
            r = module._check_carved(item, user_keys)
            if r:
                r["type"] = "SecretFound"
                r.setdefault("product", value)
            else:
                r = {"type": "IdentifyOnly", "product": value, "hashcat": None}
            r["location"] = location
            r["description"] = module.get_description()
            found.append(r)
            if module._carve_field != "cookie":
                break  # one product per body, as badsecrets reports it
        secrets = {r["product"] for r in found if r["type"] == "SecretFound"}
        seen_identify = False
        for r in found:
            if r["type"] == "IdentifyOnly":
                if r["product"] in secrets or seen_identify:
                    continue
                seen_identify = True
            results.append(r)
    return results


def check_all_modules(*args: Any, **kwargs: Any) -> Optional[List[Dict[str, Any]]]:
    """Every module's ``check_secret`` on the product: ``SecretFound`` results (with
    ``detecting_module``, ``description``, ``product``, ``location: manual``), else
    ``IdentifyOnly`` ones for modules that recognize it, else ``None``."""
    results: List[Dict[str, Any]] = []
    for name, cls in modules_loaded.items():
        module = cls(custom_resource=kwargs.get("custom_resource"))
        r = module.check_secret(*args[: module.check_secret_args])
        if r:
            r["type"] = "SecretFound"
            r["detecting_module"] = cls.__name__
            r["description"] = module.get_description()
            r.setdefault("product", args[0])
            r["location"] = "manual"
            results.append(r)
        elif isinstance(args[0], str) and module.identify(args[0]):
            results.append(
                {
                    "type": "IdentifyOnly",
                    "product": args[0],
                    "hashcat": None,
                    "detecting_module": cls.__name__,
                    "description": module.get_description(),
                    "location": "manual",
                }
            )
    if any(r["type"] == "SecretFound" for r in results):
        results = [r for r in results if r["type"] == "SecretFound"]
    return results or None


def carve_all_modules(**kwargs: Any) -> Optional[List[Dict[str, Any]]]:
    """Every module's ``carve`` over a response (``body``, ``cookies``, ``headers``, or
    ``http_response``), each result tagged with ``detecting_module``; ``None`` when nothing
    is found. ``IdentifyOnly`` results are dropped when any module found a secret."""
    results: List[Dict[str, Any]] = []
    for cls in modules_loaded.values():
        module = cls(custom_resource=kwargs.get("custom_resource"))
        args = {k: v for k, v in kwargs.items() if k != "custom_resource"}
        for r in module.carve(**args):
            r["detecting_module"] = cls.__name__
            results.append(r)
    if any(r["type"] == "SecretFound" for r in results):
        results = [r for r in results if r["type"] == "SecretFound"]
    return results or None


def hashcat_all_modules(product: str, detecting_module: Optional[str] = None, *args: Any) -> List[Dict[str, str]]:
    """badsecrets' hashcat hints: none exist for machineKey MACs, so always empty."""
    return []
