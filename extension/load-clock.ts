// Imported first by extension.ts, so evaluated before every other module of the bundle: the
// extension's activation time is measured from here, its own loading included.

/** When the extension's bundle began to run. */
export const bundleStartedAt = performance.now();
