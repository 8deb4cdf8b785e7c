// The workflow bundle the worker loads. Deterministic code only.
export { backfillUsers } from './backfillUsers';
export { applyAuditEvent } from './applyAuditEvent';
export { reconcileUsers } from './reconcileUsers';
export { intakeDelivery } from './intakeDelivery';
export { auditFeed } from './auditFeed';
