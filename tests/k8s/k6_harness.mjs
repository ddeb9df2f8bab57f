// Runs the k6 script (k8s/loadtest/base/loadtest.js) under node with k6's
// modules and globals stubbed, for tests/k8s/test_loadtest.py. Prints JSON:
// the requests it made, its options, and its handleSummary text.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [script, requestsFile] = process.argv.slice(2);
const sent = [];
globalThis.__k6 = {
  http: { request: (method, url, body, params) => { sent.push({ method, url, body, params }); return { status: 200 }; } },
  check: () => true,
};
globalThis.__ENV = { TARGET: 'http://gateway.example/', VUS: '7', ...JSON.parse(process.env.K6_EXTRA_ENV || '{}') };
globalThis.open = (p) => readFileSync(p.endsWith('requests.json') ? requestsFile : p, 'utf8');

let src = readFileSync(script, 'utf8');
src = src.replace("import http from 'k6/http';", 'const http = globalThis.__k6.http;');
src = src.replace("import { check } from 'k6';", 'const check = globalThis.__k6.check;');
if (/^import /m.test(src)) throw new Error('unexpected import in the k6 script');
const dir = mkdtempSync(join(tmpdir(), 'k6-'));
const file = join(dir, 'loadtest.mjs');
writeFileSync(file, src);
const mod = await import(pathToFileURL(file).href);

for (let i = 0; i < 400; i++) mod.default();

// A fake end-of-test summary shaped like k6's handleSummary data.
const trend = { avg: 12.5, med: 10, 'p(90)': 20, 'p(95)': 25, 'p(99)': 40, max: 80 };
const metrics = {
  http_reqs: { values: { count: 1000, rate: 50 } },
  http_req_duration: { values: trend },
  http_req_failed: { values: { rate: 0.01 } },
};
for (const r of JSON.parse(readFileSync(requestsFile, 'utf8')).requests) {
  metrics[`http_reqs{endpoint:${r.name}}`] = { values: { count: 300, rate: 15 } };
  metrics[`http_req_duration{endpoint:${r.name}}`] = { values: trend };
  metrics[`http_req_failed{endpoint:${r.name}}`] = { values: { rate: 0 } };
}
const summary = mod.handleSummary({ metrics, state: { testRunDurationMs: 20000 } }).stdout;
process.stdout.write(JSON.stringify({ requests: sent, options: mod.options, summary }));
