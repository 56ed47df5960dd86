/**
 * Loads uWebSockets.js and refuses the package's pure-JS fallback: a simulator that silently
 * serves through it would make every load test measure the fallback, not the app.
 */
import { createRequire } from 'node:module';
import type * as Uws from '@trufflesuite/uws-js-unofficial';
import { SimError } from '../sim-error.js';

export type UwsModule = typeof Uws;

/** True when `App` is the native binding's function, not the JS fallback's. */
export function isNativeUws(mod: Pick<UwsModule, 'App'>): boolean {
  // Anchored, and bound functions excluded: a JS body can contain the marker, and a bound JS function prints it.
  return (
    typeof mod.App === 'function' &&
    !mod.App.name.startsWith('bound ') &&
    /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(mod.App))
  );
}

export function loadUws(): UwsModule {
  const require = createRequire(import.meta.url);
  const mod = require('@trufflesuite/uws-js-unofficial') as UwsModule;
  if (!isNativeUws(mod)) {
    throw new SimError(
      'SIM_ERR_UWS_FALLBACK',
      `the native uWebSockets.js binding did not load for Node ${process.version} (${process.platform}-${process.arch}, ABI ${process.versions.modules}); refusing to serve through the slow pure-JS fallback`,
    );
  }
  return mod;
}
