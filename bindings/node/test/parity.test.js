'use strict';
// native.js copies the enums and the struct layouts of quiver.h by hand: this
// test reads the header and fails when they drift apart (a status added, an
// enum renumbered, a struct field added, moved or retyped). A struct that the
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
  if (/^(uint32_t|int32_t|int|unsigned|qv_\w+)$/.test(type)) return 4; // enums are int-sized
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
