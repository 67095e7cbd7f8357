// The workspace as a team uses it, in Debian's chromium through playwright-core: the owner creates
// the review from the setup link, adds reviewers, imports two search exports and removes the
// duplicates (an uncertain pair decided side by side with one key); two reviewers in two browser
// contexts screen the same 50 records with the keyboard (blinded: neither sees the other's vote),
// the server is killed with SIGKILL in the middle and restarted without losing an acknowledged
// vote, the adjudicator resolves the conflicts, the full-text stage excludes one report with a
// reason (a PDF uploaded, a non-PDF refused), and the PRISMA counts on the page equal those `carta
// screening` computes from the exported log. Records titled with markup stay text: no script of
// theirs runs, no dialog opens, the CSP reports nothing.
//
// Usage: node workspace_in_browser.mjs CARTA_BINARY WORK_DIR   (run by ctest)

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [carta, workDir] = process.argv.slice(2);
if (!carta || !workDir) {
  console.error('usage: node workspace_in_browser.mjs CARTA_BINARY WORK_DIR');
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

const failures = [];
let expectedRefusal = false;
function check(condition, message) {
  if (!condition) failures.push(message);
}

fs.rmSync(workDir, { recursive: true, force: true });
fs.mkdirSync(workDir, { recursive: true });
const review = path.join(workDir, 'review.carta');

// --- the searches: 50 unique records, 3 of them exported by both databases --------------------
const topics = ['leukemia', 'lymphoma', 'remission', 'relapse', 'toxicity', 'cytokine', 'neurotoxicity', 'survival',
  'infusion', 'persistence'];
function ris(index, hostile) {
  let title = `${topics[index % 10]} ${topics[(index * 3 + 1) % 10]} outcomes in cohort ${index} after CAR-T therapy`;
  if (index === 1) title = `<script>window.__pwned = 1</script> ${title}`;
  if (index === 2) title = `"><img src=x onerror="window.__pwned = 2"> ${title}`;
  if (index === 3) title = `${title} in a mouse model`;
  return `TY  - JOUR\nTI  - ${title}\nAU  - Author${index}, A\nPY  - ${2010 + (index % 12)}\nJO  - Journal ${index % 7}\n` +
    `VL  - ${index}\nSP  - ${100 + index}\nAB  - Abstract of study ${index}: CD19 CAR-T cells ${hostile ?? ''}\nER  - \n\n`;
}
let pubmed = '';
for (let i = 0; i < 40; ++i) pubmed += ris(i, i === 4 ? '<b onmouseover="window.__pwned=3">bold</b>' : '');
let embase = '';
for (let i = 40; i < 50; ++i) embase += ris(i);
for (let i = 10; i < 13; ++i) embase += ris(i, i === 4 ? '<b onmouseover="window.__pwned=3">bold</b>' : '');
// An updated report of PubMed's record 20 without volume and pages: close, not certain, so the
// engine leaves it for a person to decide.
embase += `TY  - JOUR\nTI  - ${topics[0]} ${topics[1]} outcomes in cohort 20 after CAR-T therapy: an updated analysis\n` +
  `AU  - Author20, A\nPY  - 2018\nJO  - Journal 6\nAB  - Updated abstract of study 20\nER  - \n\n`;
fs.writeFileSync(path.join(workDir, 'pubmed.ris'), pubmed);
fs.writeFileSync(path.join(workDir, 'embase.ris'), embase);

// --- the server ------------------------------------------------------------------------------
let server;
let base;
let setupLink;
function start(port) {
  return new Promise((resolve, reject) => {
    server = spawn(carta, ['serve', review, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`carta serve did not start: ${out}`)), 15000);
    server.stdout.on('data', (d) => {
      out += d;
      const url = out.match(/at (http:\/\/127\.0\.0\.1:(\d+)\/)/);
      const setup = out.match(/(http:\/\/\S+\/setup\?token=[0-9a-f]+)/);
      if (url && (setup || !out.includes('no accounts'))) {
        clearTimeout(timer);
        base = url[1];
        if (setup) setupLink = setup[1];
        resolve(Number(url[2]));
      }
    });
    server.stderr.on('data', (d) => process.stderr.write(`[server] ${d}`));
  });
}
const port = await start(0);

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
const problems = [];
async function newPage(name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (m) => {
    // The one refusal the test provokes on purpose (a non-PDF upload) answers 400, which chromium logs.
    if (expectedRefusal && m.text().includes('status of 400')) return;
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${name}: console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
  page.on('dialog', async (d) => {
    problems.push(`${name}: a dialog opened (${d.message()}): record text ran as script`);
    await d.dismiss();
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('data:')) problems.push(`${name}: request outside the server: ${r.url()}`);
  });
  return page;
}
async function submit(page, action) {
  await Promise.all([page.waitForNavigation(), action()]);
}
async function login(page, name, password) {
  await page.goto(base + 'login');
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', password);
  await submit(page, () => page.click('button[type=submit]'));
  check(await page.locator('.who span').textContent().then((t) => t.startsWith(name)), `${name} is logged in`);
}

