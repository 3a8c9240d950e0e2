// Browser tests of the staff console (scripts/browser-test.sh runs them): Debian's chromium,
// headless, driven by playwright-core, against the real `sapa serve` on 127.0.0.1 with a
// temporary config and database and a fake WhatsApp Cloud API (a tiny HTTP server here).
// Every page must pass axe-core with no serious or critical violation, at 1280 and 360 px.
//
// Usage: node console.test.js SAPA_BINARY SCREENSHOT_DIR
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { chromium } = require('playwright-core');

const sapa = path.resolve(process.argv[2] || '../../build/src/cli/sapa');
const shots = path.resolve(process.argv[3] || '../../docs/console');
const repo = path.resolve(__dirname, '../..');
const appSecret = 'browser-test-app-secret';
const password = 'kata-sandi-uji-coba';
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// --- A fake Graph API: records every message Sapa sends ---
const sent = [];
let wamid = 0;
const graph = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    try { sent.push(JSON.parse(body)); } catch { sent.push({ raw: body }); }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ messaging_product: 'whatsapp', messages: [{ id: `wamid.fake${++wamid}` }] }));
  });
});

// The course script of the C++ outreach tests: one course "K" with one seat.
const courseScript = {
  id: 'k', version: 1, languages: ['id', 'en'], start: 'menu',
  settings: { kapasitas: { value: 1, description: 'seats' } },
  messages: { waitlist_promoted: { id: 'Kursi untuk {{registration.code}} tersedia.', en: 'A seat for {{registration.code}} is free.' } },
  keywords: [{ words: { id: ['DAFTAR'], en: ['REGISTER'] }, goto: 'daftar' }],
  nodes: {
    menu: { say: { id: 'Menu. Ketik DAFTAR.', en: 'Menu. Type REGISTER.' }, actions: [{ type: 'end' }] },
    daftar: {
      actions: [{ type: 'register', course: 'K', code_prefix: 'K', capacity: 'settings.kapasitas', fields: [] }],
      branch: [{ if: 'registration.status == "waitlisted"', goto: 'tunggu' }],
      next: 'terdaftar',
    },
    terdaftar: { say: { id: 'Terdaftar {{registration.code}}', en: 'Registered {{registration.code}}' }, actions: [{ type: 'end' }] },
    tunggu: { say: { id: 'Daftar tunggu nomor {{registration.position}}', en: 'Waitlist number {{registration.position}}' }, actions: [{ type: 'end' }] },
  },
};

function waitFor(check, ms = 10000) {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      let ok = false;
      try { ok = await check(); } catch { ok = false; }
      if (ok) return resolve();
      if (Date.now() > until) return reject(new Error('timed out waiting'));
      setTimeout(tick, 50);
    };
    tick();
  });
}

function request(port, method, target, body = '', headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// One inbound WhatsApp text, signed as Meta signs it.
let inbound = 0;
function whatsapp(port, channel, numberId, from, text) {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '1', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '6281100000000', phone_number_id: numberId },
      contacts: [{ profile: { name: 'Warga' }, wa_id: from }],
      messages: [{ from, id: `wamid.in${++inbound}`, timestamp: String(1718000000 + inbound), type: 'text', text: { body: text } }],
    } }] }],
  });
  const signature = 'sha256=' + crypto.createHmac('sha256', appSecret).update(body).digest('hex');
  return request(port, 'POST', `/webhooks/${channel}`, body, {
    'Content-Type': 'application/json', 'X-Hub-Signature-256': signature,
  });
}

function sentTo(number, pattern) {
  return sent.some((m) => m.to && m.to.replace(/^\+/, '') === number.replace(/^\+/, '') &&
    JSON.stringify(m).includes(pattern));
}

// --- The tests, in order; each one a name and a function ---
const tests = [];
const test = (name, fn) => tests.push({ name, fn });

