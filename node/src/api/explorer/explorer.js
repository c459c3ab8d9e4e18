// The explorer: a small single-page view over the node's JSON API. Routes live in the
// URL fragment (#/block/5, #/tx/ID, #/mempool, #/submit) so every view has a link.
"use strict";

const view = document.getElementById("view");
const REFRESH_MS = 2000;
const PAGE_BLOCKS = 20;
const U64_MAX = 18446744073709551615n;
let timer = null;
let navigation = 0; // counts route() calls, so a slow answer never paints over a newer view

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === "" || v === null || v === undefined) continue;
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function link(href, text, cls) {
  return el("a", { href, class: cls || "" }, text);
}

function short(hex) {
  return hex.length > 20 ? hex.slice(0, 10) + "…" + hex.slice(-8) : hex;
}

function time(ms) {
  return new Date(ms).toISOString().replace("T", " ").replace(".000Z", "Z");
}

// A transaction's time bound in milliseconds: u64::MAX (or 0 for the earliest) is
// no bound; a time a Date can hold is shown as one; any other exactly.
function timeBound(ms) {
  const n = BigInt(ms);
  if (n === 0n || n >= U64_MAX) return "no limit";
  return n <= 8640000000000000n ? time(Number(n)) : `${n} ms`;
}

// JSON whose integers beyond 2^53 stay exact (as BigInt): JavaScript numbers
// would round u64::MAX to 18446744073709552000.
function parseJson(text) {
  return JSON.parse(text, (key, value, context) =>
    typeof value === "number" && !Number.isSafeInteger(value) && context && /^\d+$/.test(context.source)
      ? BigInt(context.source) : value);
}

// Fetches JSON; an API error ({"error": {code, message}}) becomes a thrown Error.
async function api(path, options) {
  const response = await fetch(path, options);
  let body = null;
  try { body = parseJson(await response.text()); } catch (_) { body = null; }
  if (!response.ok) {
    const message = body && body.error ? body.error.message : response.statusText;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return body;
}

function failure(error) {
  return el("p", { class: "error", id: "error" }, error.message);
}

function card(label, value, id) {
  return el("div", { class: "card" }, el("div", { class: "label" }, label),
    el("div", { class: "value", id: id || "" }, value));
}

function fields(pairs) {
  return el("dl", { class: "fields" }, pairs.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

// A two-series line chart: transactions per block and validation time per block.
function chart(blocks) {
  const ns = "http://www.w3.org/2000/svg";
  const w = 600, h = 160, pad = 4;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("id", "chart");
  const series = (values, color) => {
    const max = Math.max(1, ...values);
    const step = values.length > 1 ? (w - 2 * pad) / (values.length - 1) : 0;
    const points = values.map((v, i) => `${pad + i * step},${h - pad - (v / max) * (h - 2 * pad)}`);
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", points.join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", color);
    line.setAttribute("stroke-width", "2");
    line.setAttribute("vector-effect", "non-scaling-stroke");
    svg.append(line);
  };
  const ordered = blocks.slice().reverse();
  const txs = ordered.map((b) => b.txs);
  const ms = ordered.map((b) => b.validation_ms || 0);
  series(txs, "#3b5bdb");
  series(ms, "#e8590c");
  return el("div", { class: "chart" }, svg,
    el("div", { class: "legend", id: "legend" },
      el("span", { style: "color:#3b5bdb" }, `― transactions per block (max ${Math.max(0, ...txs)})`),
      el("span", { style: "color:#e8590c" }, `― validation ms per block (max ${Math.max(0, ...ms).toFixed(1)})`)));
}

// Assembly with one top-level instruction per line (nested programs and strings stay whole).
function asmLines(text) {
  let out = "", depth = 0, quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === "[") depth++;
    else if (!quoted && c === "]") depth--;
    out += c === " " && depth === 0 && !quoted ? "\n" : c;
  }
  return out;
}

function forest(f) {
  const trees = f.roots.map((r) => el("div", { title: r.root }, `2^${r.level} = ${r.leaves}`));
  return el("div", {},
    el("p", { class: "muted" }, `${f.count} unspent outputs in ${f.roots.length} trees (generation ${f.generation})`),
    el("div", { class: "forest", id: "forest" }, trees));
}

