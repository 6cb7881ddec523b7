import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, never, never>;
type UpdatedAt = ColumnType<Date, never, Date | ReturnType<typeof Object>>;
/** bigint columns come back from pg as strings; Berth's sizes stay below 2^53, so stores convert. */
type BigIntColumn = ColumnType<string, number | bigint | string, number | bigint | string>;

export interface RepositoryTable {
  id: Generated<string>;
  name: string;
  createdAt: CreatedAt;
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
  passwordHash: string;
  sysadmin: boolean;
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
}
