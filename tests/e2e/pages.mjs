// End-to-end tests of sanaw's web pages in a real browser (Debian's Chromium, driven by
// playwright-core), with axe-core run on every page visited.
//
// Usage:  node tests/e2e/pages.mjs PATH-TO-SANAW-BINARY
//         (.ci/e2e installs what it needs and calls this; `npm ci --prefix tests/e2e` first)
//
// What it does: starts `sanaw demo` in a fresh temporary folder on a free port, creates a
// statistician token, then runs the scenarios below in Chromium (headless, no network other than
// 127.0.0.1) and prints one TAP-like line per step: `ok - name` or `not ok - name: reason`, with
// `# …` lines for diagnostics. Exits 1 if any step failed, 2 if the setup itself failed. Full-page
// screenshots of the pages visited go to target/e2e/<name>.png (failures: fail-<step>.png).
//
// The scenarios run under the pages' real Content-Security-Policy. Only the axe-core runs use a
// separate browser context with bypassCSP (the policy would block the injected axe script).
//
// The selectors are the contract with src/pages/ (see the list in SELECTORS below).
//
// Knobs (environment): E2E_CHROMIUM (default /usr/bin/chromium), E2E_KEEP_TMP=1 keeps the
// temporary folder (demo data, server log), E2E_SLOWMO=ms slows every browser action down.

import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, mkdir, readFile, readdir, rm, open } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const execFileP = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const SHOTS = path.join(ROOT, 'target', 'e2e');
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const AXE_PATH = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
const JUSTICE_CSV = path.join(HERE, 'justice-e2e.csv');
const SCRIPT_NAME = '<script>alert("x")</script> Hyzmat HJ';
const SCRIPT_TEXT = '<script>alert("x")</script>';
const BAD_LINE = 4; // the line of justice-e2e.csv with the malformed registration date (header = 1)
const STEP_TIMEOUT_MS = 90_000;
const WATCHDOG_MS = 10 * 60_000;

// The contract with the pages (src/pages/): what each selector must match.
const SELECTORS = {
    q: '#q',                                         // the search box on /
    hitLink: '#results li.hit a.hit-name',           // a search hit's link to /units/{stat_id}
    hit: '#results li.hit',
    unitName: 'h1#unit-name',                        // the unit's name on /units/{stat_id}
    enterpriseLink: '#links a.link[data-kind="enterprise"]',
    asOf: '#as-of',                                  // the as-of date control on /units/{stat_id}
    loginForm: '#login',
    token: '#token',
    loginSubmit: '#login button[type=submit]',
    reviewItem: 'article#review-item[data-id]',
    queueEmpty: '#queue-empty',
    uploadForm: '#upload',
    source: 'select[name=source]',
    file: 'input#file',
    uploadSubmit: '#upload button[type=submit]',
    progress: 'progress#upload-progress',
    report: '#report',
    rejectedCount: '#report #rejected-count',        // the report's number of rejected rows
    rejectionsCsv: 'a#rejections-csv',
    langLink: (lang) => `a[hreflang="${lang}"]`,
};

// ------------------------------------------------------------------ small helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(...a);
const diag = (s) => console.log(String(s).split('\n').map((l) => `# ${l}`).join('\n'));

class Fail extends Error {}
function check(cond, msg) {
    if (!cond) throw new Fail(msg);
}

function withTimeout(promise, ms, what) {
    let t;
    return Promise.race([
        promise,
        new Promise((_, rej) => { t = setTimeout(() => rej(new Fail(`${what}: timed out after ${ms / 1000} s`)), ms); }),
    ]).finally(() => clearTimeout(t));
}