try {
  // --- the owner sets up the review ------------------------------------------------------------
  const owner = await newPage('owner');
  check(setupLink, 'a new review prints a setup link');
  await owner.goto(setupLink);
  await owner.fill('input[name=name]', 'Olga');
  await owner.fill('input[name=password]', 'owner-password');
  await submit(owner, () => owner.click('button[type=submit]'));
  check((await owner.textContent('h1')) === 'Overview', 'the owner lands on the overview');
  // A second setup is refused.
  const again = await owner.request.post(base + 'setup', { form: { token: 'x', name: 'Mallory', password: 'mallory-pass' } });
  check(again.status() === 403, `a second owner cannot be created (HTTP ${again.status()})`);
  // A state-changing request without the CSRF token is refused.
  const forged = await owner.request.post(base + 'settings/users', { form: { name: 'Mallory', role: 'owner', password: 'mallory-pass' } });
  check(forged.status() === 403, `a POST without the CSRF token is refused (HTTP ${forged.status()})`);
  const headers = (await owner.request.get(base)).headers();
  check(/script-src 'self'/.test(headers['content-security-policy'] ?? '') &&
        !/unsafe-inline/.test(headers['content-security-policy'] ?? ''), 'the CSP allows no inline script');

  await owner.goto(base + 'settings');
  for (const [name, role] of [['Ann', 'reviewer'], ['Ben', 'reviewer'], ['Jude', 'adjudicator']]) {
    await owner.fill('form[action="/settings/users"] input[name=name]', name);
    await owner.selectOption('form[action="/settings/users"] select[name=role]', role);
    await owner.fill('form[action="/settings/users"] input[name=password]', `${name.toLowerCase()}-password`);
    await submit(owner, () => owner.click('form[action="/settings/users"] button[type=submit]'));
  }
  check((await owner.locator('table tbody tr').count()) === 4, 'four people in the team');
  await owner.fill('textarea[name=criteria]', 'Include: clinical trials of CAR-T cells in relapsed or refractory ' +
    'B-cell acute lymphoblastic leukemia that report remission or toxicity. Exclude: preclinical studies, reviews, ' +
    'reports of fewer than 5 patients.');
  await owner.fill('textarea[name=include]', 'CAR-T\nremission');
  await owner.fill('textarea[name=exclude]', 'mouse');
  await submit(owner, () => owner.click('form[action="/settings/screening"] button[type=submit]'));

  for (const [db, file] of [['PubMed', 'pubmed.ris'], ['Embase', 'embase.ris']]) {
    await owner.goto(base + 'import');
    await owner.fill('input[name=database]', db);
    await owner.setInputFiles('input[name=file]', path.join(workDir, file));
    await submit(owner, () => owner.click('form[action="/import"] button[type=submit]'));
  }
  check((await owner.locator('table tbody tr').count()) === 2, 'two imports listed');
  await owner.goto(base + 'dedup');
  await submit(owner, () => owner.click('form[action="/dedup/run"] button'));
  // The uncertain pair, side by side, decided with one key and applied.
  check(await owner.locator('.pair').count() === 1 && (await owner.textContent('h2')).includes('(1 pairs to review'),
    `one pair to review: ${await owner.textContent('main')}`);
  check((await owner.textContent('.pair')).includes('an updated analysis'), 'the pair shows both reports');
  await submit(owner, () => owner.keyboard.press('d'));
  check((await owner.textContent('main')).includes('No pairs to review'), 'the decided pair is gone');
  await owner.goto(base + 'prisma');
  const count = async (page, label) => Number((await page.textContent(`td[data-count="${label}"]`)).trim());
  check(await count(owner, 'Records identified') === 54, 'PRISMA: 54 records identified');
  check(await count(owner, 'Duplicates removed') === 4, 'PRISMA: 4 duplicates removed (one by decision)');

  // --- two reviewers screen, blinded, with the keyboard ----------------------------------------
  const ann = await newPage('Ann');
  const ben = await newPage('Ben');
  await login(ann, 'Ann', 'ann-password');
  await login(ben, 'Ben', 'ben-password');
  await ann.goto(base + 'screen?stage=title_abstract');
  await ben.goto(base + 'screen?stage=title_abstract');
  check(await ann.locator('mark.kw-in').count() > 0, 'inclusion keywords are highlighted');
  const titles = { ann: [], ben: [] };
  async function screen(page, who, n, choose) {
    for (let i = 0; i < n; ++i) {
      const title = await page.textContent('.record .title');
      titles[who].push(title);
      check(!(await page.content()).includes(who === 'ann' ? 'Ben' : 'Ann:'), `${who} never sees the other's vote`);
      await submit(page, () => page.keyboard.press(choose(title)));
    }
  }
  // Ann includes everything; Ben excludes the mouse study and cohort 7, which makes two conflicts.
  await screen(ann, 'ann', 25, () => 'i');
  // The server dies mid-session (SIGKILL) and comes back on the same port: nothing acknowledged is lost.
  server.kill('SIGKILL');
  await new Promise((r) => server.once('exit', r));
  await start(port);
  await ann.goto(base + 'screen?stage=title_abstract');
  check((await ann.textContent('.progress')).includes('decided 25 of 50'),
        `after kill -9, Ann's 25 votes are there: ${await ann.textContent('.progress')}`);
  await screen(ann, 'ann', 25, () => 'i');
  check((await ann.textContent('main')).includes('Nothing left'), 'Ann has finished');
  await screen(ben, 'ben', 50, (t) => (/mouse|cohort 7 /.test(t) ? 'e' : 'i'));
  // Undo and previous from the keyboard.
  await ben.goto(base + 'screen?stage=title_abstract');
  await submit(ben, () => ben.keyboard.press('p'));
  check((await ben.locator('.vote.chosen').count()) === 1, 'previous shows Ben his own vote');
  await submit(ben, () => ben.keyboard.press('u'));
  check((await ben.locator('.vote.chosen').count()) === 0, 'undo takes the vote back');
  await submit(ben, () => ben.keyboard.press('i'));

  // --- the adjudicator resolves the conflicts ------------------------------------------------
  const jude = await newPage('Jude');
  await login(jude, 'Jude', 'jude-password');
  await jude.goto(base + 'conflicts');
  const conflicts = await jude.locator('section.conflict').count();
  check(conflicts === 2, `two conflicts (got ${conflicts})`);
  check((await jude.textContent('main')).includes('Ann') && (await jude.textContent('main')).includes('Ben'),
        'the adjudicator sees both votes');
  const mouse = jude.locator('section.conflict', { hasText: 'mouse' });
  await submit(jude, () => mouse.locator('button[value=exclude]').click());
  await submit(jude, () => jude.locator('section.conflict').first().locator('button[value=include]').click());
  check((await jude.locator('section.conflict').count()) === 0, 'no conflicts left');

  // --- full text: one report excluded with a reason -----------------------------------------
  for (const page of [ann, ben]) {
    await page.goto(base + 'screen?stage=full_text');
    for (let i = 0; ; ++i) {
      if ((await page.locator('.record').count()) === 0) break;
      if (i === 0) {
        // Exclude without a reason: the page asks for one and sends nothing.
        await page.keyboard.press('e');
        await page.waitForSelector('#reason-hint');
        await page.selectOption('#reason', 'Wrong population');
        await page.locator('#reason').blur();
        await submit(page, () => page.keyboard.press('e'));
      } else {
        if (i === 1 && page === ann) {
          // A file that is not a PDF is refused with a page that says so; a PDF is kept by its hash,
          // served as a PDF, and the report is linked to its study.
          fs.writeFileSync(path.join(workDir, 'not-a.pdf'), '\x89PNG\r\n\x1a\nthis is an image');
          await page.setInputFiles('input[name=pdf]', path.join(workDir, 'not-a.pdf'));
          expectedRefusal = true;
          await submit(page, () => page.click('form[action="/fulltext/upload"] button'));
          expectedRefusal = false;
          check((await page.textContent('main')).includes('the file is not a PDF'), `a non-PDF upload is refused: ${await page.textContent('main')}`);
          await page.goBack();
          const pdf = '%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n';
          fs.writeFileSync(path.join(workDir, 'report.pdf'), pdf);
          await page.setInputFiles('input[name=pdf]', path.join(workDir, 'report.pdf'));
          await submit(page, () => page.click('form[action="/fulltext/upload"] button'));
          const href = await page.getAttribute('a[href^="/fulltext/"]', 'href');
          const served = await page.request.get(base + href.slice(1));
          check(served.ok() && served.headers()['content-type'].startsWith('application/pdf') &&
                (await served.text()) === pdf, `the uploaded PDF is served as a PDF (${href})`);
          await page.fill('input[name=study]', 'ELIANA');
          await submit(page, () => page.click('form[action="/fulltext/study"] button'));
          check(await page.inputValue('input[name=study]') === 'ELIANA', 'the report is linked to its study');
        }
        await submit(page, () => page.keyboard.press('i'));
      }
      if (i > 60) throw new Error('full-text screening does not end');
    }
  }

  // --- PRISMA on the page equals carta screening on the exported log --------------------------
  await owner.goto(base + 'prisma');
  const page = {
    screened: await count(owner, 'Records screened'),
    excluded: await count(owner, 'Records excluded'),
    assessed: await count(owner, 'Reports assessed'),
    included: await count(owner, 'Reports included'),
  };
  check(page.screened === 50 && page.excluded === 1 && page.assessed === 49 && page.included === 48,
        `PRISMA counts on the page: ${JSON.stringify(page)}`);
  check(await owner.locator('img.diagram').count() === 1, 'the flow diagram is drawn');
  const svg = await owner.request.get(base + 'prisma.svg');
  check(svg.ok() && (await svg.text()).includes('<svg'), 'the diagram is served');
  const log = await owner.request.get(base + 'export/screening-log.csv');
  fs.writeFileSync(path.join(workDir, 'screening-log.csv'), await log.text());
  execFileSync(carta, ['screening', path.join(workDir, 'screening-log.csv'), '--database', 'PubMed=40', '--database',
    'Embase=14', '--duplicates', '4', '--out', path.join(workDir, 'cli')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const cli = JSON.parse(fs.readFileSync(path.join(workDir, 'cli', 'screening.json'), 'utf8'));
  check(cli.title_abstract.records === page.screened && cli.title_abstract.excluded === page.excluded &&
        cli.included_reports === page.included, `carta screening agrees: ${JSON.stringify(cli.title_abstract)}`);
  // The included records go out as RIS that carta's own readers take back, one record per inclusion.
  const ris = await (await owner.request.get(base + 'export/included.ris')).text();
  fs.writeFileSync(path.join(workDir, 'included.ris'), ris);
  const reread = execFileSync(carta, ['dedup', path.join(workDir, 'included.ris'), '--out', path.join(workDir, 'reread.csv')],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const rows = fs.readFileSync(path.join(workDir, 'reread.csv'), 'utf8').trim().split('\n').length - 1;
  check((ris.match(/^TY  - /gm) ?? []).length === page.included && rows === page.included,
        `included.ris holds the ${page.included} included records (${rows} read back)`);
  const audit = await (await owner.request.get(base + 'export/audit.csv')).text();
  check(audit.includes('undo vote') && audit.includes('adjudicate'), 'the audit trail has the undo and the adjudication');

  await ann.goto(base + 'screen?stage=title_abstract&record=8');
  check(await ann.locator('section.criteria').innerText().then((t) => t.includes('relapsed or refractory')),
    'the eligibility criteria are shown beside the record');
  await ann.screenshot({ path: path.join(workDir, 'screening.png'), fullPage: true });
  for (const p of [owner, ann, ben, jude]) {
    check((await p.evaluate(() => window.__pwned)) === undefined, 'no record text ran as script');
  }
} catch (e) {
  failures.push(`the session broke off: ${e.stack ?? e}`);
} finally {
  await browser.close();
  server.kill('SIGTERM');
}

for (const p of problems) failures.push(p);
if (failures.length) {
  for (const f of failures) console.error(`FAIL: ${f}`);
  process.exit(1);
}
console.log('workspace in chromium: setup, import, dedup, blinded dual screening by keyboard, kill -9 without loss, ' +
  'adjudication, full text with a reason, PRISMA equal to carta screening, hostile titles inert');
