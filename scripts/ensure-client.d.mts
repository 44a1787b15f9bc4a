/** Why a build of client/dist is needed, or null when it is current. */
export function clientBuildNeeded(): string | null;
/** Builds client/dist with Vite's JavaScript API when it is missing or stale. */
export function ensureClient(opts?: { log?: (msg: string) => void }): Promise<'current' | 'built' | 'skipped'>;
