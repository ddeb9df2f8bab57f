// k6 load test for the car-ml gateway, run in-cluster by the car-ml-loadtest Job.
// Settings come from the environment (ConfigMap car-ml-loadtest-config):
//   TARGET     base URL of the gateway Service
//   VUS        concurrent virtual users at the plateau
//   RAMP_UP, HOLD, RAMP_DOWN   k6 durations of the three stages
// and from the Secret car-ml-api-keys:
//   API_KEYS   the app's API keys, comma-separated; the first is sent
// The requests are in requests.json beside this file.
import http from 'k6/http';
import { check } from 'k6';

const TARGET = (__ENV.TARGET || 'http://gateway.car-ml.svc.cluster.local').replace(/\/+$/, '');
const VUS = parseInt(__ENV.VUS || '10', 10);
const API_KEY = (__ENV.API_KEYS || '').split(',').map((key) => key.trim()).find((key) => key !== '');
const REQUESTS = JSON.parse(open('./requests.json')).requests;
const TOTAL_WEIGHT = REQUESTS.reduce((sum, r) => sum + (r.weight || 1), 0);

const thresholds = {
  // Always-true thresholds make k6 keep per-endpoint sub-metrics for the summary.
  'http_reqs': ['count>=0'],
  'http_req_duration': ['max>=0'],
};
for (const r of REQUESTS) {
  thresholds[`http_req_duration{endpoint:${r.name}}`] = ['max>=0'];
  thresholds[`http_reqs{endpoint:${r.name}}`] = ['count>=0'];
  thresholds[`http_req_failed{endpoint:${r.name}}`] = ['rate>=0'];
}

export const options = {
  scenarios: {
    gateway: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: __ENV.RAMP_UP || '30s', target: VUS },
        { duration: __ENV.HOLD || '2m', target: VUS },
        { duration: __ENV.RAMP_DOWN || '30s', target: 0 },
      ],
      gracefulRampDown: '10s',
    },
  },
  thresholds,
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

function pick() {
  let n = Math.random() * TOTAL_WEIGHT;
  for (const r of REQUESTS) {
    n -= r.weight || 1;
    if (n < 0) return r;
  }
  return REQUESTS[REQUESTS.length - 1];
}

export default function () {
  const r = pick();
  const params = { tags: { endpoint: r.name }, headers: {} };
  if (API_KEY) params.headers.Authorization = `Bearer ${API_KEY}`;
  let body = null;
  if (r.body !== undefined) {
    body = JSON.stringify(r.body);
    params.headers['Content-Type'] = 'application/json';
  }
  const res = http.request(r.method, TARGET + r.path, body, params);
  check(res, { 'status is 2xx': (x) => x.status >= 200 && x.status < 300 }, { endpoint: r.name });
}

function fmt(v, digits) {
  return v === undefined || v === null ? '-' : Number(v).toFixed(digits);
}

function row(label, reqs, dur, failed) {
  const d = (dur && dur.values) || {};
  const c = (reqs && reqs.values) || {};
  const f = (failed && failed.values) || {};
  return [
    label.padEnd(18),
    fmt(c.count, 0).padStart(9),
    fmt(c.rate, 1).padStart(9),
    fmt(d.avg, 1).padStart(8),
    fmt(d.med, 1).padStart(8),
    fmt(d['p(95)'], 1).padStart(8),
    fmt(d['p(99)'], 1).padStart(8),
    fmt(d.max, 1).padStart(9),
    (f.rate === undefined ? '-' : (100 * f.rate).toFixed(2) + '%').padStart(8),
  ].join(' ');
}

export function handleSummary(data) {
  const m = data.metrics;
  const seconds = data.state.testRunDurationMs / 1000;
  const lines = [
    '',
    `car-ml load test against ${TARGET}: ${VUS} VUs, ${seconds.toFixed(0)} s`,
    'endpoint              requests    req/s   avg ms   p50 ms   p95 ms   p99 ms    max ms   errors',
    row('ALL', m.http_reqs, m.http_req_duration, m.http_req_failed),
  ];
  for (const r of REQUESTS) {
    lines.push(row(r.name, m[`http_reqs{endpoint:${r.name}}`], m[`http_req_duration{endpoint:${r.name}}`],
      m[`http_req_failed{endpoint:${r.name}}`]));
  }
  lines.push('', 'Watch the autoscalers meanwhile: kubectl -n car-ml get hpa -w', '');
  return { stdout: lines.join('\n') };
}
