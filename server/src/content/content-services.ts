import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { HashWorker } from '../storage/parallel-hash.ts';
import { BlobsService } from './blobs.service.ts';
import type { ContentOptions } from './content-rules.ts';
import { ContentStore } from './content.store.ts';
import { GarbageService } from './garbage.service.ts';
import { ImmutableTags, type ImmutableRuleSource } from './immutable-tags.ts';
import { ManifestsService } from './manifests.service.ts';
import { QuotaLedger } from './quota-ledger.ts';
import { QuotaUsageStore } from './quota-usage.store.ts';
import { WriteGate } from './read-only.ts';
import { RepositoriesService } from './repositories.service.ts';
import { TagsService } from './tags.service.ts';

/** content/'s services: every change to repositories, artifacts, tags, blobs, uploads and quota usage goes through one of them. */
export interface ContentServices {
  repositories: RepositoriesService;
  blobs: BlobsService;
  manifests: ManifestsService;
  tags: TagsService;
  garbage: GarbageService;
}

/** Wires content/ once per app, so both APIs share the same services and the same options. */
export function createContentServices(deps: {
  db: Db;
  blobs: BlobStore;
  hashing: HashWorker;
  settings: SettingsService;
  options: ContentOptions;
  /** Where the immutable tag rules are read (immutability/ owns them; content/ enforces them). */
  immutableRules: ImmutableRuleSource;
  log: Logger;
}): ContentServices {
  const { db, options } = deps;
  const store = new ContentStore();
  const gate = new WriteGate(deps.settings);
  const quotas = new QuotaLedger(db, new QuotaUsageStore(), deps.settings);
  const immutableTags = new ImmutableTags(deps.immutableRules);
  const tags = new TagsService({ db, store, immutable: immutableTags, gate });
  const repositories = new RepositoriesService({ db, store, quotas, tags, gate });
  const blobs = new BlobsService({ db, store, blobs: deps.blobs, hashing: deps.hashing, quotas, repositories, options, gate, log: deps.log });
  const manifests = new ManifestsService({ db, store, blobs: deps.blobs, repositories, tags, quotas, settings: deps.settings, options, gate });
  return { repositories, tags, blobs, manifests, garbage: new GarbageService({ db, store, bytes: deps.blobs, manifests, blobs, gate }) };
}
