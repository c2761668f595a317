#!/usr/bin/env python3
"""Makes tests/data/aspnetcore_known_key_heldout.json: values and pages that real ASP.NET Core
10 (dotnet-oracle) protects under master keys of the built-in published-key list
(src/audit/dataprotection_public_keys.json), with discriminators and consumers that
tests/data/aspnetcore_known_key_values.json (the shared file) does not use.

Run from the repository root:
    python3 tests/data/make_dataprotection_heldout.py /path/to/dotnet-oracle

Each key ring handed to the oracle is one key file written here with the listed key id,
algorithm and master key, and dates around now (dates are not part of the cryptography:
a payload depends on the key id, the master key, the algorithm and the purposes only).
The tests never run this script; they read its output.
"""

import base64
import datetime
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

ORACLE = sys.argv[1] if len(sys.argv) > 1 else "dotnet-oracle"
LIST = json.load(open("src/audit/dataprotection_public_keys.json"))["keys"]
KEYS = {k["key_id"]: k for k in LIST}
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)

OIDC = "Microsoft.AspNetCore.Authentication.OpenIdConnect.OpenIdConnectHandler"
GOOGLE = "Microsoft.AspNetCore.Authentication.Google.GoogleHandler"
COOKIE = "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware"
BEARER = "Microsoft.AspNetCore.Authentication.BearerToken"
TEMPDATA = "Microsoft.AspNetCore.Mvc.CookieTempDataProviderToken.v1"
DESCRIPTOR = "Microsoft.AspNetCore.Components.ComponentDescriptorSerializer,V1"
TIME_LIMITED = "Microsoft.AspNetCore.DataProtection.TimeLimitedDataProtector.v1"
STATE = "Microsoft.AspNetCore.Components.Server.State"

