import { descopeId, randomToken } from './ids';
import { createPrng } from './prng';

export interface EmulatorIdentity {
  projectId: string;
  managementKey: string;
  managementKeyId: string;
}

/**
 * Fixed unless overridden, so a developer's `.env` keeps working across emulator restarts. These credentials
 * protect nothing; they exist so that products exercise the same auth path as against Descope.
 */
export function emulatorIdentity(overrides: { projectId?: string; managementKey?: string }): EmulatorIdentity {
  const prng = createPrng(0xde5c09e);
  const projectId = descopeId('P', prng);
  const managementKeyId = descopeId('K', prng);
  const managementKey = `${managementKeyId}${randomToken(prng, 40)}`;
  return {
    projectId: overrides.projectId ?? projectId,
    managementKey: overrides.managementKey ?? managementKey,
    managementKeyId,
  };
}
