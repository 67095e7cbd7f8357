// Opens carta's HTML report in a real browser (Debian's chromium through playwright-core) and
// checks what only a browser can: the page loads with no script errors and no request beyond the
// file itself, every figure is embedded and drawn, no figure text spills out of its figure with
// the real DejaVu metrics, the headline number is the one in results.json, and hostile labels in
// the data stay text (no markup, no script runs). A full-page screenshot is kept as an artifact.
//
// Usage: node report_in_browser.mjs CARTA_BINARY SOURCE_DIR WORK_DIR   (run by ctest)

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [carta, sourceDir, workDir] = process.argv.slice(2);
if (!carta || !sourceDir || !workDir) {
  console.error('usage: node report_in_browser.mjs CARTA_BINARY SOURCE_DIR WORK_DIR');
  process.exit(2);
}

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.error('playwright-core is not installed in tests/browser: run scripts/install-deps.sh');
  process.exit(1);
}
const executablePath = process.env.CARTA_CHROMIUM ?? '/usr/bin/chromium';
if (!fs.existsSync(executablePath)) {
  console.error(`${executablePath} not found: run scripts/install-deps.sh (installs Debian's chromium)`);
  process.exit(1);
}

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
}

function runReport(specPath, outDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  execFileSync(carta, ['report', specPath, '--out', outDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return path.join(outDir, 'index.html');
}

// Loads a page and records everything that would show a broken or leaky report.
async function open(browser, htmlPath) {
  const page = await browser.newPage();
  const pageUrl = pathToFileURL(htmlPath).href;
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => {
    problems.push(`a dialog opened (${d.message()}): user text ran as script`);
    await d.dismiss();
  });
  page.on('request', (r) => {
    if (r.url() !== pageUrl && !r.url().startsWith('data:')) problems.push(`request beyond the file: ${r.url()}`);
  });
  await page.goto(pageUrl, { waitUntil: 'load' });
  return { page, problems };
}

// Each embedded figure's drawn size and the text that leaves its drawing area (real font
// metrics, not carta's estimate).
function inspectFigures(page) {
  return page.$$eval('div.figure > svg', (svgs) =>
    svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      const width = Number(svg.getAttribute('width'));
      const spills = [];
      for (const t of svg.querySelectorAll('text')) {
        const b = t.getBBox();
        if (t.textContent.trim() !== '' && (b.x < -0.5 || b.x + b.width > width + 0.5)) {
          spills.push(`"${t.textContent}" spans x ${b.x.toFixed(1)} to ${(b.x + b.width).toFixed(1)} of ${width}`);
        }
      }
      return { title: svg.querySelector('text')?.textContent ?? '', w: box.width, h: box.height, spills };
    }),
  );
}

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
try {
  // 1. The bundled CAR-T review.
  const exampleOut = path.join(workDir, 'example');
  const html = runReport(path.join(sourceDir, 'examples/cart-ball/review.toml'), exampleOut);
  const { page, problems } = await open(browser, html);
  for (const p of problems) check(false, `bundled example: ${p}`);

  const svgFiles = fs.readdirSync(path.join(exampleOut, 'figures')).filter((f) => f.endsWith('.svg'));
  const figures = await inspectFigures(page);
  check(figures.length === svgFiles.length,
        `bundled example: ${figures.length} figures in the page, ${svgFiles.length} SVG files in figures/`);
  for (const f of figures) {
    check(f.w > 100 && f.h > 100, `figure "${f.title}" is drawn at ${f.w} x ${f.h} px`);
    for (const s of f.spills) check(false, `figure "${f.title}": text outside the figure: ${s}`);
  }

  // Each study row of a forest plot has a tooltip with its whole label and numbers; each figure a
  // numbered caption linking to its SVG, PNG and PDF, which exist.
  const rows = await page.$$eval('div.figure svg g.study', (gs) =>
    gs.map((g) => g.querySelector(':scope > title')?.textContent ?? ''));
  check(rows.length > 100, `bundled example: only ${rows.length} study rows in the figures`);
  check(rows.every((t) => /: .*\[/.test(t)), `bundled example: a study row without its tooltip: ${rows.find((t) => !/: .*\[/.test(t))}`);
  const captions = await page.$$eval('div.figure + p.caption', (ps) =>
    ps.map((p) => ({ text: p.textContent, links: [...p.querySelectorAll('a')].map((a) => a.getAttribute('href')) })));
  check(captions.length === figures.length, `bundled example: ${captions.length} captions for ${figures.length} figures`);
  captions.forEach((c, i) => {
    check(c.text.startsWith(`Figure ${i + 1}.`), `caption ${i + 1} reads "${c.text}"`);
    check(c.links.length === 3, `caption "${c.text}" has ${c.links.length} file links`);
    for (const l of c.links) check(fs.existsSync(path.join(exampleOut, l)), `caption "${c.text}" links to a missing ${l}`);
  });

  const results = JSON.parse(fs.readFileSync(path.join(exampleOut, 'results.json'), 'utf8'));
  const cr = results.outcomes[0];
  const expected = (100 * cr.pool.random.prop).toFixed(1);
  const summaryRow = await page.$$eval('table tr', (rows) =>
    rows.map((r) => r.innerText).find((t) => t.startsWith('Complete remission')) ?? '');
  check(summaryRow.includes(expected),
        `summary row for complete remission "${summaryRow}" does not show results.json's ${expected}%`);
  // The certainty a reader sees for complete remission is results.json's, and the contents links
  // to the GRADE and baseline sections take the reader there.
  check(summaryRow.toLowerCase().includes(cr.grade.certainty),
        `summary row for complete remission "${summaryRow}" does not show the certainty ${cr.grade.certainty}`);
  for (const id of ['certainty', 'baseline']) {
    await page.click(`nav a[href="#${id}"]`);
    const top = await page.$eval(`#${id}`, (e) => e.getBoundingClientRect().top);
    check(Math.abs(top) < 5, `the contents link to #${id} leaves its heading at ${top} px from the top`);
  }
  const profileRows = await page.$$eval('#certainty + p + div.table tr', (rows) => rows.length);
  check(profileRows === 1 + results.outcomes.length + results.survival.reduce((n, s) => n + s.grade.length, 0),
        `the GRADE profile has ${profileRows} rows`);
  // On a phone (390 px) the page itself does not scroll sideways: wide tables scroll in their box.
  await page.setViewportSize({ width: 390, height: 800 });
  const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check(pageWidth <= 390, `at 390 px the page is ${pageWidth} px wide`);
  await page.setViewportSize({ width: 1366, height: 900 });
  // On paper (A4 and Letter, 16 mm margins) no figure or table runs past the page's width, and the
  // page prints.
  await page.emulateMedia({ media: 'print' });
  for (const [format, width] of [['A4', 673], ['Letter', 695]]) {
    await page.setViewportSize({ width, height: 1000 });
    const over = await page.$$eval('div.figure > svg, div.table > table', (els) =>
      els.filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map((e) => `${e.tagName} ${Math.round(e.getBoundingClientRect().width)} px`));
    check(over.length === 0, `printed on ${format}, ${over.length} figures or tables run past the page: ${over.slice(0, 3).join('; ')}`);
    const pdf = await page.pdf({ format, margin: { top: '16mm', bottom: '16mm', left: '16mm', right: '16mm' } });
    check(pdf.length > 100000, `the ${format} PDF of the report is only ${pdf.length} bytes`);
  }
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize({ width: 1366, height: 900 });
  // Kept as the test's artifact: what a reader sees, for review by eye (WORK_DIR/report.png).
  const screenshot = path.join(workDir, 'report.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  check(fs.statSync(screenshot).size > 10000, `the screenshot ${screenshot} is (nearly) empty`);
  await page.close();

  // 2. Hostile text in the data and the spec stays text.
  const hostileDir = path.join(workDir, 'hostile');
  fs.rmSync(hostileDir, { recursive: true, force: true });
  fs.mkdirSync(hostileDir, { recursive: true });
  fs.writeFileSync(path.join(hostileDir, 'data.csv'),
                   'label,x,n,group\n' +
                   '"<img src=x onerror=""window.__pwned=1"">",3,10,"<script>window.__pwned=2</script>"\n' +
                   'B,5,12,a&b\n' +
                   '"</svg><script>alert(3)</script>",7,20,a&b\n');
  fs.writeFileSync(path.join(hostileDir, 'spec.toml'),
                   'title = "<b onmouseover=alert(4)>T</b>"\n[data]\nfile = "data.csv"\nlabel = "label"\n' +
                   'characteristics = ["group"]\n[analyses]\nsubgroups = ["group"]\n' +
                   '[[outcome]]\nname = "<iframe src=javascript:alert(5)>"\nevents = "x"\nn = "n"\n' +
                   'grade.indirectness = { concern = "serious", reason = "<img src=x onerror=\'window.__pwned=6\'>" }\n' +
                   '[[baseline]]\nname = "<b onmouseover=alert(7)>B</b>"\ncategories = "group"\n');
  const hostile = await open(browser, runReport(path.join(hostileDir, 'spec.toml'), path.join(hostileDir, 'out')));
  for (const p of hostile.problems) check(false, `hostile labels: ${p}`);
  const state = await hostile.page.evaluate(() => ({
    pwned: window.__pwned,
    injected: document.querySelectorAll('img, iframe, script, b[onmouseover]').length,
    text: document.body.innerText,
  }));
  check(state.pwned === undefined, `hostile labels: injected script ran (window.__pwned = ${state.pwned})`);
  check(state.injected === 0, `hostile labels: ${state.injected} injected element(s) in the page`);
  check(state.text.includes('<img src=x onerror="window.__pwned=1">'), 'hostile labels: the label is not shown as text');
  check(state.text.includes('<iframe src=javascript:alert(5)>'), 'hostile labels: the outcome name is not shown as text');
  await hostile.page.close();

  // 3. Risk of bias with a 200-character domain name and a long study label: wrapped, inside.
  const robDir = path.join(workDir, 'rob');
  fs.rmSync(robDir, { recursive: true, force: true });
  fs.mkdirSync(robDir, { recursive: true });
  const longDomain = 'Bias arising from a domain whose published name is very long indeed '.repeat(4).slice(0, 200);
  const longStudy = 'A study label that goes on and on, as labels pasted from a citation manager do, '.repeat(3);
  fs.writeFileSync(path.join(robDir, 'data.csv'), 'label,x,n\nA,3,10\nB,5,12\n');
  fs.writeFileSync(path.join(robDir, 'rob.csv'),
                   `Study,"${longDomain}",D2,Overall\nA,Low,High,High\n"${longStudy}",Some concerns,Low,Some concerns\n`);
  fs.writeFileSync(path.join(robDir, 'spec.toml'),
                   '[data]\nfile = "data.csv"\nlabel = "label"\n[[outcome]]\nname = "X"\nevents = "x"\nn = "n"\n' +
                   '[risk_of_bias]\nfile = "rob.csv"\ntool = "generic"\n');
  const rob = await open(browser, runReport(path.join(robDir, 'spec.toml'), path.join(robDir, 'out')));
  for (const p of rob.problems) check(false, `risk of bias: ${p}`);
  const robFigures = (await inspectFigures(rob.page)).filter((f) => f.title.startsWith('Risk of bias'));
  check(robFigures.length === 2, `risk of bias: ${robFigures.length} risk-of-bias figures in the page, expected 2`);
  for (const f of robFigures) {
    // Wrapped, not widened: a figure as wide as its longest name would not fit a page.
    check(f.w <= 1000, `risk-of-bias figure "${f.title}" is ${f.w} px wide: long names should wrap`);
    for (const s of f.spills) check(false, `risk-of-bias figure "${f.title}": text outside the figure: ${s}`);
  }
  await rob.page.close();
} finally {
  await browser.close();
}

if (failures.length > 0) {
  for (const f of failures) console.error(`FAIL: ${f}`);
  process.exit(1);
}
console.log('report renders in chromium: no errors, no external requests, figures drawn and inside their bounds, ' +
            `headline number matches results.json, hostile text inert; screenshot: ${path.join(workDir, 'report.png')}`);