async function axe(page, label) {
  // Evaluated through the DevTools protocol: the console's CSP allows no inline script.
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${label}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target).join(' ')}`), []);
}

// Checks a page at desktop and phone width, and saves its screenshot.
async function checkPage(page, name) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await axe(page, `${name} 1280px`);
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  await axe(page, `${name} 360px`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `${name} scrolls sideways at 360 px (${overflow} px)`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function main() {
  assert.ok(fs.existsSync(sapa), `no sapa binary at ${sapa} (build first)`);
  fs.mkdirSync(shots, { recursive: true });
  await new Promise((r) => graph.listen(0, '127.0.0.1', r));
  const graphUrl = `http://127.0.0.1:${graph.address().port}`;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sapa-browser-'));
  fs.writeFileSync(path.join(dir, 'k.json'), JSON.stringify(courseScript));
  const portFree = () => new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const freePort = await portFree();
  const consolePort = await portFree();
  const wa = (name, script, id) => ({
    name, type: 'whatsapp_cloud', script, phone_number_id: id,
    app_secret_env: 'SAPA_BT_META_SECRET', verify_token_env: 'SAPA_BT_META_VERIFY',
    access_token_env: 'SAPA_BT_META_ACCESS', api_base_url: graphUrl, send_rate_per_second: 50,
  });
  const config = {
    server: { listen_address: '127.0.0.1', port: freePort, io_threads: 2 },
    storage: { database_path: path.join(dir, 'sapa.db') },
    dialogs: { paths: [path.join(repo, 'dialogs'), path.join(dir, 'k.json')] },
    channels: [wa('wa', 'lumajang', '1234567890'), wa('wa-k', 'k', '2222222222')],
    logging: { level: 'warn' },
    console: { listen_address: '127.0.0.1', port: consolePort },
  };
  const configPath = path.join(dir, 'sapa.json');
  fs.writeFileSync(configPath, JSON.stringify(config));
  const env = { ...process.env, SAPA_BT_META_SECRET: appSecret, SAPA_BT_META_VERIFY: 'v', SAPA_BT_META_ACCESS: 'a' };
  for (const [name, role] of [['admin', 'admin'], ['lihat', 'viewer']]) {
    const r = spawnSync(sapa, ['staff', 'add', name, '--role', role, '--config', configPath], { input: password + '\n', env });
    assert.equal(r.status, 0, `sapa staff add ${name}: ${r.stderr}`);
  }
  const server = spawn(sapa, ['serve', '--config', configPath], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const port = freePort;
  let browser;
  let passed = 0;
  let failed = 0;
  try {
    await waitFor(async () => (await request(port, 'GET', '/healthz')).status === 200, 15000);
    // Residents: a request for staff on "wa" (lumajang: menu 4, 1, the words), and two
    // sign-ups on "wa-k" for one seat (the second waits).
    for (const text of ['halo', '4', '1', 'Ada calo di desa saya, NIK saya 3508011234567890'])
      assert.equal((await whatsapp(port, 'wa', '1234567890', '6281234500001', text)).status, 200);
    assert.equal((await whatsapp(port, 'wa-k', '2222222222', '6281234500002', 'DAFTAR')).status, 200);
    assert.equal((await whatsapp(port, 'wa-k', '2222222222', '6281234500003', 'DAFTAR')).status, 200);

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const base = `http://127.0.0.1:${port}`;
    const admin = await browser.newContext({ baseURL: base, locale: 'id-ID' });
    const page = await admin.newPage();

    test('the login page is accessible', async () => {
      await page.goto('/console/login');
      await checkPage(page, 'login');
    });
    test('a wrong password is refused in plain words', async () => {
      await page.fill('#name', 'admin');
      await page.fill('#password', 'bukan-kata-sandinya');
      await page.click('button[type=submit]');
      assert.match(await page.textContent('main'), /Nama akun atau kata sandi salah/);
    });
    test('the admin signs in and lands in the inbox', async () => {
      await page.fill('#name', 'admin');
      await page.fill('#password', password);
      await page.click('button[type=submit]');
      await page.waitForURL('**/console/inbox');
      assert.match(await page.textContent('main'), /Ada calo di desa saya/);
      await checkPage(page, 'inbox');
    });
    test('the language link switches the console to English and back', async () => {
      await page.click('header a[hreflang=en]');
      await page.waitForURL('**/console/inbox');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      const text = await page.textContent('body');
      assert.match(text, /Inbox/);
      assert.match(text, /Residents' requests/);
      assert.doesNotMatch(text, /Kotak masuk|Permintaan warga|Keluar/);
      await checkPage(page, 'inbox-en');
      await page.goto('/console/scripts');
      assert.match(await page.textContent('main'), /Check and publish/);
      await checkPage(page, 'scripts-en');
      await page.click('header a[hreflang=id]');
      await page.waitForURL('**/console/scripts');
      assert.equal(await page.getAttribute('html', 'lang'), 'id');
      assert.match(await page.textContent('main'), /Periksa dan terbitkan/);
      await page.goto('/console/inbox');
    });
    test('a request opens with the conversation', async () => {
      await page.click('table a');
      await page.waitForURL(/\/console\/inbox\/\d+$/);
      assert.match(await page.textContent('main'), /Tulis pesan Anda untuk petugas/);
      await checkPage(page, 'request');
    });
    test('a reply reaches the resident through the WhatsApp API', async () => {
      await page.fill('#text', 'Petugas Disnaker akan menelepon Anda hari ini.');
      await page.click('text=Kirim balasan');
      await page.waitForURL(/msg=sent/);
      await waitFor(() => sentTo('6281234500001', 'Petugas Disnaker akan menelepon'));
    });
    test('the request is marked done', async () => {
      await page.click('text=Tandai selesai');
      await page.waitForURL(/msg=done/);
      assert.match(await page.textContent('main'), /Selesai/);
    });
    test('the conversation page shows delivery statuses', async () => {
      await page.goto('/console/conversation?contact=%2B6281234500001');
      assert.match(await page.textContent('main'), /Terkirim|Antre/);
      await checkPage(page, 'conversation');
    });
    test('registrations filter by status', async () => {
      await page.goto('/console/registrations?status=waitlisted');
      const text = await page.textContent('main');
      assert.match(text, /K-0002/);
      assert.doesNotMatch(text, /K-0001/);
      await page.goto('/console/registrations');
      await checkPage(page, 'registrations');
    });
    test('a cancelled registration promotes the waitlisted resident, who is told', async () => {
      await page.click('text=Batalkan K-0001');
      await page.waitForURL(/msg=cancelled/);
      assert.match(await page.textContent('main'), /K-0002 naik dari daftar tunggu/);
      await waitFor(() => sentTo('6281234500003', 'K-0002'));
    });
    test('staff mark a registration attended', async () => {
      await page.click('text=Hadir K-0002');
      await page.waitForURL(/msg=attended/);
      assert.match(await page.textContent('main'), /K-0002 ditandai hadir/);
      await page.goto('/console/registrations?status=attended');
      assert.match(await page.textContent('main'), /K-0002/);
    });
    test('the CSV download has the registrations', async () => {
      const r = await admin.request.get('/console/registrations.csv');
      assert.equal(r.status(), 200);
      assert.match(await r.text(), /K-0001.*cancelled/);
    });
    test('the overview draws the funnel and delivery health', async () => {
      await page.goto('/console/overview');
      assert.equal(await page.locator('svg.chart rect').count() > 0, true);
      assert.match(await page.textContent('main'), /Kesehatan pengiriman/);
      await checkPage(page, 'overview');
    });
    test('an admin publishes a script and it is live at once', async () => {
      await page.goto('/console/scripts');
      const changed = JSON.parse(JSON.stringify(courseScript));
      changed.nodes.menu.say.id = 'Menu baru dari konsol. Ketik DAFTAR.';
      await page.fill('#name', 'k.json');
      await page.fill('#script', JSON.stringify(changed, null, 2));
      await page.fill('#note', 'menu baru');
      await page.click('text=Periksa dan terbitkan');
      await page.waitForSelector('text=diterbitkan dan langsung aktif');
      await checkPage(page, 'scripts');
      assert.equal((await whatsapp(port, 'wa-k', '2222222222', '6281234500009', 'halo')).status, 200);
      await waitFor(() => sentTo('6281234500009', 'Menu baru dari konsol'));
    });
    test('a script with errors is refused with the checker\'s words and nothing changes', async () => {
      const live = (await page.textContent('main')).match(/Versi aktif: versi (\d+)/)[1];
      const broken = JSON.parse(JSON.stringify(courseScript));
      broken.nodes.daftar.next = 'tidak_ada';
      await page.fill('#name', 'k.json');
      await page.fill('#script', JSON.stringify(broken, null, 2));
      await page.click('text=Periksa dan terbitkan');
      const text = await page.textContent('main');
      assert.match(text, /tidak ada yang diterbitkan/);
      assert.match(text, /tidak_ada/);
      assert.match(text, new RegExp(`Versi aktif: versi ${live}\\b`));
      await checkPage(page, 'script-refused');
    });
    test('a broken script file is read into the form, refused by the checker, and nothing changes', async () => {
      await page.goto('/console/scripts');
      const live = (await page.textContent('main')).match(/Versi aktif: versi (\d+)/)[1];
      assert.equal(await page.isVisible('#script-file'), true);  // shown by console.js
      const broken = JSON.parse(JSON.stringify(courseScript));
      broken.nodes.daftar.next = 'tidak_ada_berkas';
      await page.fill('#name', '');
      await page.fill('#script', '');
      await page.setInputFiles('#script-file', { name: 'k.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(broken, null, 2)) });
      await page.waitForSelector('#script-file-status:has-text("k.json")');
      assert.equal(await page.inputValue('#name'), 'k.json');
      assert.match(await page.inputValue('#script'), /tidak_ada_berkas/);
      await page.click('text=Periksa dan terbitkan');
      await page.waitForSelector('.error[role=alert]');
      const text = await page.textContent('main');
      assert.match(text, /tidak ada yang diterbitkan/);
      assert.match(text, /tidak_ada_berkas/);
      assert.match(text, new RegExp(`Versi aktif: versi ${live}\\b`));
    });
    test('a good script file is read into the form and published', async () => {
      await page.goto('/console/scripts');
      const live = Number((await page.textContent('main')).match(/Versi aktif: versi (\d+)/)[1]);
      const changed = JSON.parse(JSON.stringify(courseScript));
      changed.nodes.menu.say.id = 'Menu dari berkas. Ketik DAFTAR.';
      await page.setInputFiles('#script-file', { name: 'k.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(changed, null, 2)) });
      await page.waitForSelector('#script-file-status:has-text("k.json")');
      await page.fill('#note', 'menu dari berkas');
      await page.click('text=Periksa dan terbitkan');
      await page.waitForSelector('text=diterbitkan dan langsung aktif');
      assert.match(await page.textContent('main'), new RegExp(`Versi aktif: versi ${live + 1}\\b`));
      assert.equal((await whatsapp(port, 'wa-k', '2222222222', '6281234500010', 'halo')).status, 200);
      await waitFor(() => sentTo('6281234500010', 'Menu dari berkas'));
    });
    test('a broadcast is previewed with its recipients and segments, then created', async () => {
      await page.goto('/console/broadcasts');
      await page.selectOption('#channel', 'wa-k');
      await page.fill('#text', 'Pelatihan las dimulai Senin pukul 08.00 di BLK Lumajang.');
      await page.fill('#template', 'pelatihan_baru');
      await page.fill('#template_params', 'Senin\nBLK Lumajang');
      await page.click('button:has-text("Pratinjau")');
      assert.equal(await page.textContent('#template-shown'), 'pelatihan_baru (id): Senin · BLK Lumajang');
      assert.match(await page.textContent('#recipients'), /\d+ kontak/);
      assert.match(await page.textContent('#segments'), /\d+/);
      await checkPage(page, 'broadcast-preview');
      await page.click('text=Kirim siaran');
      await page.waitForURL(/\/console\/broadcasts\/\d+\?msg=created/);
      assert.match(await page.textContent('main'), /Penerima: \d+/);
      await checkPage(page, 'broadcast');
    });
    test('the audit log shows what the admin did', async () => {
      await page.goto('/console/audit');
      const text = await page.textContent('main');
      for (const action of ['login', 'reply', 'mark_done', 'cancel_registration', 'publish_scripts', 'publish_refused', 'create_broadcast']) assert.match(text, new RegExp(action));
      await checkPage(page, 'audit');
    });
    test('a form post without the CSRF token is refused', async () => {
      const r = await admin.request.post('/console/inbox/1/done', { form: { csrf: 'x'.repeat(64) } });
      assert.equal(r.status(), 403);
      assert.match(await r.text(), /CSRF/);
    });
    test('a viewer sees masked NIKs, no buttons, and is refused actions', async () => {
      const viewer = await browser.newContext({ baseURL: base, locale: 'id-ID' });
      const v = await viewer.newPage();
      await v.goto('/console/login');
      await v.fill('#name', 'lihat');
      await v.fill('#password', password);
      await v.click('button[type=submit]');
      await v.waitForURL('**/console/inbox');
      const text = await v.textContent('main');
      assert.doesNotMatch(text, /3508011234567890/);
      assert.match(text, /\*{12}7890/);
      await v.click('table a');
      assert.equal(await v.locator('text=Kirim balasan').count(), 0);
      const csrf = await v.getAttribute('input[name=csrf]', 'value');
      const r = await viewer.request.post('/console/inbox/1/done', { form: { csrf } });
      assert.equal(r.status(), 403);
      assert.match(await r.text(), /Akses ditolak/);
      assert.equal((await viewer.request.get('/console/audit')).status(), 403);
      await v.goto('/console/scripts');
      assert.equal(await v.locator('text=Periksa dan terbitkan').count(), 0);
      assert.equal((await viewer.request.post('/console/scripts', { form: { csrf, name: 'k.json', script: '{}' } })).status(), 403);
      await v.goto('/console/broadcasts');
      assert.equal(await v.locator('text=Pratinjau').count(), 0);
      await viewer.close();
    });
    test('the console also answers on its own listen address, without the webhooks', async () => {
      assert.equal((await request(consolePort, 'GET', '/console/login')).status, 200);
      assert.equal((await request(consolePort, 'POST', '/webhooks/wa', '{}')).status, 404);
    });
    test('signing out ends the session', async () => {
      await page.goto('/console/inbox');
      await page.click('text=Keluar');
      await page.waitForURL(/\/console\/login/);
      await page.goto('/console/inbox');
      assert.match(page.url(), /\/console\/login/);
    });

    for (const t of tests) {
      const started = Date.now();
      try {
        await t.fn();
        passed++;
        console.log(`ok   ${t.name} (${Date.now() - started} ms)`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${t.name}: ${e.message}`);
      }
    }
  } finally {
    if (browser) await browser.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.on('exit', r));
    graph.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`browser tests: ${passed} passed, ${failed} failed`);
  if (passed === 0 || failed > 0) process.exit(1);
}

main().catch((e) => { console.error(`browser tests: ${e.stack || e}`); process.exit(1); });