// On a bridged chain: the checkpoints the validators signed for the L1 (encoding:
// version, LE64 height, block ID, …) and how many withdrawals they signed.
async function bridgeSection() {
  let view;
  try {
    view = await api("/v1/bridge/signed");
  } catch (e) {
    return [];
  }
  const rows = view.checkpoints.map((c) => {
    const height = le64(c.message.slice(2, 18));
    return el("tr", {},
      el("td", { class: "num" }, link(`#/block/${height}`, height)),
      el("td", { class: "hash" }, short(c.message.slice(18, 82))),
      el("td", { class: "num" }, c.signatures.length));
  });
  return [
    el("h2", {}, `Bridge to L1 chain ${view.chain_id}`),
    fields([["Contract", el("span", { class: "hash" }, view.contract)],
      ["Signed withdrawals", `${view.withdrawals.length}`]]),
    el("table", { id: "checkpoints" },
      el("thead", {}, el("tr", {},
        el("th", { class: "num" }, "Checkpoint height"), el("th", {}, "Block ID"),
        el("th", { class: "num" }, "Signatures"))),
      el("tbody", {}, rows))];
}

// Block rows, the highest first; a run of empty blocks folds into one row.
function blockRows(blocks) {
  const rows = [];
  for (let i = 0; i < blocks.length;) {
    let j = i;
    while (j + 1 < blocks.length && blocks[i].txs === 0 && blocks[j + 1].txs === 0) j++;
    const b = blocks[i];
    if (j > i) {
      const low = blocks[j].height;
      rows.push(el("tr", { class: "folded" }, el("td", { colspan: "6", class: "muted" },
        "blocks ", link(`#/block/${low}`, low), "–", link(`#/block/${b.height}`, b.height), ": empty")));
    } else {
      rows.push(el("tr", {},
        el("td", { class: "num" }, link(`#/block/${b.height}`, b.height)),
        el("td", { class: "hash" }, link(`#/block/${b.height}`, short(b.id))),
        el("td", { class: "wide" }, time(b.timestamp_ms)),
        el("td", { class: "num" }, b.txs),
        el("td", { class: "num wide" }, b.bytes),
        el("td", { class: "num" }, b.validation_ms === null ? "–" : b.validation_ms.toFixed(1))));
    }
    i = j + 1;
  }
  return rows;
}

// The table of `blocks` with a link to the page of the blocks below them.
function blockTable(blocks) {
  const lowest = blocks.length ? blocks[blocks.length - 1].height : 1;
  return [
    el("table", { id: "blocks" },
      el("thead", {}, el("tr", {},
        el("th", { class: "num" }, "Height"), el("th", {}, "ID"), el("th", { class: "wide" }, "Time"),
        el("th", { class: "num" }, "Txs"), el("th", { class: "num wide" }, "Bytes"),
        el("th", { class: "num" }, "Validation ms"))),
      el("tbody", {}, blockRows(blocks))),
    el("p", { class: "pager" }, lowest > 1 ? link(`#/blocks/${lowest}`, "Older blocks →", "older") : null)];
}

function recentTxs(recent) {
  if (recent.txs.length === 0) {
    return el("p", { class: "muted", id: "recent-txs" }, `No transactions since block ${recent.from_height}.`);
  }
  return el("table", { id: "recent-txs" }, el("tbody", {},
    recent.txs.map((t) => el("tr", {},
      el("td", { class: "hash" }, link(`#/tx/${t.id}`, short(t.id))),
      el("td", {}, link(`#/block/${t.height}`, `block ${t.height}`)),
      el("td", { class: "num" }, `fee ${t.fee}`),
      el("td", { class: "num wide" }, t.feerate_text)))));
}

async function home() {
  const status = await api("/v1/status");
  // A node whose store fails says so first; its other routes may fail meanwhile.
  const fault = status.error
    ? el("p", { class: "error", id: "node-error" }, `This node cannot use its store: ${status.error}`)
    : null;
  let recent, txs, f;
  try {
    [recent, txs, f] = await Promise.all([
      api(`/v1/blocks/recent?limit=${PAGE_BLOCKS}`), api("/v1/txs/recent?limit=10"), api("/v1/forest")]);
  } catch (e) {
    if (fault) return [el("h1", {}, "Chain"), fault];
    throw e;
  }
  return [
    el("h1", {}, "Chain"),
    fault,
    el("div", { class: "cards" },
      card("Height", status.height, "tip-height"),
      card("Tip", link(`#/block/${status.height}`, short(status.tip), "hash")),
      card("Unspent outputs", status.utxos),
      card("Mempool", `${status.mempool_txs} tx, ${status.mempool_bytes} B`),
      card("Role", status.producing ? "producer" : "follower")),
    el("h2", {}, "Latest transactions"),
    recentTxs(txs),
    el("h2", {}, "Recent blocks"),
    chart(recent.blocks),
    blockTable(recent.blocks),
    el("h2", {}, "Utreexo forest"),
    forest(f),
    ...(await bridgeSection())];
}