proc = subprocess.Popen([ORACLE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def ask(**req):
    proc.stdin.write(json.dumps(req) + "\n")
    proc.stdin.flush()
    answer = json.loads(proc.stdout.readline())
    if not answer.get("ok"):
        raise SystemExit(f"{req['op']}: {answer.get('error')}")
    return answer


ROOT = tempfile.mkdtemp(prefix="dp-heldout-")


def ring(key_id, variant=0):
    """A ring directory holding the listed key (master-key variant `variant`)."""
    k = KEYS[key_id]
    d = os.path.join(ROOT, f"{key_id}-{variant}")
    if not os.path.isdir(d):
        os.makedirs(d)
        iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
        xml = f"""<?xml version="1.0" encoding="utf-8"?>
<key id="{key_id}" version="1">
  <creationDate>{iso(NOW - datetime.timedelta(days=1))}</creationDate>
  <activationDate>{iso(NOW - datetime.timedelta(days=1))}</activationDate>
  <expirationDate>{iso(NOW + datetime.timedelta(days=89))}</expirationDate>
  <descriptor deserializerType="Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection, Version=10.0.0.0, Culture=neutral, PublicKeyToken=adb9793829ddae60">
    <descriptor>
      <encryption algorithm="{k['encryption']}" />
      <validation algorithm="{k['validation']}" />
      <masterKey p4:requiresEncryption="true" xmlns:p4="http://schemas.asp.net/2015/03/dataProtection">
        <value>{k['master_keys_base64'][variant]}</value>
      </masterKey>
    </descriptor>
  </descriptor>
</key>"""
        open(os.path.join(d, f"key-{key_id}.xml"), "w").write(xml)
    return d


def protect(key_id, app, purposes, plaintext, variant=0, expires=None):
    req = dict(op="dp.protect", ring=ring(key_id, variant), purposes=purposes,
               plaintext_hex=plaintext.hex().upper())
    if app is not None:
        req["app_name"] = app
    if expires is not None:
        req["expires"] = expires
    a = ask(**req)
    assert a["key_id"] == key_id, a
    return a


def std_b64(protected_hex):
    return base64.b64encode(bytes.fromhex(protected_hex)).decode()


def ticket(scheme, name, claims=0):
    return {
        "scheme": scheme,
        "identities": [{
            "authentication_type": scheme,
            "claims": [{"type": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", "value": name},
                       {"type": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role", "value": "Admin"}]
            + [{"type": "urn:held-out:claim", "value": f"value {i} " + "x" * 40} for i in range(claims)],
        }],
        "items": {".issued": "Sun, 06 Dec 2026 04:00:00 GMT", ".expires": "Sun, 20 Dec 2026 04:00:00 GMT"},
    }


values = []


def value(id_, text, where, key_id, discriminator, purposes, kind, app_names=(), hint=None, note=""):
    values.append({
        "id": id_,
        "value": text,
        "where_found": where,
        "hint": hint,
        "app_names_given": list(app_names),
        "expected": {"key_id": key_id, "discriminator": discriminator, "purposes": purposes,
                     "kind": kind},
        "note": note,
    })


# 1. Identity's login cookie, under the name the key's repository sets.
k1 = "4067c83b-086d-46f1-be7b-1e67ed9bdb5d"
c1 = ask(op="ticket.protect", ring=ring(k1), app_name="Ferienspass",
         ticket=ticket("Identity.Application", "alice"))["cookie"]
value("identity-application-cookie", c1, "cookie .AspNetCore.Identity.Application", k1, "Ferienspass",
      [COOKIE, "Identity.Application", "v2"], "ticket", hint="cookie_authentication")

# 2. Antiforgery cookie and request token for a signed-in user, under .NET 5's container root.
k2 = "aa74b464-f676-4233-9a0f-39a6de2b5e91"
af = ask(op="antiforgery.tokens", ring=ring(k2), app_name="/app", user="alice")
value("antiforgery-cookie-app-legacy-root", af["cookie_token"], f"cookie {af['cookie_name']}", k2, "/app",
      ["Microsoft.AspNetCore.Antiforgery.AntiforgeryToken.v1"], "antiforgery", hint="antiforgery")
value("antiforgery-request-token-app-legacy-root", af["request_token"], "hidden field __RequestVerificationToken",
      k2, "/app", ["Microsoft.AspNetCore.Antiforgery.AntiforgeryToken.v1"], "antiforgery", hint="antiforgery")

# 3. TempData, no discriminator (a provider built without a host: no application name).
k3 = "6417072d-bd2e-4737-8995-fd280fe00251"
t3 = protect(k3, None, [TEMPDATA], json.dumps({"Message": "Saved"}).encode())["value"]
value("tempdata-no-discriminator", t3, "cookie .AspNetCore.Mvc.CookieTempDataProvider", k3, None,
      [TEMPDATA], "temp_data", hint="temp_data")

# 4. OpenID Connect state under a name the user gives (--app-name).
k4 = "62b62779-59b8-4150-b443-848b2e6e83dd"
props4 = ask(op="properties.serialize", items={
    ".redirect": "/account/orders", "OpenIdConnect.Code.RedirectUri": "https://portal.example/signin-oidc",
    ".xsrf": "b0c1c2"})["hex"]
s4 = protect(k4, "Contoso.Portal", [OIDC, "OpenIdConnect", "v1"], bytes.fromhex(props4))["value"]
value("oidc-state-given-name", s4, "state parameter of the authorize redirect", k4, "Contoso.Portal",
      [OIDC, "OpenIdConnect", "v1"], "state", app_names=["Contoso.Portal"], hint="state")

# 5. The OpenID Connect nonce (in the nonce cookie's name).
k5 = "7044b792-3233-4cd4-8a62-297f52abfb2b"
n5 = protect(k5, "AmbulanceRider", [OIDC, "System.String", "OpenIdConnect", "v1"],
             b"639321234000000000.ZTRkNzQ4YjQtNjg0Ny00ZGI3")["value"]
value("oidc-nonce", n5, "name of cookie .AspNetCore.OpenIdConnect.Nonce.*", k5, "AmbulanceRider",
      [OIDC, "System.String", "OpenIdConnect", "v1"], "nonce", hint="oidc_nonce")

# 6. Google's OAuth state under the container content root.
k6 = "c803ff4f-b9e4-4fd0-b66a-22d52856045b"
props6 = ask(op="properties.serialize", items={".redirect": "/", ".xsrf": "q9w8e7"})["hex"]
s6 = protect(k6, "/app/", [GOOGLE, "Google", "v1"], bytes.fromhex(props6))["value"]
value("google-oauth-state", s6, "state parameter of the Google authorize redirect", k6, "/app/",
      [GOOGLE, "Google", "v1"], "state", hint="state")

# 7. An Identity password-reset token, under a name from a names file (--app-names).
k7 = "36170532-7af1-4a3e-ab32-d792909f2071"
tok7 = ask(op="identity.token", ring=ring(k7), app_name="HourTracker.Web", user_id="42",
           security_stamp="STAMP42", token_purpose="ResetPassword")["token"]
value("identity-reset-token-names-file", tok7, "code parameter of a reset link", k7, "HourTracker.Web",
      ["DataProtectorTokenProvider"], "identity_token", app_names=["HourTracker.Web"])

# 8. An ASP.NET 4.x forms ticket through the SystemWeb package (upper-case hex), at the site root.
k8 = "5fa3cf7c-0c78-4a44-b2ee-5c2aac689324"
h8 = protect(k8, "/LM/W3SVC/1/ROOT", ["FormsAuthentication.Ticket"], bytes(range(1, 60)))["protected_hex"]
value("systemweb-forms-ticket-hex", h8, "cookie .ASPXAUTH", k8, "/LM/W3SVC/1/ROOT",
      ["FormsAuthentication.Ticket"], "systemweb_ticket", hint="systemweb_ticket")

# 9. A session cookie as sent (standard Base64 without padding, percent-encoded), under the
#    repository's application name.
k9 = "348ae13d-ad49-4b03-8641-5985a2d2e599"
sess9 = protect(k9, "insureAnts-app", ["SessionMiddleware"], b"7b3c8c1e-2f4a-4d9e-9a51-0c6a8f3e1d22")
s9 = urllib.parse.quote(std_b64(sess9["protected_hex"]).rstrip("="), safe="")
value("session-cookie-repository-name", s9, "cookie .AspNetCore.Session (as in the header)", k9,
      "insureAnts-app", ["SessionMiddleware"], "session", hint="session")

# 10. The second master-key variant of a key published in two versions.
k10 = "f919bd29-672d-466b-94b3-cbc4857e65b2"
c10 = ask(op="ticket.protect", ring=ring(k10, variant=1), ticket=ticket("Cookies", "bob"))["cookie"]
value("cookie-second-variant-no-discriminator", c10, "cookie .AspNetCore.Cookies", k10, None,
      [COOKIE, "Cookies", "v2"], "ticket", hint="cookie_authentication", note="master key variant 1")

# 11. A bearer token of Identity's API endpoints (in a JSON body).
k11 = "dd1acec9-003a-4e50-9d24-01b2947185c1"
tk11 = ask(op="ticket.serialize", ticket=ticket("Identity.Bearer", "carol"))["hex"]
b11 = protect(k11, "Ferienspass", [BEARER, "Identity.Bearer", "BearerToken"], bytes.fromhex(tk11))["value"]
value("bearer-token", b11, "accessToken of a JSON response", k11, "Ferienspass",
      [BEARER, "Identity.Bearer", "BearerToken"], "ticket")

# Negatives.
neg = []
kn = "57b30b4b-6171-411b-ac58-d83e7abbcf6b"
nn = protect(kn, "SomeOtherApp", ["SessionMiddleware"], b"not found without its name")["value"]
neg.append({"id": "published-key-unknown-discriminator", "value": nn,
            "expected": {"result": "published_key_unverified", "key_id": kn}})
flip = list(c1)
flip[len(flip) // 2] = "A" if flip[len(flip) // 2] != "A" else "B"
neg.append({"id": "published-key-tampered", "value": "".join(flip),
            "expected": {"result": "published_key_unverified", "key_id": k1}})
fresh = os.path.join(ROOT, "fresh")
os.makedirs(fresh)
fid = ask(op="dp.new_key", ring=fresh)["key_id"]
fv = ask(op="dp.protect", ring=fresh, app_name="/app/", purposes=["SessionMiddleware"],
         plaintext_hex="00")["value"]
neg.append({"id": "unpublished-key", "value": fv, "expected": {"result": "unknown_key", "key_id": fid}})

# Pages.
pages = []


def json_escape_plus(text):
    """As System.Text.Json's default encoder writes a string: `+` as \\u002B."""
    return text.replace("+", "\\u002B")


def blazor_page(key_id, app, type_name, params, state):
    expires = (NOW + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    descriptor = {
        "sequence": 0,
        "key": {"locationHash": "4F3D2C1B0A99887766554433221100FFEEDDCCBBAA99887766554433221100AA:0",
                "formattedComponentKey": ""},
        "assemblyName": type_name.split(".")[0],
        "typeName": type_name,
        "parameterDefinitions": [{"name": n, "typeName": t, "assembly": "System.Private.CoreLib"} for n, t, _ in params],
        "parameterValues": [v for _, _, v in params],
        "invocationId": "5e0f6a52-8d3b-4b7e-9f1e-2a6c4d8b0c11",
    }
    d = protect(key_id, app, [DESCRIPTOR], json.dumps(descriptor, separators=(",", ":")).encode(),
                expires=expires)
    st = {k: base64.b64encode(json.dumps(v).encode()).decode() for k, v in state.items()}
    s = protect(key_id, app, [STATE], json.dumps(st, separators=(",", ":")).encode())
    d64, s64 = std_b64(d["protected_hex"]), std_b64(s["protected_hex"])
    marker = json.dumps({"type": "server", "prerenderId": "9c1f3e2d5b7a4c6e8f0a1b2c3d4e5f60",
                         "key": descriptor["key"], "sequence": 0, "descriptor": d64}, separators=(",", ":"))
    html = ("<!DOCTYPE html>\n<html><head><base href=\"/\"></head>\n<body><!--Blazor:" + json_escape_plus(marker)
            + "--><h1>Orders</h1><!--Blazor:{\"prerenderId\":\"9c1f3e2d5b7a4c6e8f0a1b2c3d4e5f60\"}-->\n"
            + "<script src=\"_framework/blazor.web.js\"></script></body></html><!--Blazor-Server-Component-State:"
            + s64 + "-->")
    return html, expires, descriptor, state


# P1. A Blazor Server page as a raw response, with the antiforgery field and cookie of the same app.
kb = "951202f6-d166-4829-8943-0f9f18a2e622"
html1, exp1, desc1, state1 = blazor_page(kb, "MyBlazorApp", "Shop.Components.Pages.Orders",
                                          [("CustomerId", "System.Int32", 1042), ("Filter", "System.String", "open")],
                                          {"orders-count": 7, "customer-email": "ana@example.com"})
afb = ask(op="antiforgery.tokens", ring=ring(kb), app_name="MyBlazorApp")
html1 = html1.replace("<h1>Orders</h1>", "<h1>Orders</h1><form method=\"post\"><input type=\"hidden\" name=\"__RequestVerificationToken\" value=\""
                      + afb["request_token"] + "\" /></form>")
raw1 = ("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + "".join(f"Set-Cookie: {c}\r\n" for c in afb["set_cookie"]) + "\r\n" + html1)
pages.append({"id": "blazor-raw-response", "kind": "raw_response", "content": raw1, "url": "https://shop.example/orders",
              "expected": [
                  {"hint": "blazor_descriptor", "key_id": kb, "discriminator": "MyBlazorApp",
                   "purposes": [DESCRIPTOR, TIME_LIMITED], "expires": exp1,
                   "type_name": desc1["typeName"], "assembly": desc1["assemblyName"],
                   "parameters": {"CustomerId": 1042, "Filter": "open"}},
                  {"hint": "blazor_state", "key_id": kb, "discriminator": "MyBlazorApp", "purposes": [STATE],
                   "state": state1},
                  {"hint": "antiforgery", "key_id": kb, "discriminator": "MyBlazorApp",
                   "purposes": ["Microsoft.AspNetCore.Antiforgery.AntiforgeryToken.v1"]},
                  {"hint": "antiforgery", "key_id": kb, "discriminator": "MyBlazorApp",
                   "purposes": ["Microsoft.AspNetCore.Antiforgery.AntiforgeryToken.v1"]},
              ]})

# P2. A WARC: a Blazor page under the container root (response record), and a request record
#     carrying a chunked login cookie in its Cookie header.
kw = "929dfe27-7641-49af-9132-ad234c70de77"
html2, exp2, desc2, state2 = blazor_page(kw, "/app/", "Atron.Web.Components.Dashboard",
                                          [("Year", "System.Int32", 2026)], {"kpi": {"open": 3, "closed": 9}})
kc = "a408b89c-7999-402f-bd03-d1189af04324"
big = ask(op="ticket.protect", ring=ring(kc), app_name="Atron", ticket=ticket("Identity.Application", "dave", claims=40))["cookie"]
chunks = ask(op="cookie.append", name=".AspNetCore.Identity.Application", value=big, chunk_size=600)["set_cookie"]
cookie_header = "; ".join(c.split(";")[0] for c in chunks)
assert ask(op="cookie.read", cookie_header=cookie_header, name=".AspNetCore.Identity.Application")["value"] == big


def warc_record(kind, uri, http):
    body = http.encode()
    head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2026-12-06T04:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:{os.urandom(16).hex()}>\r\nContent-Type: application/http; msgtype={kind}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body + b"\r\n\r\n"


warc = (warc_record("request", "https://atron.example/dashboard",
                    f"GET /dashboard HTTP/1.1\r\nHost: atron.example\r\nCookie: {cookie_header}\r\n\r\n")
        + warc_record("response", "https://atron.example/dashboard",
                      "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
                      + str(len(html2.encode())) + "\r\n\r\n" + html2))
pages.append({"id": "blazor-and-chunked-cookie-warc", "kind": "warc", "content": warc.decode(),
              "url": None,
              "expected": [
                  {"hint": "cookie_authentication", "key_id": kc, "discriminator": "Atron",
                   "purposes": [COOKIE, "Identity.Application", "v2"], "chunks": len(chunks) - 1},
                  {"hint": "blazor_descriptor", "key_id": kw, "discriminator": "/app/",
                   "purposes": [DESCRIPTOR, TIME_LIMITED], "expires": exp2,
                   "type_name": desc2["typeName"], "assembly": desc2["assemblyName"],
                   "parameters": {"Year": 2026}},
                  {"hint": "blazor_state", "key_id": kw, "discriminator": "/app/", "purposes": [STATE],
                   "state": state2},
              ]})

# P3. A HAR of an OpenID Connect login: the challenge (Location with state, nonce cookie),
#     the form_post callback, TempData and session cookies, a bearer token in JSON.
location = ("https://login.example/connect/authorize?client_id=portal&response_type=code&"
            "redirect_uri=https%3A%2F%2Fportal.example%2Fsignin-oidc&state=" + urllib.parse.quote(s4, safe="")
            + "&nonce=abc")
har = {"log": {"version": "1.2", "creator": {"name": "held-out", "version": "1"}, "entries": [
    {"request": {"method": "GET", "url": "https://portal.example/login", "headers": []},
     "response": {"status": 302, "headers": [
         {"name": "Location", "value": location},
         {"name": "Set-Cookie", "value": f".AspNetCore.OpenIdConnect.Nonce.{n5}=N; expires=Sun, 06 Dec 2026 04:15:00 GMT; path=/signin-oidc; secure; samesite=none; httponly"},
         {"name": "Set-Cookie", "value": ".AspNetCore.Correlation.x1y2z3=N; path=/signin-oidc; secure; samesite=none; httponly"}],
         "content": {"mimeType": "text/html", "text": ""}}},
    {"request": {"method": "POST", "url": "https://portal.example/signin-oidc", "headers": [],
                 "postData": {"mimeType": "application/x-www-form-urlencoded",
                              "text": "code=SplxlOBeZQQYbYS6WxSbIA&state=" + urllib.parse.quote(s6, safe="")}},
     "response": {"status": 302, "headers": [{"name": "Location", "value": "/"}], "content": {"text": ""}}},
    {"request": {"method": "GET", "url": "https://portal.example/", "headers": []},
     "response": {"status": 200, "headers": [
         {"name": "Set-Cookie", "value": f".AspNetCore.Mvc.CookieTempDataProvider={t3}; path=/; samesite=lax; httponly"},
         {"name": "Set-Cookie", "value": f".AspNetCore.Session={s9}; path=/; samesite=lax; httponly"}],
         "content": {"mimeType": "text/html", "text": "<a href=\"/reset?userId=42&amp;code=" + urllib.parse.quote(tok7, safe="") + "\">reset</a>"}}},
    {"request": {"method": "POST", "url": "https://portal.example/login?useCookies=false", "headers": []},
     "response": {"status": 200, "headers": [],
                  "content": {"mimeType": "application/json", "text": json.dumps({"tokenType": "Bearer", "accessToken": b11, "expiresIn": 3600})}}},
]}}
pages.append({"id": "oidc-login-har", "kind": "har", "content": json.dumps(har), "url": None,
              "app_names_given": ["Contoso.Portal", "HourTracker.Web"],
              "expected": [
                  {"hint": "state", "key_id": k4, "discriminator": "Contoso.Portal", "purposes": [OIDC, "OpenIdConnect", "v1"]},
                  {"hint": "oidc_nonce", "key_id": k5, "discriminator": "AmbulanceRider",
                   "purposes": [OIDC, "System.String", "OpenIdConnect", "v1"]},
                  {"hint": "state", "key_id": k6, "discriminator": "/app/", "purposes": [GOOGLE, "Google", "v1"]},
                  {"hint": "temp_data", "key_id": k3, "discriminator": None, "purposes": [TEMPDATA]},
                  {"hint": "session", "key_id": k9, "discriminator": "insureAnts-app", "purposes": ["SessionMiddleware"]},
                  {"hint": None, "key_id": k7, "discriminator": "HourTracker.Web", "purposes": ["DataProtectorTokenProvider"]},
                  {"hint": None, "key_id": k11, "discriminator": "Ferienspass", "purposes": [BEARER, "Identity.Bearer", "BearerToken"]},
              ]})

out = {
    "about": "Held-out values and pages made by real ASP.NET Core 10 (dotnet-oracle, .NET 10.0.12) on "
             + NOW.strftime("%Y-%m-%d") + " under master keys of the built-in published-key list, with "
             "discriminators and consumers the shared file (aspnetcore_known_key_values.json) does not use. "
             "Made by tests/data/make_dataprotection_heldout.py; each ring was one key file with the listed "
             "key id, algorithm and master key.",
    "source": "dotnet-oracle (/work/shared/tools/dotnet-oracle): ticket.protect, antiforgery.tokens, dp.protect "
              "(with expires: ToTimeLimitedDataProtector), identity.token, properties.serialize, ticket.serialize, "
              "cookie.append, cookie.read",
    "values": values,
    "negatives": neg,
    "pages": pages,
}
json.dump(out, open("tests/data/aspnetcore_known_key_heldout.json", "w"), indent=1)
print(len(values), "values,", len(neg), "negatives,", len(pages), "pages")
