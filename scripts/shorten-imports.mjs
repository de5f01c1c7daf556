// Shortens the names of the functions a wasm-bindgen build imports from its JS glue, in the .wasm
// and in the glue alike: `__wbg_set_status_ac922636752daf87` becomes `_9`. The glue names are
// unique, hash-suffixed and incompressible (80 of them cost ~1.8 KB of the gzipped module and
// ~1 KB of the gzipped glue); a bundler's minifier cannot shorten them, since they are object keys
// and the names wasm looks its imports up by.
//
//   node scripts/shorten-imports.mjs <dir>    (a wasm-pack output directory, rewritten in place)
//
// It stops with an error, leaving the files as they were, when the build does not look as expected:
// an import name missing from the glue, or a short name already used there.
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const fail = (why) => {
  console.error(`shorten-imports: ${dir}: ${why}`);
  process.exit(1);
};

/** Reads an unsigned LEB128 number at `at`: [value, next offset]. */
function uleb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

function ulebBytes(value) {
  const out = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return Buffer.from(out);
}

const nameBytes = (s) => Buffer.concat([ulebBytes(Buffer.byteLength(s)), Buffer.from(s)]);

/** Rewrites the import section of `wasm`: every import from the glue module gets a short name. */
function shorten(wasm, glueModule) {
  const renames = new Map();
  let at = 8; // magic and version
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = uleb(wasm, at + 1);
    const end = start + size;
    if (id !== 2) {
      at = end;
      continue;
    }
    const [count, first] = uleb(wasm, start);
    let p = first;
    const entries = [ulebBytes(count)];
    for (let i = 0; i < count; i += 1) {
      const [moduleLength, m] = uleb(wasm, p);
      const module = wasm.subarray(m, m + moduleLength).toString();
      const [fieldLength, f] = uleb(wasm, m + moduleLength);
      const field = wasm.subarray(f, f + fieldLength).toString();
      const descStart = f + fieldLength;
      p = skipDescriptor(wasm, descStart);
      let name = field;
      if (module === glueModule) {
        name = `_${renames.size.toString(36)}`;
        renames.set(field, name);
      }
      entries.push(nameBytes(module), nameBytes(name), wasm.subarray(descStart, p));
    }
    if (p !== end) fail('could not read the import section');
    const content = Buffer.concat(entries);
    const section = Buffer.concat([Buffer.from([2]), ulebBytes(content.length), content]);
    return { wasm: Buffer.concat([wasm.subarray(0, at), section, wasm.subarray(end)]), renames };
  }
  fail('no import section');
}

/** The offset after an import's descriptor (function, table, memory, global or tag). */
function skipDescriptor(wasm, at) {
  const kind = wasm[at++];
  const limits = (q) => {
    const flags = wasm[q++];
    q = uleb(wasm, q)[1];
    return flags & 1 ? uleb(wasm, q)[1] : q;
  };
  switch (kind) {
    case 0: return uleb(wasm, at)[1]; // function: type index
    case 1: return limits(at + 1); // table: reference type, limits
    case 2: return limits(at); // memory: limits
    case 3: return at + 2; // global: value type, mutability
    case 4: return uleb(wasm, at + 1)[1]; // tag: attribute, type index
    default: return fail(`unknown import kind ${kind}`);
  }
}

const wasmPath = join(dir, 'mapbox_tokens_bg.wasm');
const glueFiles = readdirSync(dir).filter((f) => /\.c?js$/.test(f)).map((f) => join(dir, f));
const glue = new Map(glueFiles.map((f) => [f, readFileSync(f, 'utf8')]));
const { wasm, renames } = shorten(readFileSync(wasmPath), './mapbox_tokens_bg.js');

const all = [...glue.values()].join('\n');
if (/\b_[0-9a-z]+\b/.test(all)) fail(`the glue already uses a name like ${/\b_[0-9a-z]+\b/.exec(all)[0]}`);
for (const field of renames.keys()) {
  if (!new RegExp(`\\b${field}\\b`).test(all)) fail(`the import ${field} is not in the glue`);
}
const pattern = new RegExp(`\\b(${[...renames.keys()].join('|')})\\b`, 'g');
for (const [file, text] of glue) writeFileSync(file, text.replace(pattern, (name) => renames.get(name)));
writeFileSync(wasmPath, wasm);
console.log(`shorten-imports: ${dir}: ${renames.size} imports renamed`);
