'use strict';
// native.js copies the enums, the struct layouts and the function
// declarations of quiver.h by hand: this test reads the header and fails when
// they drift apart (a status added, an enum renumbered, a struct field added,
// moved or retyped, a parameter added, moved or retyped). A struct that the
// library fills with its _init() must be as large as the header says.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { koffi, enums, structs } = require('../native');

const headerPath = process.env.QUIVER_HEADER ||
  path.join(__dirname, '..', '..', '..', 'include', 'quiver', 'quiver.h');
const header = fs.readFileSync(headerPath, 'utf8');

const stripComments = (s) => s.replace(/\/\*[\s\S]*?\*\//g, '');

function body(what, name) {
  const m = header.match(new RegExp(`typedef ${what} ${name} \\{([\\s\\S]*?)\\} ${name};`));
  assert.ok(m, `quiver.h has no ${what} ${name}`);
  return stripComments(m[1]);
}

function headerEnum(name) {
  const values = {};
  let next = 0;
  for (const item of body('enum', name).split(',').map((s) => s.trim()).filter(Boolean)) {
    const [id, v] = item.split('=').map((s) => s.trim());
    if (v !== undefined) next = Number(v);
    values[id] = next++;
  }
  return values;
}

// LP64 (every platform koffi's prebuilt binaries run this binding on).
function sizeOf(type) {
  if (type.includes('*')) return 8;
  if (/^(const )?(uint64_t|int64_t|size_t)$/.test(type)) return 8;
  if (/^(uint32_t|int32_t|int|unsigned|float|qv_\w+)$/.test(type)) return 4; // enums are int-sized
  throw new Error(`parity test: unknown C type '${type}' in quiver.h: teach sizeOf`);
}

/** [{ name, offset }] and the size of `typedef struct name`, laid out as a C compiler does. */
function headerLayout(name) {
  const fields = [];
  let offset = 0;
  let align = 1;
  for (const decl of body('struct', name).split(';').map((s) => s.trim()).filter(Boolean)) {
    let field;
    let type;
    const fn = decl.match(/\(\*\s*(\w+)\)/);
    if (fn) {
      field = fn[1];
      type = 'fn *';
    } else {
      const m = decl.match(/^(.*?)(\w+)$/);
      field = m[2];
      type = m[1].replace(/\s+/g, ' ').trim();
    }
    const size = sizeOf(type);
    offset = Math.ceil(offset / size) * size;
    fields.push({ name: field, offset });
    offset += size;
    align = Math.max(align, size);
  }
  return { fields, size: Math.ceil(offset / align) * align };
}

test('every enum of native.js matches quiver.h', () => {
  for (const [name, values] of Object.entries(enums)) {
    assert.deepStrictEqual(values, headerEnum(name), `enum ${name}: native.js vs quiver.h`);
  }
  const all = [...header.matchAll(/typedef enum (\w+) \{/g)].map((m) => m[1]);
  assert.deepStrictEqual(Object.keys(enums).sort(), all.sort(), 'every enum of quiver.h is declared in native.js');
});

test('every struct layout of native.js matches quiver.h', () => {
  for (const [name, type] of Object.entries(structs)) {
    const { fields, size } = headerLayout(name);
    const members = Object.keys(koffi.introspect(type).members);
    assert.deepStrictEqual(members, fields.map((f) => f.name), `struct ${name}: fields of native.js vs quiver.h`);
    for (const f of fields) {
      assert.strictEqual(koffi.offsetof(type, f.name), f.offset, `${name}.${f.name}: offset`);
    }
    assert.strictEqual(koffi.sizeof(type), size, `struct ${name}: size`);
  }
  const all = [...header.matchAll(/typedef struct (\w+) \{/g)].map((m) => m[1]);
  assert.deepStrictEqual(Object.keys(structs).sort(), all.sort(), 'every struct of quiver.h is declared in native.js');
});

/** name -> [{ name, type }] of every QV_API function of quiver.h. */
function headerFunctions() {
  const fns = new Map();
  const code = stripComments(header);
  // A function pointer typedef (qv_embed_fn) is a pointer to koffi's proto of that name.
  const fnTypes = new Set([...code.matchAll(/typedef\s+\w+\s*\(\s*\*\s*(\w+)\s*\)/g)].map((m) => m[1]));
  for (const m of code.matchAll(/QV_API\s+[^;(]*?\b(qv_\w+)\s*\(([^;]*?)\)\s*;/g)) {
    fns.set(m[1], params(m[2]).map((p) => (fnTypes.has(p.base) ? { ...p, depth: p.depth + 1 } : p)));
  }
  return fns;
}

/** [{ name, type }] of a C parameter list; types without const, _Out_ or _Inout_. */
function params(list) {
  const items = list.split(',').map((s) => s.trim()).filter((s) => s && s !== 'void');
  return items.map((p) => {
    const m = p.replace(/\b(const|_Out_|_Inout_)\b/g, '').replace(/\s*\*\s*/g, '*').trim()
      .match(/^(\S+?)\s*(\**)\s*(\w+)$/);
    assert.ok(m, `parity test: cannot read the parameter '${p}'`);
    return { name: m[3], base: m[1], depth: m[2].length };
  });
}

/** name -> params of every function native.js declares with lib.func('...'). */
function nativeFunctions() {
  const src = fs.readFileSync(path.join(__dirname, '..', 'native.js'), 'utf8');
  const fns = new Map();
  for (const m of src.matchAll(/lib\.func\(\s*((?:'[^']*'\s*\+?\s*)+)\)/g)) {
    const decl = [...m[1].matchAll(/'([^']*)'/g)].map((s) => s[1]).join('');
    const d = decl.match(/\b(qv_\w+)\s*\((.*)\)\s*$/);
    assert.ok(d, `parity test: cannot read the declaration '${decl}'`);
    fns.set(d[1], params(d[2]));
  }
  return fns;
}

// An enum crosses as int, size_t is uint64_t (LP64), and void * stands for
// any pointer of the same depth (bytes the binding decodes itself).
const sameBase = (a, b) => {
  const norm = (t) => {
    if (Object.prototype.hasOwnProperty.call(enums, t)) return 'int';
    return t === 'size_t' ? 'uint64_t' : t;
  };
  return norm(a) === norm(b) || a === 'void' || b === 'void';
};

test('every function native.js declares matches quiver.h (parameter names, pointer depth, types)', () => {
  const h = headerFunctions();
  const n = nativeFunctions();
  assert.ok(n.size > 40, `found only ${n.size} declarations in native.js`);
  for (const [name, ps] of n) {
    assert.ok(h.has(name), `${name}: not in quiver.h`);
    const hp = h.get(name);
    assert.deepStrictEqual(ps.map((p) => p.name), hp.map((p) => p.name), `${name}: parameters`);
    hp.forEach((p, i) => {
      assert.strictEqual(ps[i].depth, p.depth, `${name}(${p.name}): pointer depth`);
      assert.ok(sameBase(ps[i].base, p.base), `${name}(${p.name}): ${ps[i].base} in native.js, ${p.base} in quiver.h`);
    });
  }
  // The document calls of quiver.h ("Documents") and the copying reads (safe
  // while the key changes) are all declared.
  for (const name of ['qv_index_upsert_text', 'qv_index_document_chunks', 'qv_index_copy_document',
    'qv_index_list_documents', 'qv_index_document_count', 'qv_index_copy_metadata']) {
    assert.ok(n.has(name), `${name}: declare it in native.js`);
  }
});
