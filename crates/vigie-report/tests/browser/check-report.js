// Open a vigie HTML report in Debian's Chromium (headless, driven by
// playwright-core over the DevTools protocol; no browser is downloaded) and
// print what a person would see as JSON: verdict, fix-first items, findings
// counted across every page, network requests, console errors, and whether
// any quoted evidence ran. Screenshots go to the artefact folder.
//
// Usage: node check-report.js REPORT.html ARTEFACT_DIR
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');

const [, , reportPath, artefacts] = process.argv;
const watchdog = setTimeout(() => { console.error('browser check timed out after 90 s'); process.exit(3); }, 90000);

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.VIGIE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const out = { requests: [], consoleErrors: [], pageErrors: [] };
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const url = 'file://' + path.resolve(reportPath);
    page.on('request', (r) => { if (r.url() !== url && !r.url().startsWith('data:')) { out.requests.push(r.url()); } });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') { out.consoleErrors.push(m.type() + ': ' + m.text()); } });
    page.on('pageerror', (e) => out.pageErrors.push(String(e)));
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('html[data-ready="1"]', { timeout: 20000 });
    out.title = await page.title();
    out.verdict = (await page.textContent('#verdict .sentence')).trim();
    out.fixFirst = await page.$$eval('#fix-first li.fix-item', (els) => els.map((e) => ({
      headline: e.querySelector('.what .headline').textContent,
      what: e.querySelector('dd.what-text').textContent,
      stage: e.querySelector('.what .stage').textContent,
    })));
    out.fixFirstHasWhy = await page.$$eval('#fix-first li.fix-item', (els) => els.every((e) => /What/.test(e.textContent) && /Where/.test(e.textContent) && /Why it matters/.test(e.textContent) && /What to do/.test(e.textContent)));
    out.total = Number(await page.getAttribute('#findings', 'data-total'));
    out.timelineBars = await page.$$eval('#timeline svg rect', (els) => els.length);
    // Count findings over every page.
    let shown = 0; let pages = 0; const ids = new Set();
    for (;;) {
      pages += 1;
      const pageIds = await page.$$eval('#list details.finding', (els) => els.map((e) => e.id));
      pageIds.forEach((i) => ids.add(i));
      shown += pageIds.length;
      if (await page.isDisabled('#next')) { break; }
      await page.click('#next');
      if (pages > 10000) { break; }
    }
    out.shownAcrossPages = shown; out.distinctShown = ids.size; out.pages = pages;
    out.groups = await page.$$eval('#list h3.group-h', (els) => els.map((e) => e.textContent));
    // The hostile shell of our own: found by search, opened, quoted as text.
    await page.fill('#q', process.env.VIGIE_HOSTILE || 'errorEE.aspx');
    await page.waitForTimeout(400);
    out.hostileShown = await page.$$eval('#list details.finding', (els) => els.length);
    await page.$$eval('#list details.finding', (els) => els.forEach((d) => { d.open = true; }));
    await page.waitForTimeout(200);
    out.marks = await page.$$eval('#list pre.ev mark', (els) => els.length);
    out.evidenceMentionsScript = await page.$$eval('#list pre.ev', (els) => els.some((e) => e.textContent.includes('<script>window.__pwned=1</script>')));
    // Real corpus shells whose quoted text holds <script: shown as text, never as elements.
    await page.fill('#q', '<script');
    await page.waitForTimeout(400);
    out.scriptSearch = await page.$$eval('#list details.finding', (els) => els.length);
    await page.$$eval('#list details.finding', (els) => els.forEach((d) => { d.open = true; }));
    await page.waitForTimeout(300);
    out.scriptTextShown = await page.$$eval('#list pre.ev', (els) => els.filter((e) => /<script/i.test(e.textContent)).length);
    out.imgInList = await page.$$eval('#list img, #list script, #list iframe, #list object, #list embed', (els) => els.length);
    out.scriptsInPage = await page.$$eval('script', (els) => els.length);
    await page.screenshot({ path: path.join(artefacts, 'report-evidence.png'), fullPage: false });
    await page.fill('#q', '');
    await page.waitForTimeout(400);
    out.pwned = await page.evaluate(() => typeof window.__pwned === 'undefined' ? null : window.__pwned);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(artefacts, 'report.png'), fullPage: false });
    await page.emulateMedia({ media: 'print' });
    out.printHidesControls = await page.$eval('#findings .controls', (e) => getComputedStyle(e).display === 'none');
    await page.pdf({ path: path.join(artefacts, 'report.pdf'), format: 'A4' });
    await page.emulateMedia({ media: 'screen' });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true });
    const p2 = await phone.newPage();
    p2.on('pageerror', (e) => out.pageErrors.push(String(e)));
    await p2.goto(url, { waitUntil: 'load' });
    await p2.waitForSelector('html[data-ready="1"]', { timeout: 20000 });
    out.phoneOverflow = await p2.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await p2.screenshot({ path: path.join(artefacts, 'report-phone.png') });
    // The CSP is enforced: a script the page did not vouch for cannot run.
    out.cspBlocksInjected = await p2.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1';
      document.body.appendChild(s);
      return typeof window.__injected === 'undefined';
    });
    out.pwned = out.pwned || await p2.evaluate(() => typeof window.__pwned === 'undefined' ? null : window.__pwned);
  } finally {
    await browser.close();
    clearTimeout(watchdog);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
})().catch((e) => { console.error(String(e && e.stack || e)); process.exit(2); });
