'use strict';
// Loading libquiver: QUIVER_LIB works; when nothing has the library, the
// error lists every place tried and names QUIVER_LIB.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const pkg = path.join(__dirname, '..');

function loadIn(env) {
  return spawnSync(process.execPath, ['-e', `require(${JSON.stringify(pkg)}); console.log('loaded')`],
    { env, encoding: 'utf8' });
}

test('QUIVER_LIB names the library', { skip: !process.env.QUIVER_LIB && 'QUIVER_LIB is not set' }, () => {
  const r = loadIn({ PATH: process.env.PATH, NODE_PATH: process.env.NODE_PATH, QUIVER_LIB: process.env.QUIVER_LIB });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /loaded/);
});

test('a missing library: the error lists where it looked and names QUIVER_LIB', (t) => {
  const missing = '/nonexistent/quiver/libquiver.so.0';
  // No pkg-config on PATH, no LD_LIBRARY_PATH: only an installed libquiver could still load.
  const r = loadIn({ PATH: '/nonexistent', NODE_PATH: process.env.NODE_PATH, QUIVER_LIB: missing });
  if (r.status === 0) {
    t.skip('a libquiver is installed in a system directory');
    return;
  }
  assert.match(r.stderr, /Cannot load libquiver/);
  assert.ok(r.stderr.includes(`${missing} (QUIVER_LIB): no such file`), r.stderr);
  assert.match(r.stderr, /libquiver\.so\.0 \(the dynamic loader/);
  assert.match(r.stderr, /\/usr\/local\/lib\/libquiver\.so\.0 \(a system directory\)/);
  assert.match(r.stderr, /pkg-config/);
  assert.match(r.stderr, /set QUIVER_LIB to the path of libquiver\.so/);
});