// The blocks below height `below`, a page at a time.
async function blocks(below) {
  const page = await api(`/v1/blocks/recent?limit=${PAGE_BLOCKS}&below=${encodeURIComponent(below)}`);
  const newer = Number(below) + PAGE_BLOCKS;
  return [
    el("h1", {}, `Blocks below ${below}`),
    el("p", { class: "pager" }, link(`#/blocks/${newer}`, "← Newer blocks", "newer"), " ", link("#/", "Latest")),
    blockTable(page.blocks)];
}

async function block(which) {
  const path = /^\d+$/.test(which) ? `/v1/blocks/${which}` : `/v1/blocks/id/${which}`;
  const [b, status] = await Promise.all([api(path), api("/v1/status")]);
  return [
    el("h1", {}, `Block ${b.height}`),
    el("p", { class: "pager" },
      b.height > 1 ? link(`#/block/${b.height - 1}`, `← Block ${b.height - 1}`, "prev-block") : null, " ",
      b.height < status.height ? link(`#/block/${b.height + 1}`, `Block ${b.height + 1} →`, "next-block") : null),
    fields([
      ["ID", el("span", { class: "hash", id: "block-id" }, b.id)],
      ["Height", b.height],
      ["Version", b.version],
      ["Previous", b.height > 1 ? link(`#/block/${b.height - 1}`, b.prev, "hash") : el("span", { class: "hash" }, b.prev)],
      ["Time", time(b.timestamp_ms)],
      ["Transaction root", el("span", { class: "hash" }, b.txroot)],
      ["UTXO root", el("span", { class: "hash" }, b.utxoroot)],
      ["Size", `${b.bytes} bytes`],
      ["Validation", b.validation_ms === null ? "not recorded" : `${b.validation_ms.toFixed(1)} ms`],
    ]),
    el("h2", {}, `Transactions (${b.txs.length})`),
    el("table", { id: "block-txs" }, el("tbody", {},
      b.txs.map((id, i) => el("tr", {}, el("td", { class: "num" }, i),
        el("td", { class: "hash" }, link(`#/tx/${id}`, id))))))];
}

// The bridge's data entries (spec/bridge.md): an import's marker names its L1
// deposit, an export payload the L1 recipient; quantities here are in the open.
const IMPORT_HEX = "5a6b564d427269646765496d706f7274"; // "ZkVMBridgeImport"
const EXPORT_HEX = "5a6b564d4272696467654578706f7274"; // "ZkVMBridgeExport"

function le64(hex) {
  return BigInt("0x" + (hex.match(/../g) || []).reverse().join("")).toString();
}

function token(hex) {
  return /^0+$/.test(hex) ? "ETH" : `token 0x${hex}`;
}

function bridgeData(hex) {
  // After the magic (16 bytes) and the version byte.
  const body = hex.slice(34);
  if (hex.startsWith(IMPORT_HEX) && body.length === 133 * 2) {
    return ["bridge import", `L1 deposit ${le64(body.slice(0, 16))}: ${le64(body.slice(56, 72))} of ${token(body.slice(16, 56))}, L1 transaction 0x${body.slice(202)}`];
  }
  if (hex.startsWith(EXPORT_HEX) && body.length === 48 * 2) {
    return ["bridge export", `${le64(body.slice(80, 96))} of ${token(body.slice(40, 80))} to L1 address 0x${body.slice(0, 40)}`];
  }
  return null;
}

// A flavor commitment, with the asset's name where the transaction issues it.
function flavor(flv, assets) {
  return Object.hasOwn(assets, flv) ? `asset "${assets[flv]}"\nflv ${flv}` : `flv ${flv}`;
}

function logEntry(e, assets) {
  switch (e.type) {
    case "header": return ["header", `version ${e.version}, not before: ${timeBound(e.mintime_ms)}, not after: ${timeBound(e.maxtime_ms)}`];
    case "input": return ["input", el("span", { class: "hash" }, e.id)];
    case "output": return ["output", el("span", { class: "hash" }, e.id)];
    case "issue": return ["issue", el("span", { class: "hash" }, `qty ${e.qty}\n${flavor(e.flv, assets)}`)];
    case "retire": return ["retire", el("span", { class: "hash" }, `qty ${e.qty}\n${flavor(e.flv, assets)}`)];
    case "fee": return ["fee", e.amount];
    case "data": return bridgeData(e.hex) || ["data", el("span", { class: "hash" }, `${e.hex.length / 2} bytes: ${short(e.hex)}`)];
    default: return [e.type, JSON.stringify(e)];
  }
}

