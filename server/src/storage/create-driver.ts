import { join } from 'node:path';
import type { BerthConfig } from '../config/config.ts';
import { FilesystemDriver } from './drivers/filesystem.driver.ts';
import type { StorageDriver } from './storage-driver.ts';

/**
 * The configured driver: S3 when `storage_service.s3` is set, else the
 * filesystem under the data volume. The AWS SDK is loaded only when used:
 * it costs ~10 MB of memory in every process that imports it. A filesystem
 * driver first reclaims the temporary files of dead writers.
 */
export async function createStorageDriver(config: BerthConfig): Promise<StorageDriver> {
  const s3 = config.storage_service.s3;
  if (s3) {
    const { S3Driver } = await import('./drivers/s3.driver.ts');
    return new S3Driver({
      bucket: s3.bucket,
      region: s3.region,
      ...(s3.regionendpoint && { endpoint: s3.regionendpoint }),
      ...(s3.accesskey && { accessKeyId: s3.accesskey }),
      ...(s3.secretkey && { secretAccessKey: s3.secretkey }),
      forcePathStyle: s3.forcepathstyle,
      ...(s3.rootdirectory && { rootDirectory: s3.rootdirectory }),
      ...(s3.multipartpartsize && { multipartPartSize: s3.multipartpartsize }),
      redirect: s3.redirect,
      ...(s3.multipartcopythresholdsize !== undefined && { multipartCopyThreshold: s3.multipartcopythresholdsize }),
      ...(s3.multipartcopychunksize !== undefined && { multipartCopyPartSize: s3.multipartcopychunksize }),
    });
  }
  const root = config.storage_service.filesystem?.rootdirectory ?? join(config.data_volume, 'registry');
  const driver = new FilesystemDriver({ rootDirectory: root });
  // At start, not at the first purge (days later): a process killed mid-upload may have held gigabytes there.
  await driver.reclaimDeadWriters();
  return driver;
}
