'use strict';
// Assertions shared by the Node binding's tests.
const assert = require('node:assert');
const { QuiverError } = require('..');

/** Asserts that fn throws a QuiverError with `status` and a message; returns the error. */
function expectStatus(fn, status) {
  let err;
  assert.throws(fn, (e) => {
    err = e;
    return e instanceof QuiverError && e.status === status && e.message.length > 0;
  });
  return err;
}

module.exports = { expectStatus };