async function tx(id) {
  const t = await api(`/v1/txs/${id}`);
  return [
    el("h1", {}, "Transaction"),
    fields([
      ["ID", el("span", { class: "hash", id: "tx-id" }, t.id)],
      ["Block", link(`#/block/${t.height}`, `${t.height} (position ${t.index})`)],
      ["Size", `${t.size} bytes`],
      ["Weight", t.weight === null ? "not recorded" : `${t.weight}`],
      ["Fee", t.feerate_text === null ? `${t.fee}` : `${t.fee} (fee rate ${t.feerate_text})`],
    ]),
    el("h2", {}, "Log"),
    el("table", { id: "tx-log" }, el("tbody", {},
      t.log.map((e) => { const [k, v] = logEntry(e, t.assets || {}); return el("tr", {}, el("th", {}, k), el("td", {}, v)); }))),
    el("p", { class: "muted" }, "Quantities and flavors are confidential: the log shows their commitments, and names an asset where the transaction issues it."),
    el("h2", {}, "Program"),
    el("pre", { id: "tx-program" }, asmLines(t.program))];
}

async function mempool() {
  const m = await api("/v1/mempool");
  return [
    el("h1", {}, "Mempool"),
    el("p", {}, `${m.count} transactions, ${m.bytes} bytes, highest fee rate first.`),
    el("table", { id: "mempool" }, el("tbody", {},
      m.txs.map((p) => el("tr", {}, el("td", { class: "hash" }, p.id),
        el("td", { class: "num" }, `${p.size} B`), el("td", { class: "num" }, `fee ${p.fee}`),
        el("td", { class: "num wide" }, p.feerate_text)))))];
}

function submitForm() {
  const text = el("textarea", { id: "tx-hex", placeholder: "A block transaction in hex (the transaction, then its inputs' Utreexo proofs)" });
  const result = el("div", { id: "submit-result" });
  const form = el("form", { id: "submit-form" }, text, el("p", {}, el("button", { type: "submit" }, "Submit")), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.replaceChildren(el("p", { class: "muted" }, "Verifying…"));
    try {
      const answer = await api("/v1/txs", {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ hex: text.value.trim() }),
      });
      result.replaceChildren(el("p", { class: "ok", id: "accepted" }, `Accepted: ${answer.id}`));
    } catch (error) {
      result.replaceChildren(el("p", { class: "error", id: "rejected" }, `Rejected: ${error.message}`));
    }
  });
  return [el("h1", {}, "Submit a transaction"), form];
}

// A height, a block ID or a transaction ID: tried in that order. Moves to the view found,
// replacing the search in the history so that Back does not search again.
async function search(query) {
  const q = query.trim().toLowerCase();
  const go = (hash) => location.replace(hash);
  if (/^\d+$/.test(q)) return go(`#/block/${q}`);
  if (!/^[0-9a-f]{64}$/.test(q)) throw new Error(`"${query}" is neither a height nor a 64-digit hex ID`);
  try { await api(`/v1/blocks/id/${q}`); return go(`#/block/${q}`); } catch (e) { if (e.status !== 404) throw e; }
  try { await api(`/v1/txs/${q}`); return go(`#/tx/${q}`); } catch (e) { if (e.status !== 404) throw e; }
  throw new Error(`no block or transaction has ID ${q}`);
}

// The views that refresh themselves while shown.
const LIVE = { "": home, mempool };
const VIEWS = { ...LIVE, blocks, block, tx, submit: submitForm, search: (q) => search(decodeURIComponent(q || "")) };

async function route() {
  clearTimeout(timer);
  const token = ++navigation;
  const [name, arg] = location.hash.replace(/^#\/?/, "").split("/");
  const render = Object.hasOwn(VIEWS, name) ? VIEWS[name] : home;
  let nodes;
  try {
    nodes = await render(arg);
  } catch (error) {
    nodes = [failure(error)];
  }
  if (token !== navigation || !nodes) return; // a newer route() owns the view
  view.replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined));
  if (render === LIVE[name || ""]) timer = setTimeout(route, REFRESH_MS);
}

document.getElementById("search").addEventListener("submit", (event) => {
  event.preventDefault();
  const target = `#/search/${encodeURIComponent(document.getElementById("query").value)}`;
  if (location.hash === target) route();
  else location.hash = target;
});
window.addEventListener("hashchange", route);
route();
