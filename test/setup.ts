// Loaded before every test file (scripts/test.mjs). CI runs property tests from one fixed seed so
// a landing never hangs on a case no one has seen; local runs explore new cases each time.
// Replay a failing run with TBM_FC_SEED=<seed from its report>.
import fc from 'fast-check';

const seed = process.env.TBM_FC_SEED ?? (process.env.CI ? '20261124' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
