/** Shapes Descope puts on the wire, as documented in /work/shared/DESCOPE_API.md. */

export type UserStatus = 'enabled' | 'disabled' | 'invited' | 'expired';
export const USER_STATUSES: readonly UserStatus[] = ['enabled', 'disabled', 'invited', 'expired'];

export type CustomAttributeValue = string | number | boolean | string[] | null;

export interface DescopeUserTenant {
  tenantId: string;
  tenantName: string;
  roleNames: string[];
  permissions: string[];
}

/** A user exactly as search and load return it; every field is always present. Times are epoch seconds. */
export interface DescopeUser {
  userId: string;
  loginIds: string[];
  externalIds: string[];
  email: string;
  phone: string;
  name: string;
  givenName: string;
  middleName: string;
  familyName: string;
  picture: string;
  verifiedEmail: boolean;
  verifiedPhone: boolean;
  roleNames: string[];
  userTenants: DescopeUserTenant[];
  permissions: string[];
  status: UserStatus;
  test: boolean;
  editable: boolean;
  customAttributes: Record<string, CustomAttributeValue>;
  createdTime: number;
  modifiedTime: number;
  TOTP: boolean;
  SAML: boolean;
  SCIM: boolean;
  OIDC: boolean;
  push: boolean;
  OAuth: Record<string, boolean>;
  webauthn: boolean;
  password: boolean;
  ssoAppIds: string[];
}

export type AuditAction =
  'UserCreated' | 'UserModified' | 'UserDeleted' | 'UsersCreated' | 'UsersModified' | 'UsersDeleted';

/** One audit record as the emulator keeps it; webhooks and audit search render it differently. */
export interface AuditEvent {
  ID: string;
  action: AuditAction;
  type: 'info';
  projectId: string;
  userId: string;
  actorId: string;
  /** Epoch milliseconds. */
  occurred: number;
  device: string;
  method: string;
  geo: string;
  remoteAddress: string;
  loginIds: string[];
  tenants: string[] | null;
  data: Record<string, unknown>;
}
