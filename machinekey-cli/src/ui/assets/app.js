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
