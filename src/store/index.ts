export { MongoStore } from './mongoStore';
export type { SyncStateDocument, EventRecord } from './mongoStore';
export { fromUserDocument, toUserDocument, contentHash, canonicalJson } from './userDocument';
export * from './types';
