#!/usr/bin/env node
// ort_bench.js times models in ONNX Runtime (onnxruntime-node, CPU, default
// graph optimizations) for `make bench` (internal/cmd/benchcmp), which
// alternates it with dlc. It is a long-lived process, so the runtime stays
// loaded and warm between the rounds it is asked for.
//
// Usage: node scripts/ort_bench.js <node_modules dir>
//
// It reads one JSON command per line on stdin and answers each with one
// JSON line on stdout ({"error": "<one line>"} when a command fails; the
// process keeps going):
//
//   {"cmd":"load","model":PATH,"name":LABEL,"threads":N,"inputs":[...]}
//     Creates the session (intraOpNumThreads N, interOpNumThreads 1) and
//     its feeds. An input is {"name","dtype","dims","file"} with the tensor
//     as raw little-endian elements in file, or {"name","dtype":"float32",
//     "dims","random":SEED} for uniform values in [-1, 1). Before creating
//     the session the RSS high-water mark is reset (/proc/self/clear_refs),
//     so peak_bytes below covers this session only, plus the process's
//     baseline. Answers {"ok":true,"load_ms":…,"base_rss_bytes":…}, the
//     resident set before the session existed.
//   {"cmd":"run","runs":K,"warmup":W,"outputs_dir":DIR?}
//     Runs W untimed then K timed inferences and answers
//     {"engine":"ort","model":LABEL,"threads":N,"median_ms":…,"p10_ms":…,
//      "p90_ms":…,"runs":K,"peak_bytes":…,"base_rss_bytes":…}
//     (the field names of `dlc bench --json`). peak_bytes is the process's
//     RSS high-water mark (VmHWM), not an allocator count: it includes node
//     and the ORT library. With outputs_dir, the last run's outputs are
//     written there as ort_run.js writes them (out_K.bin + manifest.json).
//   {"cmd":"quit"}
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');

const modulesDir = process.argv[2];
if (!modulesDir) {
  console.error('usage: node ort_bench.js <node_modules dir>');
  process.exit(2);
}
const ort = require(path.join(path.resolve(modulesDir), 'onnxruntime-node'));
ort.env.logLevel = 'error';

const arrays = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array,
  int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
  int64: BigInt64Array, uint64: BigUint64Array, bool: Uint8Array,
};

let state = null; // {session, feeds, name, threads, base}

function oneLine(e) {
  const s = String(e && e.message ? e.message : e);
  return s.split('\n').map((l) => l.trim()).filter((l) => l).join(' | ').slice(0, 600);
}

// procStatus reads a "kB" field of /proc/self/status in bytes (0 if absent).
function procStatus(field) {
  try {
    const m = fs.readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch (e) {
    return 0;
  }
}

function resetPeak() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
  } catch (e) {
    // Not Linux, or not allowed: the peak then covers the process lifetime.
  }
}

// mulberry32: a small seeded generator, so random feeds are reproducible.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeInput(inp) {
  const count = inp.dims.reduce((a, b) => a * b, 1);
  if (inp.random !== undefined) {
    if (inp.dtype !== 'float32') throw new Error(`input ${inp.name}: random feeds are float32 only`);
    const r = rng(inp.random);
    const d = new Float32Array(count);
    for (let i = 0; i < count; i++) d[i] = 2 * r() - 1;
    return new ort.Tensor('float32', d, inp.dims);
  }
  const Ctor = arrays[inp.dtype];
  if (!Ctor) throw new Error(`input ${inp.name}: dtype ${inp.dtype} not supported`);
  const buf = fs.readFileSync(inp.file);
  // Copy into a fresh ArrayBuffer: typed arrays need aligned offsets.
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  return new ort.Tensor(inp.dtype, new Ctor(ab), inp.dims);
}

async function load(c) {
  if (state) await state.session.release();
  state = null;
  resetPeak();
  const base = procStatus('VmRSS');
  const feeds = {};
  for (const inp of c.inputs || []) feeds[inp.name] = makeInput(inp);
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(c.model, {
    intraOpNumThreads: c.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  state = { session, feeds, name: c.name || c.model, threads: c.threads, base };
  return { ok: true, load_ms: loadMs, base_rss_bytes: base };
}

// quantile is the nearest-rank q-quantile of sorted xs.
function quantile(xs, q) {
  return xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))];
}

async function run(c) {
  if (!state) throw new Error('run before load');
  const { session, feeds } = state;
  const runs = Math.max(1, c.runs | 0);
  for (let i = 0; i < (c.warmup | 0); i++) await session.run(feeds);
  const ms = [];
  let results;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    results = await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  if (c.outputs_dir) writeOutputs(c.outputs_dir, session, results);
  ms.sort((a, b) => a - b);
  return {
    engine: 'ort', model: state.name, threads: state.threads,
    median_ms: quantile(ms, 0.5), p10_ms: quantile(ms, 0.1), p90_ms: quantile(ms, 0.9),
    runs, peak_bytes: procStatus('VmHWM'), base_rss_bytes: state.base,
  };
}

function writeOutputs(dir, session, results) {
  fs.mkdirSync(dir, { recursive: true });
  const outputs = session.outputNames.map((name, k) => {
    const t = results[name];
    const d = t.data;
    const file = path.join(dir, `out_${k}.bin`);
    fs.writeFileSync(file, Buffer.from(d.buffer, d.byteOffset, d.byteLength));
    return { name, dtype: t.type, dims: Array.from(t.dims, Number), file };
  });
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ outputs }));
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let reply;
    try {
      const c = JSON.parse(line);
      if (c.cmd === 'quit') break;
      if (c.cmd === 'load') reply = await load(c);
      else if (c.cmd === 'run') reply = await run(c);
      else throw new Error(`unknown command ${JSON.stringify(c.cmd)}`);
    } catch (e) {
      reply = { error: oneLine(e) };
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  }
  if (state) await state.session.release();
}

main().catch((e) => {
  console.error(oneLine(e));
  process.exit(1);
});
