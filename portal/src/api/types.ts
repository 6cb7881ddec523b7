/** The parts of Harbor's API v2.0 models the portal reads (field names as the API spells them). */

export interface SystemInfo {
  auth_mode: string;
  primary_auth_mode?: boolean;
  project_creation_restriction?: 'everyone' | 'adminonly';
  self_registration?: boolean;
  oidc_provider_name?: string;
  harbor_version?: string;
  registry_url?: string;
  external_url?: string;
}

/** Harbor's UserResp for GET /users/current: the listed fields and how the user signs in. */
export interface CurrentUser extends User {
  admin_role_in_auth?: boolean;
  /** Present for users onboarded through OIDC (Harbor's OIDCUserMeta, without the CLI secret Berth never shows again). */
  oidc_user_meta?: { user_id: number; subiss: string } | null;
}

export interface Permission {
  resource: string;
  action: string;
}

export interface Project {
  project_id: number;
  name: string;
  owner_name?: string;
  repo_count: number;
  creation_time: string;
  update_time: string;
  current_user_role_id?: number;
  current_user_role_ids?: number[] | null;
  metadata?: Record<string, string>;
}

export interface ProjectSummary {
  repo_count?: number;
  project_admin_count?: number;
  maintainer_count?: number;
  developer_count?: number;
  guest_count?: number;
  limited_guest_count?: number;
  quota?: { hard?: Record<string, number>; used?: Record<string, number> };
}

export interface Repository {
  id: number;
  project_id: number;
  name: string;
  description?: string;
  artifact_count: number;
  pull_count: number;
  creation_time: string;
  update_time: string;
}

export interface Tag {
  id: number;
  artifact_id: number;
  name: string;
  push_time: string;
  pull_time: string;
  immutable?: boolean;
}

export interface Platform {
  architecture?: string;
  os?: string;
  'os.version'?: string;
  variant?: string;
}

export interface Reference {
  parent_id: number;
  child_id: number;
  child_digest: string;
  platform?: Platform;
}

export interface Accessory {
  id: number;
  artifact_id: number;
  digest: string;
  type: string;
  size: number;
  icon?: string;
  creation_time: string;
}

export interface Label {
  id: number;
  name: string;
  color?: string;
}

export interface AdditionLink {
  href: string;
  absolute?: boolean;
}

export interface Artifact {
  id: number;
  type: string;
  media_type: string;
  manifest_media_type: string;
  artifact_type?: string;
  project_id: number;
  repository_id: number;
  repository_name?: string;
  digest: string;
  size: number;
  icon?: string;
  push_time: string;
  pull_time: string;
  extra_attrs?: Record<string, unknown>;
  annotations?: Record<string, string>;
  references?: Reference[] | null;
  tags?: Tag[] | null;
  labels?: Label[] | null;
  accessories?: Accessory[] | null;
  addition_links?: Record<string, AdditionLink>;
}

export interface Icon {
  'content-type': string;
  content: string;
}

export interface BuildHistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ChartDependency {
  name: string;
  version: string;
  repository?: string;
}

export interface Member {
  id: number;
  project_id: number;
  entity_name: string;
  entity_type: string;
  entity_id: number;
  role_id: number;
  role_name?: string;
}

export interface UserSearchResult {
  user_id: number;
  username: string;
}

export interface RobotAccess {
  resource: string;
  action: string;
  effect?: string;
}

export interface Robot {
  id: number;
  name: string;
  description?: string;
  level: string;
  duration: number;
  disable: boolean;
  expires_at: number;
  permissions: { kind: string; namespace: string; access: RobotAccess[] }[];
  creation_time: string;
}

export interface RobotCreated {
  id: number;
  name: string;
  secret: string;
  creation_time: string;
  expires_at: number;
}

/** Harbor's project role ids. */
/** Harbor's role id of project administrators, who may delete their project. */
export const PROJECT_ADMIN = 1;

