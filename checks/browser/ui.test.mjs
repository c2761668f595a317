// The decoder page in a real browser: headless Chromium (Debian's /usr/bin/chromium), driven
// by Playwright, against `machinekey ui` on 127.0.0.1 (started by run.sh, its URL in
// MACHINEKEY_UI_URL). Pastes real ViewStates from tests/data with their keys and checks what
// the page shows; checks that the page never asks for anything outside 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const base = process.env.MACHINEKEY_UI_URL;
const origin = new URL(base).origin;
const data = (name) => JSON.parse(readFileSync(new URL(`../../tests/data/${name}`, import.meta.url))).vectors;
const net45 = data("viewstate_net45.json").find((v) => v.id === "bl3r-readme-decrypt-45-SHA1-AES192");
const legacy = data("viewstate_legacy.json").find((v) => v.id === "bs-legacy-NOENC-SHA1");
const gadget = data("viewstate_gadgets.json").find((v) => v.id === "ysoserial-readme-dotnetnuke-typeconfusedelegate");

let browser;
let page;
const requests = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(base);
});

after(async () => {
  await browser?.close();
});

async function fill(fields) {
  for (const id of ["value", "web-config", "validation-key", "decryption-key", "validation", "decryption", "url", "generator", "key-ring"]) {
    await page.fill(`#${id}`, fields[id] ?? "");
  }
  await page.fill("#app-path", fields["app-path"] ?? "/");
  await page.selectOption("#mode", fields.mode ?? "");
  await page.selectOption("#kind", fields.kind ?? "auto");
  await page.setChecked("#find-known", fields.known ?? false);
}

async function inspect() {
  await page.click("#inspect");
  await page.waitForFunction(() => document.getElementById("verdict").dataset.status !== undefined);
  return {
    status: await page.getAttribute("#verdict", "data-status"),
    verdict: await page.textContent("#verdict"),
    tree: await page.textContent("#tree"),
  };
}

const net45Keys = {
  value: net45.viewstate_b64,
  "validation-key": net45.validationKey,
  "decryption-key": net45.decryptionKey,
  validation: net45.validation,
  decryption: net45.decryption,
  mode: "Framework45",
  url: "/Content/default.aspx",
};

test("a real Framework45 ViewState with its keys shows its tree and the MAC verdict", async () => {
  await fill(net45Keys);
  const shown = await inspect();
  assert.equal(shown.status, "verified", shown.verdict);
  assert.match(shown.verdict, /MAC verified/);
  assert.match(shown.tree, /page state \(HiddenFieldPageStatePersister\)/);
  assert.match(shown.tree, /page type hash: -921640512/);
  assert.match(shown.tree, /Text: String "File Uploaded Sucessfully !! 4237mb"/);
  assert.equal(await page.isHidden("#gadgets"), true);
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
});

test("a tampered value shows the refusal and no tree", async () => {
  const v = net45.viewstate_b64;
  const i = 40;
  const tampered = v.slice(0, i) + (v[i] === "A" ? "B" : "A") + v.slice(i + 1);
  await fill({ ...net45Keys, value: tampered });
  const shown = await inspect();
  assert.equal(shown.status, "refused", shown.verdict);
  assert.match(shown.verdict, /unable to validate data/);
  assert.equal(shown.tree.trim(), "");
});

test("without keys, the publicly known key is named", async () => {
  await fill({ value: net45.viewstate_b64, url: "/Content/default.aspx", known: true });
  const shown = await inspect();
  assert.equal(shown.status, "known_key", shown.verdict);
  assert.match(await page.textContent("#known-key"), /publicly known key/);
  assert.match(shown.tree, /page type hash: -921640512/);
});

test("a legacy signed ViewState reads without keys, its MAC unverified", async () => {
  await fill({ value: legacy.viewstate_b64 });
  const shown = await inspect();
  assert.equal(shown.status, "unverified", shown.verdict);
  assert.match(shown.verdict, /MAC not verified \(20 bytes/);
  assert.match(shown.tree, /page type hash: 811019769/);
});

test("a ysoserial.net payload is flagged with its gadget", async () => {
  await fill({ value: gadget.value_b64 });
  const shown = await inspect();
  assert.equal(shown.status, "unverified", shown.verdict);
  assert.match(await page.textContent("#gadgets"), /TypeConfuseDelegate/);
  assert.match(shown.tree, /!! gadget: TypeConfuseDelegate/);
});

test("two web.configs give the compare matrix", async () => {
  const cfg = (vk) => `<configuration><system.web><machineKey validation="HMACSHA256" decryption="AES" validationKey="${vk}" decryptionKey="${net45.decryptionKey}" /></system.web></configuration>`;
  await fill({ value: cfg(net45.validationKey), "web-config": cfg(legacy.validationKey), kind: "web_config" });
  const shown = await inspect();
  assert.equal(shown.status, "refused", shown.verdict);
  assert.match(await page.textContent("#compare"), /FAILS/);
});

test("the page asked for nothing outside 127.0.0.1", () => {
  assert.ok(requests.length >= 4, requests.join("\n"));
  for (const url of requests) {
    assert.equal(new URL(url).origin, origin, url);
  }
});
