import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, never, never>;
type UpdatedAt = ColumnType<Date, never, Date | ReturnType<typeof Object>>;
/** bigint columns come back from pg as strings; Berth's sizes stay below 2^53, so stores convert. */
type BigIntColumn = ColumnType<string, number | bigint | string, number | bigint | string>;

export interface RepositoryTable {
  id: Generated<string>;
  name: string;
  projectId: string;
  description: ColumnType<string, string | undefined, string>;
  pullCount: ColumnType<string, never, never>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface BlobTable {
  digest: string;
  size: BigIntColumn;
  state: 'live' | 'deleting';
  touchedAt: ColumnType<Date, never, never>;
  createdAt: CreatedAt;
}

export interface RepositoryBlobTable {
  repositoryId: string;
  digest: string;
  createdAt: CreatedAt;
}

export interface ArtifactTable {
  id: Generated<string>;
  repositoryId: string;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  subjectDigest: string | null;
  size: BigIntColumn;
  content: Buffer;
  annotations: ColumnType<Record<string, string> | null, string | null, string | null>;
  /** Harbor's artifact type: IMAGE, CHART, CNAB, WASM, SBOM or UNKNOWN. */
  type: ColumnType<string, string | undefined, string>;
  extraAttrs: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  totalSize: ColumnType<string, number | string | undefined, number | string>;
  pullTime: ColumnType<Date | null, never, never>;
  pushedAt: CreatedAt;
}

export interface ArtifactBlobTable {
  artifactId: string;
  digest: string;
}

export interface ArtifactReferenceTable {
  parentId: string;
  childId: string;
}

export interface TagTable {
  id: Generated<string>;
  repositoryId: string;
  artifactId: string;
  name: string;
  createdAt: CreatedAt;
  updatedAt: ColumnType<Date, never, never>;
  pullTime: ColumnType<Date | null, never, never>;
}

export interface UploadTable {
  id: string;
  repositoryId: string;
  size: BigIntColumn;
  segments: ColumnType<string[], string[] | undefined, string[]>;
  createdAt: CreatedAt;
  updatedAt: ColumnType<Date, never, never>;
}

export interface UserAccountTable {
  id: Generated<string>;
  username: string;
  passwordHash: string | null;
  sysadmin: boolean;
  authSource: ColumnType<AuthSource, AuthSource | undefined, AuthSource>;
  externalId: string | null;
  groupIds: ColumnType<string[], string[] | undefined, string[]>;
  adminRoleInAuth: ColumnType<boolean, boolean | undefined, boolean>;
  cliSecretHash: string | null;
  email: string | null;
  realname: ColumnType<string, string | undefined, string>;
  comment: ColumnType<string, string | undefined, string>;
  createdAt: CreatedAt;
  updatedAt: ColumnType<Date, never, never>;
}

export interface SigningKeyTable {
  kid: string;
  algorithm: string;
  privateKeyPem: string;
  publicJwk: ColumnType<Record<string, unknown>, string, string>;
  createdAt: CreatedAt;
  retiredAt: Date | null;
}

export type AuthSource = 'db' | 'ldap' | 'oidc';

export interface UserGroupTable {
  id: Generated<string>;
  groupName: string;
  /** 1 LDAP, 2 HTTP, 3 OIDC. */
  groupType: number;
  ldapGroupDn: ColumnType<string, string | undefined, string>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface ProjectTable {
  id: Generated<string>;
  name: string;
  ownerId: string | null;
  metadata: ColumnType<Record<string, string>, string | undefined, string>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface ProjectMemberTable {
  id: Generated<string>;
  projectId: string;
  entityType: 'u' | 'g';
  userId: string | null;
  groupId: string | null;
  role: number;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface RobotTable {
  id: Generated<string>;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  secretHash: string;
  level: 'system' | 'project';
  projectId: string | null;
  duration: number;
  expiresAt: Date | null;
  disabled: ColumnType<boolean, boolean | undefined, boolean>;
  creatorType: ColumnType<string, string | undefined, string>;
  creatorRef: ColumnType<string, string | undefined, string>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

/** One entry of a robot's `access` list, as Harbor's API writes it. */
export interface RobotAccess {
  resource: string;
  action: string;
  effect?: string;
}

export interface RobotPermissionTable {
  id: Generated<string>;
  robotId: string;
  kind: 'system' | 'project';
  namespace: string;
  projectId: string | null;
  access: ColumnType<RobotAccess[], string, string>;
}

export interface SessionTable {
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: CreatedAt;
  expiresAt: Date;
}

export interface OidcLoginTable {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUrl: ColumnType<string, string | undefined, string>;
  /** (0005) The provider's identity of a sign-in waiting for its onboarding form; null before the callback. */
  identity: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  createdAt: CreatedAt;
}

export interface AuditLogTable {
  id: Generated<string>;
  projectId: string | null;
  eventType: string;
  resourceType: string;
  resource: string;
  username: string;
  operation: string;
  operationDescription: ColumnType<string, string | undefined, string>;
  operationResult: ColumnType<boolean, boolean | undefined, boolean>;
  opTime: ColumnType<Date, Date | undefined, never>;
}

export interface SystemSettingTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updatedAt: UpdatedAt;
}

export interface QuotaTable {
  id: Generated<string>;
  projectId: string;
  /** Bytes; -1 is unlimited. */
  hard: BigIntColumn;
  used: ColumnType<string, number | string | undefined, number | string>;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface LabelTable {
  id: Generated<string>;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  /** "#RRGGBB", or empty. */
  color: ColumnType<string, string | undefined, string>;
  /** g: global, p: of the project in projectId. */
  scope: 'g' | 'p';
  projectId: string | null;
  createdAt: CreatedAt;
  updatedAt: UpdatedAt;
}

export interface ArtifactLabelTable {
  artifactId: string;
  labelId: string;
  createdAt: CreatedAt;
}

/** (0013) Harbor's execution: one run of a vendor's work (GC, retention, upload purge, …). */
export interface ExecutionTable {
  id: Generated<string>;
  vendorType: string;
  vendorId: ColumnType<string, string | number | undefined, never>;
  trigger: 'MANUAL' | 'SCHEDULE' | 'EVENT';
  status: ColumnType<string, string | undefined, string>;
  statusMessage: ColumnType<string, string | undefined, string>;
  extraAttrs: ColumnType<Record<string, unknown>, string | undefined, string>;
  startTime: CreatedAt;
  endTime: ColumnType<Date | null, never, Date | ReturnType<typeof Object> | null>;
  updateTime: UpdatedAt;
}

/** (0013) A task of an execution: one queued job, its attempts and log. */
export interface TaskTable {
  id: Generated<string>;
  executionId: string;
  vendorType: string;
  jobId: string | null;
  status: ColumnType<string, string | undefined, string>;
  statusCode: ColumnType<number, number | undefined, number>;
  statusMessage: ColumnType<string, string | undefined, string>;
  runCount: ColumnType<number, never, number | ReturnType<typeof Object>>;
  stopRequested: ColumnType<boolean, never, boolean>;
  workerPoolId: ColumnType<string | null, never, string | null>;
  checkIn: ColumnType<string, never, string>;
  checkInTime: ColumnType<Date | null, never, Date | ReturnType<typeof Object> | null>;
  extraAttrs: ColumnType<Record<string, unknown>, string | undefined, string>;
  creationTime: CreatedAt;
  startTime: ColumnType<Date | null, never, Date | ReturnType<typeof Object> | null>;
  endTime: ColumnType<Date | null, never, Date | ReturnType<typeof Object> | null>;
  updateTime: UpdatedAt;
}

export interface TaskLogTable {
  id: Generated<string>;
  taskId: string;
  loggedAt: CreatedAt;
  level: string;
  message: string;
}

export interface JobScheduleTable {
  id: Generated<string>;
  vendorType: string;
  vendorId: ColumnType<string, string | number | undefined, never>;
  cron: string;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  nextFireAt: Date;
  creationTime: CreatedAt;
  updateTime: UpdatedAt;
}

export interface JobQueueTable {
  jobType: string;
  paused: boolean;
  updateTime: UpdatedAt;
}

export interface JobWorkerPoolTable {
  id: string;
  pid: number;
  host: string;
  concurrency: number;
  startAt: CreatedAt;
  heartbeatAt: ColumnType<Date, never, ReturnType<typeof Object>>;
}

export interface Database {
  repository: RepositoryTable;
  blob: BlobTable;
  repositoryBlob: RepositoryBlobTable;
  artifact: ArtifactTable;
  artifactBlob: ArtifactBlobTable;
  artifactReference: ArtifactReferenceTable;
  tag: TagTable;
  upload: UploadTable;
  userAccount: UserAccountTable;
  signingKey: SigningKeyTable;
  userGroup: UserGroupTable;
  project: ProjectTable;
  projectMember: ProjectMemberTable;
  robot: RobotTable;
  robotPermission: RobotPermissionTable;
  session: SessionTable;
  oidcLogin: OidcLoginTable;
  auditLog: AuditLogTable;
  systemSetting: SystemSettingTable;
  label: LabelTable;
  artifactLabel: ArtifactLabelTable;
  quota: QuotaTable;
  execution: ExecutionTable;
  task: TaskTable;
  taskLog: TaskLogTable;
  jobSchedule: JobScheduleTable;
  jobQueue: JobQueueTable;
  jobWorkerPool: JobWorkerPoolTable;
}