export const ROLES = [
  { id: PROJECT_ADMIN, key: 'projectAdmin' },
  { id: 4, key: 'maintainer' },
  { id: 2, key: 'developer' },
  { id: 3, key: 'guest' },
  { id: 5, key: 'limitedGuest' },
] as const;

/** Harbor's UserResp, as system administrators list users. */
export interface User {
  user_id: number;
  username: string;
  email: string;
  realname: string;
  comment: string;
  sysadmin_flag: boolean;
  creation_time: string;
  update_time: string;
}

/** Harbor's AuditLogExt. */
export interface AuditLogEntry {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  operation_description?: string;
  operation_result?: boolean;
  op_time: string;
}

/** GET /configurations: every key with its value; secrets are never among them. */
export type Configurations = Record<string, { value: unknown; editable: boolean }>;

/** Harbor's Label as /labels lists it (global labels have scope g, project labels p). */
export interface LabelDetail extends Label {
  description?: string;
  scope: 'g' | 'p';
  project_id?: number;
  creation_time: string;
  update_time: string;
}

/** Harbor's group types Berth knows: LDAP groups by DN, OIDC groups by the name in the groups claim. */
export const LDAP_GROUP = 1;
export const OIDC_GROUP = 3;

/** Harbor's UserGroup: 1 LDAP (by DN), 3 OIDC (by name). */
export interface UserGroup {
  id: number;
  group_name: string;
  group_type: number;
  ldap_group_dn?: string;
}

/** Harbor's Quota of a project. */
export interface Quota {
  id: number;
  ref: { id: number; name: string; owner_name?: string };
  hard: { storage: number };
  used: { storage: number };
  creation_time: string;
  update_time: string;
}

/** GET /search: projects and repositories whose names contain the text. */
export interface SearchResult {
  project: Project[];
  repository: { project_id: number; project_name: string; project_public: boolean; repository_name: string; pull_count: number; artifact_count: number }[];
}

/** A Harbor selector: doublestar patterns with a decoration (matches/excludes for tags, repoMatches/repoExcludes for repositories). */
export interface Selector {
  kind: 'doublestar';
  decoration: string;
  pattern: string;
  /** Tag selectors of retention rules: JSON such as {"untagged":true}. */
  extras?: string;
}

/** Harbor's ImmutableRule. */
export interface ImmutableRule {
  id: number;
  priority: number;
  disabled: boolean;
  action: 'immutable';
  template: 'immutable_template';
  tag_selectors: Selector[];
  scope_selectors: { repository: Selector[] };
}

/** Harbor's RetentionRule; params holds the template's number and, for Berth's per-tag rules, "berth.per_tag": true. */
export interface RetentionRule {
  id?: number;
  priority?: number;
  disabled: boolean;
  action: 'retain';
  template: string;
  params: Record<string, number | boolean>;
  tag_selectors: Selector[];
  scope_selectors: { repository: Selector[] };
}

/** Harbor's RetentionPolicy of a project. */
export interface RetentionPolicy {
  id?: number;
  algorithm: 'or';
  rules: RetentionRule[];
  trigger: { kind: 'Schedule'; settings: { cron: string }; references: Record<string, unknown> };
  scope: { level: 'project'; ref: number };
}

/** Harbor's RetentionExecution: one run of a policy. */
export interface RetentionExecution {
  id: number;
  policy_id: number;
  start_time: string;
  end_time?: string;
  status: string;
  trigger: string;
  dry_run: boolean;
}

/** Harbor's RetentionExecutionTask: a run's work on one repository. */
export interface RetentionTask {
  id: number;
  execution_id: number;
  repository: string;
  job_id: string;
  status: string;
  status_code: number;
  start_time?: string;
  end_time?: string;
  total: number;
  retained: number;
}

/** Harbor's GET /retentions/metadatas. */
export interface RetentionMetadata {
  templates: { rule_template: string; display_text: string; action: string; params: { type: string; unit: string; required: boolean }[] }[];
  scope_selectors: { display_text: string; kind: string; decorations: string[] }[];
  tag_selectors: { display_text: string; kind: string; decorations: string[] }[];
}
