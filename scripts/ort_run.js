#!/usr/bin/env node
// ort_run.js runs ONNX models through ONNX Runtime (onnxruntime-node, CPU,
// default session options) for dlc's exporter check (internal/ortcheck).
//
// Usage: node scripts/ort_run.js <node_modules dir> <job.json>
//
// The job file is {"cases": [{"model": path, "outputs_dir": dir,
// "inputs": [{"name", "dtype", "dims", "file"}]}]}. dtype is an
// onnxruntime-node type name (float32, int64, bool, float16, string, ...);
// file holds the tensor as raw little-endian elements (bool as one byte,
// float16 as its bits), or a JSON array for strings.
//
// For each case the script writes <outputs_dir>/manifest.json:
// {"outputs": [{"name", "dtype", "dims", "file"}]} with the output files
// beside it in the same encoding, or {"error": "<one line>"} when ORT
// rejects the model or fails to run it. One failing case does not stop the
// others. The manifest is written last, so a case without one is the case
// that crashed the process (the caller restarts after it).
'use strict';

const fs = require('fs');
const path = require('path');

const [modulesDir, jobFile] = process.argv.slice(2);
if (!modulesDir || !jobFile) {
  console.error('usage: node ort_run.js <node_modules dir> <job.json>');
  process.exit(2);
}
const ort = require(path.join(path.resolve(modulesDir), 'onnxruntime-node'));
ort.env.logLevel = 'error'; // ORT's warnings would drown the test log

// Typed arrays of the numeric types; float16 travels as its uint16 bits.
const arrays = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array,
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array,
  uint64: BigUint64Array, bool: Uint8Array,
};

function oneLine(e) {
  const s = String(e && e.message ? e.message : e);
  return s.split('\n').map((l) => l.trim()).filter((l) => l).join(' | ').slice(0, 600);
}

function readInput(inp) {
  if (inp.dtype === 'string') {
    return new ort.Tensor('string', JSON.parse(fs.readFileSync(inp.file, 'utf8')), inp.dims);
  }
  const Ctor = arrays[inp.dtype];
  if (!Ctor) throw new Error(`input ${inp.name}: dtype ${inp.dtype} not supported by ort_run.js`);
  const buf = fs.readFileSync(inp.file);
  // Copy into a fresh ArrayBuffer: typed arrays need aligned offsets.
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  return new ort.Tensor(inp.dtype, new Ctor(ab), inp.dims);
}

function writeOutput(dir, k, name, t) {
  const file = path.join(dir, `out_${k}.${t.type === 'string' ? 'json' : 'bin'}`);
  if (t.type === 'string') {
    fs.writeFileSync(file, JSON.stringify(Array.from(t.data)));
  } else {
    const d = t.data;
    fs.writeFileSync(file, Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return { name, dtype: t.type, dims: Array.from(t.dims, Number), file };
}

async function runCase(c) {
  const session = await ort.InferenceSession.create(c.model);
  try {
    const feeds = {};
    for (const inp of c.inputs) feeds[inp.name] = readInput(inp);
    const results = await session.run(feeds);
    const outputs = [];
    session.outputNames.forEach((name, k) => {
      const v = results[name];
      if (!v || !(v instanceof ort.Tensor)) throw new Error(`output ${name} is not a tensor`);
      outputs.push(writeOutput(c.outputs_dir, k, name, v));
    });
    return { outputs };
  } finally {
    await session.release();
  }
}

async function main() {
  const job = JSON.parse(fs.readFileSync(jobFile, 'utf8'));
  for (const c of job.cases) {
    fs.mkdirSync(c.outputs_dir, { recursive: true });
    let manifest;
    try {
      manifest = await runCase(c);
    } catch (e) {
      manifest = { error: oneLine(e) };
    }
    fs.writeFileSync(path.join(c.outputs_dir, 'manifest.json'), JSON.stringify(manifest));
  }
}

main().catch((e) => {
  console.error(oneLine(e));
  process.exit(1);
});
