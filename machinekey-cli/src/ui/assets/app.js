// The decoder page: posts the form to /api/inspect (this machine) and shows the answer.
// No other request is made; the page's Content-Security-Policy forbids any.
"use strict";

function field(id) {
  const v = document.getElementById(id).value.trim();
  return v === "" ? null : v;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function show(id, build) {
  const box = document.getElementById(id);
  box.replaceChildren();
  const shown = build(box);
  box.hidden = !shown;
}

function render(answer) {
  document.getElementById("result").hidden = false;
  const verdict = document.getElementById("verdict");
  verdict.textContent = answer.verdict.message;
  verdict.className = answer.verdict.status;
  verdict.dataset.status = answer.verdict.status;

  show("gadgets", (box) => {
    if (!answer.gadgets || answer.gadgets.length === 0) return false;
    box.append(el("strong", "Deserialization gadgets: this state is an attack payload, not page state"));
    const ul = el("ul");
    for (const g of answer.gadgets) {
      ul.append(el("li", g.gadget + (g.nesting > 0 ? " (nested stream " + g.nesting + ")" : "") + ": " + g.evidence));
    }
    box.append(ul);
    return true;
  });

  show("known-key", (box) => {
    const k = answer.known_key;
    if (!k) return false;
    box.append(el("strong", "Protected by a publicly known key"));
    const ul = el("ul");
    ul.append(el("li", k.fingerprints + " (fingerprints), listed at " + k.origin));
    ul.append(el("li", "validation " + k.validation + (k.decryption ? ", decryption " + k.decryption : "") + ", " + k.mode + (k.app_path ? ", application " + k.app_path : "")));
    box.append(ul);
    return true;
  });

  show("ticket", (box) => {
    const t = answer.ticket;
    if (!t) return false;
    box.append(el("strong", "Forms ticket"));
    const table = el("table");
    const rows = [["name", t.name], ["user data", t.user_data], ["cookie path", t.cookie_path], ["persistent", String(t.is_persistent)],
      ["issued", new Date(t.issued_unix * 1000).toISOString()], ["expires", new Date(t.expires_unix * 1000).toISOString()]];
    for (const [k, v] of rows) {
      const tr = el("tr");
      tr.append(el("th", k), el("td", v === undefined ? "" : String(v)));
      table.append(tr);
    }
    box.append(table);
    return true;
  });

  show("data-protection", (box) => {
    const list = answer.data_protection;
    if (!list || list.length === 0) return false;
    for (const item of list) box.append(dataProtection(item));
    return true;
  });

  show("page", (box) => {
    const rows = (answer.page || []).filter((r) => !r.data_protection);
    if (rows.length === 0) return false;
    box.append(el("strong", "Other values in the page"));
    const table = el("table");
    for (const r of rows) {
      const tr = el("tr");
      let what = r.found ? "known <machineKey> key: validationKey " + r.fingerprints.validation_key + " (fingerprint), " + r.mode
        : (r.label ? r.label : (r.error ? r.error.message : "no known key"));
      tr.append(el("th", r.source || ("line " + r.line)), el("td", what, r.found ? "fails" : ""));
      table.append(tr);
    }
    box.append(table);
    return true;
  });

  show("compare", (box) => {
    const m = answer.compare;
    if (!m) return false;
    box.append(el("strong", "What one protects, the other reads?"));
    const table = el("table");
    const head = el("tr");
    head.append(el("th", "from -> to"));
    for (const v of m[0].verdicts) head.append(el("th", v.kind));
    table.append(head);
    for (const c of m) {
      const tr = el("tr");
      tr.append(el("th", c.from + " -> " + c.to));
      for (const v of c.verdicts) {
        const cell = v.outcome === "read" ? "reads" : (v.outcome === "refused" ? "FAILS" : "n/a");
        tr.append(el("td", cell, v.outcome === "refused" ? "fails" : "reads"));
      }
      table.append(tr);
    }
    box.append(table);
    return true;
  });

  let text = answer.tree_text || "";
  if (answer.payload_hex) text += (text ? "\n" : "") + "payload (hex): " + answer.payload_hex;
  if (answer.findings) text += (text ? "\n" : "") + JSON.stringify(answer.findings, null, 2);
  document.getElementById("tree").textContent = text;
}

function table(rows) {
  const t = el("table");
  for (const [k, v] of rows) {
    const tr = el("tr");
    tr.append(el("th", k), el("td", v === undefined || v === null ? "" : String(v)));
    t.append(tr);
  }
  return t;
}

function json(v) {
  return typeof v === "string" ? v : JSON.stringify(v);
}

// One Data Protection verdict: the key, where it was published, the chain, and what the
// value holds (a Blazor component and its parameters, persisted state, a ticket's claims).
function dataProtection(item) {
  const box = el("div", undefined, "dp");
  const v = item.verdict;
  if (item.source) box.append(el("p", item.source, "source"));
  if (v.result === "unknown_key") {
    box.append(el("p", "key " + v.key_id + ": not a publicly known key"));
    return box;
  }
  if (v.result === "not_data_protection") {
    box.append(el("p", "not a Data Protection value"));
    return box;
  }
  const key = v.key || {};
  const sources = (key.sources || []).map((s) => s.repo ? s.repo + (s.path ? ": " + s.path : "") + (s.commit ? " @ " + s.commit.slice(0, 12) : "") : (s.url || s.note || "")).join("; ");
  if (v.result === "published_key_unverified") {
    box.append(el("strong", "Names a publicly known key, but no known purpose chain opens it"));
    box.append(table([["key id", key.key_id], ["published", sources], ["kind of file", key.found_in],
      ["chains tried", v.chains_tried], ["next", "give the application name (SetApplicationName or content root)"]]));
    return box;
  }
  box.append(el("strong", "Opened with " + (key.list === "the pasted key" ? "the pasted key" : "a publicly known Data Protection key")));
  box.append(table([["key id", key.key_id], ["published", sources], ["kind of file", key.found_in], ["list", key.list],
    ["discriminator", v.discriminator === null ? "(none)" : v.discriminator], ["consumer", v.consumer],
    ["purposes", v.purposes.join(" | ")], ["what the key lets an attacker do", v.impact], ["expires", v.expires]]));
  const o = v.opened;
  if (!o) return box;
  if (o.kind === "component_descriptor") {
    box.append(el("strong", "Blazor component"));
    box.append(table([["type", o.type_name], ["assembly", o.assembly], ["sequence", o.sequence],
      ["key", o.key ? o.key.location_hash : ""], ["invocation", o.invocation_id], ["descriptor expires", o.expires]]));
    if (o.parameters.length > 0) {
      box.append(el("strong", "Parameters"));
      box.append(table(o.parameters.map((p) => [p.name + " (" + (p.type_name || "null") + ")", json(p.value)])));
    }
  } else if (o.kind === "persisted_state") {
    box.append(el("strong", "Persisted component state"));
    box.append(table(o.entries.map((e) => [e.key, json(e.value)])));
  } else if (o.kind === "state") {
    box.append(el("strong", "State properties"));
    box.append(table(o.items));
  } else if (o.kind === "ticket") {
    const t = o.ticket;
    box.append(el("strong", "Ticket (" + t.scheme + ")"));
    const rows = [];
    for (const id of t.identities) for (const c of id.claims) rows.push([c.claim_type, c.value]);
    for (const [k, val] of t.properties.items) rows.push([k, val]);
    box.append(table(rows));
  } else if (o.kind === "text") {
    box.append(table([["text", o.text]]));
  } else {
    // antiforgery, session, temp_data, identity_token, nonce: their fields as given.
    box.append(el("strong", o.kind.replace("_", " ")));
    box.append(table(Object.entries(o).filter(([k]) => k !== "kind").map(([k, val]) => [k, typeof val === "string" ? val : json(val)])));
  }
  return box;
}

async function inspect(event) {
  event.preventDefault();
  const known = document.getElementById("find-known").checked;
  const body = {
    value: document.getElementById("value").value,
    kind: document.getElementById("kind").value,
    web_config: field("web-config"),
    validation_key: field("validation-key"),
    decryption_key: field("decryption-key"),
    validation: field("validation"),
    decryption: field("decryption"),
    mode: field("mode"),
    url: field("url"),
    app_path: field("app-path"),
    generator: field("generator"),
    key_ring_xml: field("key-ring"),
    app_names: field("app-names"),
    find_known_key: known,
  };
  const verdict = document.getElementById("verdict");
  document.getElementById("result").hidden = false;
  verdict.textContent = "working...";
  verdict.className = "info";
  delete verdict.dataset.status;
  try {
    const response = await fetch("/api/inspect", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error("the server answered " + response.status);
    render(await response.json());
  } catch (e) {
    render({ verdict: { status: "error", message: String(e) } });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("form").addEventListener("submit", inspect);
});