async function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.unref();
        s.on('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

// Poll fn() until it returns a truthy value (exceptions count as "not yet").
async function until(fn, timeoutMs, what) {
    const end = Date.now() + timeoutMs;
    let last;
    for (;;) {
        try {
            const v = await fn();
            if (v) return v;
        } catch (e) {
            last = e;
        }
        if (Date.now() > end) {
            throw new Fail(`${what} (waited ${timeoutMs / 1000} s)${last ? `; last error: ${short(last)}` : ''}`);
        }
        await sleep(250);
    }
}

function short(e) {
    const m = (e && (e.message || String(e))) || 'unknown error';
    // playwright's messages carry a long "Call log"; keep its first lines
    return m.split('\n').filter((l) => l.trim()).slice(0, 4).join(' | ').slice(0, 600);
}

// Turkmen Latin -> Russian Cyrillic, good enough for the search to recognise the name.
const TRANSLIT = {
    a: 'а', b: 'б', c: 'дж', ç: 'ч', d: 'д', e: 'е', ä: 'а', f: 'ф', g: 'г', h: 'х', i: 'и',
    j: 'дж', ž: 'ж', k: 'к', l: 'л', m: 'м', n: 'н', ň: 'н', o: 'о', ö: 'о', p: 'п', q: 'к',
    r: 'р', s: 'с', ş: 'ш', t: 'т', u: 'у', ü: 'у', v: 'в', w: 'в', x: 'кс', y: 'ы', ý: 'й', z: 'з',
};
function toCyrillic(word) {
    let out = '';
    const w = word.toLowerCase();
    for (let i = 0; i < w.length; i++) {
        const two = w.slice(i, i + 2);
        if (two === 'ýa') { out += 'я'; i++; continue; }
        if (two === 'ýu') { out += 'ю'; i++; continue; }
        out += TRANSLIT[w[i]] ?? w[i];
    }
    return out.charAt(0).toUpperCase() + out.slice(1);
}
// Change one letter: a vowel after the first two letters becomes another vowel.
const SWAP = { а: 'о', о: 'а', е: 'и', и: 'е', ы: 'и', у: 'о', я: 'а', ю: 'у' };
function misspell(cyr) {
    for (let i = cyr.length - 2; i >= 2; i--) {
        if (SWAP[cyr[i]]) return cyr.slice(0, i) + SWAP[cyr[i]] + cyr.slice(i + 1);
    }
    return null;
}
const LEGAL_WORDS = new Set([
    'hj', 'hojalyk', 'jemgyýeti', 'jemgyyeti', 'hususy', 'kärhana', 'karhana', 'apj', 'ýpj', 'ypj',
    'bilelikdäki', 'bilelikdaki', 'daýhan', 'birleşigi', 'paýdarlar', 'açyk', 'ýapyk', 'döwlet',
    'kärhanasy', 'şahamçasy', 'hk', 'dk', 'jemgyýet', 'telekeçi', 'firmasy', 'kompaniýasy',
]);

// ------------------------------------------------------------------ the run

const binArg = process.argv[2];
if (!binArg) {
    console.error('usage: node tests/e2e/pages.mjs PATH-TO-SANAW-BINARY');
    process.exit(2);
}
const BIN = path.resolve(binArg);
if (!existsSync(BIN)) {
    console.error(`no such binary: ${BIN}`);
    process.exit(2);
}

const started = Date.now();
let server = null;
let serverLogPath = null;
let tmp = null;
let browser = null;
let cleanedUp = false;
const results = [];         // {name, ok, reason}
const visited = new Map();  // axe: url path -> {auth: bool}
const consoleProblems = []; // console errors / CSP reports seen in scenario pages
const dialogs = [];         // every dialog any page opened: {type, message, url, at}

async function cleanup() {
    if (cleanedUp) return;
    cleanedUp = true;
    if (browser) await browser.close().catch(() => {});
    if (server && server.exitCode === null && server.signalCode === null) {
        server.kill('SIGTERM');
        const end = Date.now() + 5000;
        while (server.exitCode === null && server.signalCode === null && Date.now() < end) await sleep(100);
        if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
    if (tmp && !process.env.E2E_KEEP_TMP) await rm(tmp, { recursive: true, force: true }).catch(() => {});
    else if (tmp) diag(`temporary folder kept: ${tmp}`);
}
for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => {
        diag(`${sig}: stopping`);
        await cleanup();
        process.exit(130);
    });
}
// Never leave the server behind, whatever ends this process (an uncaught error, a closed stdout).
process.on('exit', () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
});
process.stdout.on('error', () => {}); // e.g. EPIPE when piped into `head`: keep going, clean up
const watchdog = setTimeout(async () => {
    log(`not ok - whole run: watchdog, still running after ${WATCHDOG_MS / 1000} s`);
    await printServerLog();
    await cleanup();
    process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

async function printServerLog(lines = 40) {
    if (!serverLogPath) return;
    try {
        const text = await readFile(serverLogPath, 'utf8');
        // eslint-disable-next-line no-control-regex
        const tail = text.replace(/\x1b\[[0-9;]*m/g, '').trimEnd().split('\n').slice(-lines).join('\n');
        if (tail) diag(`server log (last ${lines} lines):\n${tail}`);
    } catch { /* no log */ }
}

let base = null;
let token = null;

async function startServer() {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'sanaw-e2e-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    serverLogPath = path.join(tmp, 'server.log');
    const logFile = await open(serverLogPath, 'w');
    const env = { ...process.env };
    // the demo must not pick up a PostgreSQL URL or another data folder from the caller
    delete env.DATABASE_URL;
    delete env.SANAW_DATA_DIR;
    delete env.SANAW_ADDR;
    env.NO_COLOR = '1';
    server = spawn(BIN, ['demo', '--demo-dir', path.join(tmp, 'demo'), '--addr', `127.0.0.1:${port}`], {
        cwd: tmp, env, stdio: ['ignore', logFile.fd, logFile.fd],
    });
    server.on('exit', (code, sig) => { if (!cleanedUp) diag(`sanaw demo exited (code ${code}, signal ${sig})`); });
    await until(async () => {
        if (server.exitCode !== null) throw new Error(`sanaw demo exited with ${server.exitCode}`);
        const r = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
        return r.status === 200;
    }, 120_000, `GET ${base}/health never answered 200`);
    await logFile.close();
    // /health answers once the index is usable; the demo's data may still be on its way into it
    await until(async () => {
        const h = await (await fetch(`${base}/health`)).json();
        const u = await (await fetch(`${base}/api/v1/units?limit=1`)).json();
        return h.register_version > 0 && u.index_version >= h.register_version && u.total > 0;
    }, 60_000, 'the search index never caught up with the demo data');

    const { stdout } = await execFileP(BIN, ['token', 'create', '--role', 'statistician', '--label', 'e2e',
        '--data-dir', path.join(tmp, 'demo')], { cwd: tmp, env });
    token = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('sanaw_')).pop();
    if (!token) throw new Error(`token create printed no token: ${stdout}`);
}

async function api(pathAndQuery, { auth = false, headers = {} } = {}) {
    const h = { ...headers };
    if (auth) h.Authorization = `Bearer ${token}`;
    const r = await fetch(base + pathAndQuery, { headers: h, signal: AbortSignal.timeout(15_000) });
    if (!r.ok) throw new Fail(`GET ${pathAndQuery}: ${r.status} ${await r.text().catch(() => '')}`.slice(0, 400));
    return r.json();
}

// --------------------------------------------------------------- browser plumbing

let currentStepPage = null; // for the failure screenshot

function watchPage(page, label) {
    page.setDefaultTimeout(10_000);
    page.setDefaultNavigationTimeout(20_000);
    page.on('dialog', async (d) => {
        dialogs.push({ type: d.type(), message: d.message(), url: page.url(), at: Date.now() });
        await d.dismiss().catch(() => {});
    });
    page.on('response', (r) => {
        const u = new URL(r.url());
        if (r.status() >= 400 && u.pathname !== '/favicon.ico') consoleProblems.push(`${label} ${page.url()}: ${r.request().method()} ${u.pathname}${u.search} answered ${r.status()}`);
    });
    page.on('console', (m) => {
        if (/^Failed to load resource/.test(m.text())) return; // reported with its URL by 'response'
        if (m.type() === 'error' || /Content.Security.Policy|Refused to/i.test(m.text())) {
            consoleProblems.push(`${label} ${page.url()}: console.${m.type()}: ${m.text()}`.slice(0, 500));
        }
    });
    page.on('pageerror', (e) => consoleProblems.push(`${label} ${page.url()}: uncaught: ${short(e)}`));
    page.on('request', (req) => {
        const u = new URL(req.url());
        if (!['data:', 'blob:', 'about:'].includes(u.protocol) && u.hostname !== '127.0.0.1') {
            consoleProblems.push(`${label}: request to a host other than 127.0.0.1: ${req.url()}`);
        }
    });
    return page;
}

async function newPage(ctx, label) {
    const page = watchPage(await ctx.newPage(), label);
    currentStepPage = page;
    return page;
}

async function shot(page, name) {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }).catch((e) => diag(`screenshot ${name}: ${short(e)}`));
}

