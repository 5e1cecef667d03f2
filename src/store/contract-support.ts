import assert from 'node:assert/strict';
import { CatalogError } from './catalog.js';

/** What the contract suites share: the CatalogError a call fails with (any other failure, or none, fails the test). */
export async function errorOf(call: () => Promise<unknown>): Promise<CatalogError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof CatalogError) return error;
    throw error;
  }
  assert.fail('the call was expected to fail with a CatalogError');
}
