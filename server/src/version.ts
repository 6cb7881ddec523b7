import { readFileSync } from 'node:fs';

/** Berth's version, as server/package.json states it. */
export const BERTH_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