// Remember a page for the axe pass (path + query, and whether it needs the session).
function visit(page, auth) {
    const u = new URL(page.url());
    const key = u.pathname + u.search;
    if (!visited.has(key)) visited.set(key, { auth });
}

function urlPath(page) {
    return new URL(page.url()).pathname;
}

async function step(name, fn) {
    const t0 = Date.now();
    currentStepPage = null;
    try {
        await withTimeout(fn(), STEP_TIMEOUT_MS, name);
        results.push({ name, ok: true });
        log(`ok - ${name}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
        const reason = short(e);
        results.push({ name, ok: false, reason });
        log(`not ok - ${name}: ${reason}`);
        if (currentStepPage && !currentStepPage.isClosed()) {
            const safe = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
            await shot(currentStepPage, `fail-${safe}`);
            diag(`  at ${currentStepPage.url()} (screenshot target/e2e/fail-${safe}.png)`);
        }
    }
}

// Wait until the element's attribute differs from `not`, surviving page reloads; returns it.
async function attrChange(page, selector, attr, not, timeoutMs, orSelector) {
    return until(async () => {
        if (orSelector && (await page.locator(orSelector).count()) > 0) return { gone: true };
        const el = page.locator(selector).first();
        if ((await el.count()) === 0) return null;
        const v = await el.getAttribute(attr, { timeout: 1000 });
        return v !== null && v !== not ? { value: v } : null;
    }, timeoutMs, `${selector}[${attr}] still ${JSON.stringify(not)}${orSelector ? ` and no ${orSelector}` : ''}`);
}

// Blur whatever has focus so a key press reaches the page's shortcuts, not a field.
async function pressKey(page, key) {
    await page.evaluate(() => document.activeElement && document.activeElement !== document.body && document.activeElement.blur());
    await page.keyboard.press(key);
}

// --------------------------------------------------------------- the scenarios

async function pickMisspeltUnit() {
    // Legal units with an enterprise, from the demo data; the first whose one distinctive word,
    // written in Cyrillic with one letter changed, still finds it (or a namesake) first.
    const list = await api('/api/v1/units?kind=legal_unit&limit=100');
    const tried = [];
    let fallback = null;
    for (const u of list.results) {
        if (u.kind !== 'legal_unit' || !u.enterprise) continue;
        const words = u.name.replace(/["'«»“”‘’„]/g, ' ').split(/\s+/)
            .filter((w) => /^[a-zçäžňöşüý]{6,}$/i.test(w) && !LEGAL_WORDS.has(w.toLowerCase()));
        if (words.length === 0) continue;
        const word = words.sort((a, b) => b.length - a.length)[0];
        const typo = misspell(toCyrillic(word));
        if (!typo) continue;
        const r = await api(`/api/v1/units?q=${encodeURIComponent(typo)}&limit=5`);
        tried.push(`${typo} (${word})`);
        const top = r.results[0];
        if (!top || top.kind !== 'legal_unit' || !top.enterprise) continue;
        const pick = { unit: u, word, typo, top5: r.results.map((h) => h.stat_id) };
        if (top.stat_id === u.stat_id && r.total <= 5) return pick;
        if (!fallback && top.stat_id === u.stat_id) fallback = pick;
        if (tried.length >= 40) break;
    }
    if (fallback) return fallback;
    throw new Fail(`no legal unit found by a misspelt Cyrillic name via /api/v1/units?q=…; tried ${tried.join(', ')}`);
}

async function main() {
    await mkdir(SHOTS, { recursive: true });
    for (const f of await readdir(SHOTS)) if (f.endsWith('.png')) await rm(path.join(SHOTS, f), { force: true });
    try {
        await startServer();
    } catch (e) {
        log(`not ok - setup (sanaw demo, token): ${short(e)}`);
        await printServerLog();
        return 2;
    }
    diag(`sanaw demo on ${base}, ${BIN}`);

    browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        slowMo: Number(process.env.E2E_SLOWMO || 0),
    });
    diag(`Chromium ${browser.version()}`);
    const ctxOptions = { baseURL: base, viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { 'Accept-Language': 'en' } };
    // The scenarios: real CSP. `user` signs in in scenario 2; `anon` never does.
    const user = await browser.newContext(ctxOptions);
    const anon = await browser.newContext(ctxOptions);
    const noJs = await browser.newContext({ ...ctxOptions, javaScriptEnabled: false });

    // ---- 1. misspelt Cyrillic name -> unit -> enterprise
    let typed = null;
    await step('search: misspelt Cyrillic name, results as you type, unit, its enterprise', async () => {
        const pick = await pickMisspeltUnit();
        typed = pick.typo;
        diag(`  typing ${JSON.stringify(pick.typo)} for ${pick.unit.stat_id} ${JSON.stringify(pick.unit.name)} (API top 5: ${pick.top5.join(' ')})`);
        const page = await newPage(anon, 'anon');
        const resp = await page.goto('/');
        check(resp.status() === 200, `GET / answered ${resp.status()}`);
        const csp = resp.headers()['content-security-policy'] || '';
        check(/default-src 'self'/.test(csp), `GET / has no Content-Security-Policy "default-src 'self'" (got ${JSON.stringify(csp)})`);
        visit(page, false);
        await shot(page, '01-home');
        const q = page.locator(SELECTORS.q);
        await q.waitFor({ state: 'visible' });
        await q.click();
        await q.pressSequentially(pick.typo, { delay: 80 });
        // no submit: results must come as you type
        await page.locator(SELECTORS.hitLink).first().waitFor({ state: 'visible', timeout: 10_000 })
            .catch(() => { throw new Fail(`no ${SELECTORS.hitLink} appeared within 10 s of typing into ${SELECTORS.q} (no Enter pressed)`); });
        // let the as-you-type results settle (the last keystroke's answer)
        let prev = null; let same = 0;
        await until(async () => {
            const href = await page.locator(SELECTORS.hitLink).first().getAttribute('href');
            same = href === prev ? same + 1 : 0; prev = href;
            return same >= 3;
        }, 10_000, 'search results kept changing');
        await shot(page, '01-home-results');
        const first = page.locator(SELECTORS.hitLink).first();
        const href = await first.getAttribute('href');
        check(/^(https?:\/\/[^/]+)?\/units\/\d+$/.test(href || ''), `first hit's href is ${JSON.stringify(href)}, expected /units/{stat_id}`);
        await Promise.all([page.waitForURL(/\/units\/\d+$/), first.click()]);
        const statId = urlPath(page).split('/').pop();
        check(pick.top5.includes(statId), `first hit ${statId} is not among the API's top 5 for the same text (${pick.top5.join(' ')})`);
        await page.locator(SELECTORS.unitName).waitFor({ state: 'visible' });
        check((await page.locator(SELECTORS.asOf).count()) > 0, `no ${SELECTORS.asOf} on ${urlPath(page)}`);
        visit(page, false);
        await shot(page, '01-unit');
        const links = await api(`/api/v1/units/${statId}/links`);
        const ent = links.links.find((l) => l.unit_kind === 'enterprise');
        check(ent, `API: unit ${statId} has no enterprise link`);
        const entLink = page.locator(SELECTORS.enterpriseLink);
        check((await entLink.count()) >= 1, `no ${SELECTORS.enterpriseLink} on /units/${statId} (its enterprise is ${ent.stat_id})`);
        await Promise.all([page.waitForURL(new RegExp(`/units/${ent.stat_id}$`)), entLink.first().click()])
            .catch((e) => { throw new Fail(`clicking ${SELECTORS.enterpriseLink} went to ${page.url()}, expected /units/${ent.stat_id}: ${short(e)}`); });
        await page.locator(SELECTORS.unitName).waitFor({ state: 'visible' });
        visit(page, false);
        await shot(page, '01-enterprise');
    });

    await step('search: /search?q= works without JavaScript', async () => {
        check(typed, 'no search text (the step before failed to pick one)');
        const page = await newPage(noJs, 'nojs');
        const resp = await page.goto(`/search?q=${encodeURIComponent(typed)}`);
        check(resp.status() === 200, `GET /search?q=… answered ${resp.status()}`);
        const n = await page.locator(SELECTORS.hit).count();
        check(n >= 1, `no ${SELECTORS.hit} on /search?q=${typed} with JavaScript disabled`);
        const href = await page.locator(SELECTORS.hitLink).first().getAttribute('href');
        check(/\/units\/\d+$/.test(href || ''), `first hit links to ${JSON.stringify(href)}, expected /units/{stat_id}`);
        visit(page, false);
        await shot(page, '01-search-nojs');
    });

    // ---- languages
    for (const lang of ['ru', 'tk']) {
        await step(`language: Accept-Language ${lang} gives <html lang="${lang}">`, async () => {
            const ctx = await browser.newContext({ ...ctxOptions, extraHTTPHeaders: { 'Accept-Language': lang } });
            try {
                const page = await newPage(ctx, lang);
                await page.goto('/');
                const got = await page.getAttribute('html', 'lang');
                check(got === lang, `<html lang=${JSON.stringify(got)}>, expected ${JSON.stringify(lang)}`);
                await shot(page, `lang-${lang}`);
            } finally {
                await ctx.close();
            }
        });
    }
    await step('language: the switch a[hreflang="en"] gives lang="en", and it stays on the next page', async () => {
        const ctx = await browser.newContext({ ...ctxOptions, extraHTTPHeaders: { 'Accept-Language': 'tk' } });
        try {
            const page = await newPage(ctx, 'tk');
            await page.goto('/');
            check((await page.getAttribute('html', 'lang')) === 'tk', 'precondition: Accept-Language tk did not give lang="tk"');
            const sw = page.locator(SELECTORS.langLink('en'));
            check((await sw.count()) >= 1, `no ${SELECTORS.langLink('en')} on /`);
            await Promise.all([page.waitForLoadState('load'), sw.first().click()]);
            await until(async () => (await page.getAttribute('html', 'lang')) === 'en', 10_000,
                `after clicking ${SELECTORS.langLink('en')}: <html lang=${JSON.stringify(await page.getAttribute('html', 'lang').catch(() => null))}>`);
            await shot(page, 'lang-switched-en');
            await page.goto(`/search?q=${encodeURIComponent(typed || 'Parahat')}`);
            const next = await page.getAttribute('html', 'lang');
            check(next === 'en', `the next page (/search) has lang=${JSON.stringify(next)}; the switch to en did not stay (Accept-Language is tk)`);
        } finally {
            await ctx.close();
        }
    });

    // ---- 2. review with the keyboard
    await step('review: anonymous /review redirects to /login', async () => {
        const page = await newPage(anon, 'anon');
        await page.goto('/review');
        check(urlPath(page) === '/login', `anonymous GET /review ended at ${page.url()}, expected /login`);
        check((await page.locator(SELECTORS.loginForm).count()) === 1, `no ${SELECTORS.loginForm} form on /login`);
    });

    let signedIn = false;
    await step('sign in: /login with the token, back where you came from', async () => {
        const page = await newPage(user, 'user');
        await page.goto('/review'); // not signed in yet: to /login, and back to /review after
        check(urlPath(page) === '/login', `GET /review before signing in ended at ${page.url()}, expected /login`);
        visit(page, false);
        await shot(page, '02-login');
        await page.locator(SELECTORS.token).fill(token);
        await Promise.all([
            page.waitForURL((u) => u.pathname !== '/login', { timeout: 15_000 }),
            page.locator(SELECTORS.loginSubmit).click(),
        ]).catch((e) => { throw new Fail(`submitting ${SELECTORS.loginForm} left the browser at ${page.url()}: ${short(e)}`); });
        const where = urlPath(page);
        check(where === '/review' || where === '/', `after signing in the browser is at ${page.url()}, expected /review (where it came from) or /`);
        if (where !== '/review') diag('  note: signing in went to / rather than back to /review');
        const cookies = await user.cookies(base);
        check(cookies.length > 0, 'no cookie set by signing in');
        const session = cookies.find((c) => c.httpOnly && c.sameSite === 'Strict');
        check(session, `no HttpOnly SameSite=Strict session cookie (cookies: ${cookies.map((c) => `${c.name} httpOnly=${c.httpOnly} sameSite=${c.sameSite}`).join('; ')})`);
        signedIn = true;
    });

    await step('review: j / k move between items, r rejects (confirmed by the API)', async () => {
        check(signedIn, 'not signed in (the step before failed)');
        const page = await newPage(user, 'user');
        await page.goto('/review');
        check(urlPath(page) === '/review', `signed-in GET /review ended at ${page.url()}`);
        const item = page.locator(SELECTORS.reviewItem);
        await item.first().waitFor({ state: 'visible' })
            .catch(() => { throw new Fail(`no ${SELECTORS.reviewItem} on /review (the demo leaves open items)`); });
        visit(page, true);
        await shot(page, '02-review');
        const first = await item.first().getAttribute('data-id');
        const open = await api('/api/v1/review?status=open&limit=100', { auth: true });
        const openCount = open.items.length;
        diag(`  review item ${first} shown; ${openCount} open`);
        if (openCount >= 2) {
            await pressKey(page, 'j');
            const next = await attrChange(page, SELECTORS.reviewItem, 'data-id', first, 10_000);
            await shot(page, '02-review-next');
            await pressKey(page, 'k');
            const back = await until(async () => {
                const v = await page.locator(SELECTORS.reviewItem).first().getAttribute('data-id', { timeout: 1000 });
                return v === first ? v : null;
            }, 10_000, `after j (item ${next.value}) then k, ${SELECTORS.reviewItem} is not item ${first} again`);
            check(back === first, 'k did not return');
        } else {
            diag('  fewer than 2 open items: j/k not tried');
        }
        const before = dialogs.length;
        await pressKey(page, 'r');
        const after = await attrChange(page, SELECTORS.reviewItem, 'data-id', first, 15_000, SELECTORS.queueEmpty)
            .catch((e) => {
                const d = dialogs.slice(before).map((x) => `${x.type} ${JSON.stringify(x.message)}`).join('; ');
                throw new Fail(`${e.message}${d ? ` (dialogs opened and dismissed: ${d})` : ''}`);
            });
        diag(`  after r: ${after.gone ? SELECTORS.queueEmpty : `item ${after.value}`}`);
        await shot(page, '02-review-after-reject');
        const rejected = await until(async () => {
            const r = await api('/api/v1/review?status=rejected&limit=100', { auth: true });
            return r.items.some((i) => String(i.id) === String(first)) ? r : null;
        }, 5000, `GET /api/v1/review?status=rejected does not list item ${first}`);
        check(rejected, 'not rejected');
    });

    // ---- 3. upload an extract, see its report
    let loadId = null;
    await step('loads: upload a justice extract, progress, report with rejections, rejections CSV', async () => {
        check(signedIn, 'not signed in (an earlier step failed)');
        const page = await newPage(user, 'user');
        await page.goto('/loads');
        check(urlPath(page) === '/loads', `signed-in GET /loads ended at ${page.url()}`);
        visit(page, true);
        await shot(page, '03-loads');
        await page.locator(SELECTORS.uploadForm).waitFor({ state: 'visible' });
        await page.locator(SELECTORS.source).selectOption('justice');
        await page.locator(SELECTORS.file).setInputFiles(JUSTICE_CSV);
        // Hold the upload's POST back a little, so that the progress bar has time to show.
        let posted = null;
        await page.route('**/*', async (route) => {
            const req = route.request();
            if (req.method() === 'POST' && !posted) {
                posted = `${req.method()} ${new URL(req.url()).pathname}`;
                await sleep(1500);
            }
            await route.continue();
        });
        const click = page.locator(SELECTORS.uploadSubmit).click();
        const progress = page.locator(SELECTORS.progress).waitFor({ state: 'visible', timeout: 5000 })
            .then(() => true, () => false);
        await click;
        const progressShown = await progress;
        if (progressShown) await shot(page, '03-upload-progress');
        await page.waitForURL(/\/loads\/\d+$/, { timeout: 30_000 })
            .catch(() => { throw new Fail(`after the upload (${posted || 'no POST seen'}) the browser is at ${page.url()}, expected /loads/{id}`); });
        await page.unroute('**/*');
        loadId = urlPath(page).split('/').pop();
        const soft = [];
        if (!progressShown) soft.push(`${SELECTORS.progress} was not visible during the upload (${posted || 'no POST seen'})`);
        diag(`  load ${loadId}`);
        await page.locator(SELECTORS.report).waitFor({ state: 'visible', timeout: 30_000 })
            .catch(() => { throw new Fail(`no ${SELECTORS.report} on /loads/${loadId} within 30 s`); });
        visit(page, true);
        await shot(page, '03-load-report');
        const api4 = await api(`/api/v1/loads/${loadId}`, { auth: true });
        check(api4.source === 'justice' && api4.report, `API: load ${loadId} is ${api4.source}, status ${api4.status}, report ${api4.report ? 'present' : 'missing'}`);
        check(api4.report.rejected >= 1, `API: load ${loadId} rejected ${api4.report.rejected} rows, expected ≥ 1 (line ${BAD_LINE})`);
        const rc = page.locator(SELECTORS.rejectedCount);
        if ((await rc.count()) === 0) {
            soft.push(`no ${SELECTORS.rejectedCount} in the report (the number of rejected rows)`);
        } else {
            const text = await rc.first().textContent();
            const shown = Number.parseInt(text.replace(/\s/g, ''), 10);
            if (!(shown >= 1)) soft.push(`${SELECTORS.rejectedCount} shows ${JSON.stringify(text)}, expected a number ≥ 1`);
        }
        const a = page.locator(SELECTORS.rejectionsCsv);
        check((await a.count()) >= 1, `no ${SELECTORS.rejectionsCsv} on /loads/${loadId}`);
        const href = new URL(await a.first().getAttribute('href'), page.url()).toString();
        const r = await user.request.get(href); // the page's cookies
        const type = r.headers()['content-type'] || '';
        const body = await r.text();
        check(r.status() === 200, `GET ${href} (${SELECTORS.rejectionsCsv}) answered ${r.status()}`);
        check(type.startsWith('text/csv'), `GET ${href} has Content-Type ${JSON.stringify(type)}, expected text/csv`);
        check(new RegExp(`(^|[\\n,])"?${BAD_LINE}"?(,|\\r?\\n|$)`).test(body), `the rejections CSV does not name line ${BAD_LINE}: ${JSON.stringify(body.slice(0, 300))}`);
        check(soft.length === 0, soft.join('; '));
    });

    // ---- 4. the <script> name is text
    await step('escaping: a unit named <script>… shows the name as text, no dialog', async () => {
        check(loadId, 'the upload step did not load the extract');
        const t4 = Date.now();
        const page = await newPage(anon, 'anon');
        const hit = page.locator(SELECTORS.hitLink).filter({ hasText: '<script>' });
        await until(async () => {
            await page.goto('/search?q=Hyzmat');
            return (await hit.count()) > 0;
        }, 20_000, `no hit containing "<script>" on /search?q=Hyzmat (the uploaded ${JSON.stringify(SCRIPT_NAME)})`);
        visit(page, false);
        await shot(page, '04-search-hyzmat');
        await Promise.all([page.waitForURL(/\/units\/\d+$/), hit.first().click()]);
        const name = await page.locator(SELECTORS.unitName).textContent();
        check(name.includes(SCRIPT_TEXT), `${SELECTORS.unitName} text is ${JSON.stringify(name)}, expected it to contain ${JSON.stringify(SCRIPT_TEXT)} literally`);
        check((await page.locator(`${SELECTORS.unitName} script`).count()) === 0, `${SELECTORS.unitName} holds a <script> element`);
        visit(page, false);
        await shot(page, '04-unit-script-name');
        await sleep(500);
        const bad = dialogs.filter((d) => d.at >= t4 || d.message === 'x');
        check(bad.length === 0, `a dialog was opened: ${bad.map((d) => `${d.type} ${JSON.stringify(d.message)} on ${d.url}`).join('; ')}`);
    });

    // ---- axe-core on every page visited, in separate contexts that bypass the CSP
    const axeSource = await readFile(AXE_PATH, 'utf8');
    const axeAnon = await browser.newContext({ ...ctxOptions, bypassCSP: true });
    const axeUser = await browser.newContext({ ...ctxOptions, bypassCSP: true });
    await axeUser.addCookies(await user.cookies());
    for (const [url, { auth }] of visited) {
        await step(`axe: ${url}`, async () => {
            const page = await newPage(auth ? axeUser : axeAnon, 'axe');
            const resp = await page.goto(url);
            check(resp && resp.status() === 200, `GET ${url} answered ${resp && resp.status()}`);
            if (auth) check(urlPath(page) !== '/login', `GET ${url} went to /login in the axe context (the session cookie was not carried over)`);
            await page.waitForLoadState('load');
            await page.addScriptTag({ content: axeSource });
            const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
            const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
            for (const v of res.violations.filter((x) => !bad.includes(x))) {
                diag(`  axe (${v.impact}, not failing): ${v.id}: ${v.help} [${v.nodes.map((n) => n.target.join(' ')).join(', ')}]`);
            }
            if (bad.length) {
                const lines = bad.map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.helpUrl}\n    nodes: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
                diag(lines.join('\n'));
                throw new Fail(`${bad.length} serious/critical axe violation(s): ${bad.map((v) => v.id).join(', ')}`);
            }
        });
    }
    if (visited.size === 0) {
        results.push({ name: 'axe', ok: false, reason: 'no page was visited' });
        log('not ok - axe: no page was visited');
    }

    if (consoleProblems.length) {
        diag(`browser console problems in the scenario pages (${consoleProblems.length}, not failing):`);
        for (const c of [...new Set(consoleProblems)].slice(0, 30)) diag(`  ${c}`);
    }
    return results.some((r) => !r.ok) ? 1 : 0;
}

let code = 1;
try {
    code = await main();
} catch (e) {
    log(`not ok - harness: ${e && e.stack ? e.stack : e}`);
    code = 2;
}
const failed = results.filter((r) => !r.ok);
if (failed.length || code) await printServerLog();
await cleanup();
log(`# ${results.length - failed.length} passed, ${failed.length} failed, ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(process.cwd(), SHOTS) || SHOTS}`);
process.exit(code);
