import type { Readable } from 'node:stream';
import type { Histogram } from 'prom-client';
import type { ByteSink, Capacity, FileInfo, FileWriter, StorageDriver } from '../storage/storage-driver.ts';

/**
 * A storage driver whose calls are timed as distribution's base driver times
 * them (registry_storage_action_seconds{driver, action}, its action names):
 * the whole call for small objects and metadata, the opening for streams
 * (a download's or upload's bytes are in the request metrics).
 */
export class TimedStorage implements StorageDriver {
  readonly name: string;
  readonly #driver: StorageDriver;
  readonly #actions: Histogram<'driver' | 'action'>;

  constructor(driver: StorageDriver, actions: Histogram<'driver' | 'action'>) {
    this.name = driver.name;
    this.#driver = driver;
    this.#actions = actions;
  }

  async #timed<T>(action: string, call: () => Promise<T>): Promise<T> {
    const end = this.#actions.startTimer({ driver: this.name, action });
    try {
      return await call();
    } finally {
      end();
    }
  }

  getContent(path: string): Promise<Buffer> {
    return this.#timed('GetContent', () => this.#driver.getContent(path));
  }

  putContent(path: string, content: Buffer): Promise<void> {
    return this.#timed('PutContent', () => this.#driver.putContent(path, content));
  }

  reader(path: string, offset?: number, length?: number): Promise<Readable> {
    return this.#timed('Reader', () => this.#driver.reader(path, offset, length));
  }

  /** Untimed: it is the whole download, which registry_http_request_duration_seconds{handler="blob"} measures. */
  copyTo(path: string, sink: ByteSink, offset?: number, length?: number): Promise<void> {
    return this.#driver.copyTo(path, sink, offset, length);
  }

  writer(path: string): Promise<FileWriter> {
    return this.#timed('Writer', () => this.#driver.writer(path));
  }

  stat(path: string): Promise<FileInfo> {
    return this.#timed('Stat', () => this.#driver.stat(path));
  }

  list(path: string): Promise<string[]> {
    return this.#timed('List', () => this.#driver.list(path));
  }

  move(source: string, dest: string): Promise<void> {
    return this.#timed('Move', () => this.#driver.move(source, dest));
  }

  delete(path: string): Promise<void> {
    return this.#timed('Delete', () => this.#driver.delete(path));
  }

  redirectURL(path: string, method: 'GET' | 'HEAD'): Promise<string | undefined> {
    return this.#timed('RedirectURL', () => this.#driver.redirectURL(path, method));
  }

  capacity(): Promise<Capacity | undefined> {
    return this.#driver.capacity();
  }

  purgeTemporary(olderThan: Date): Promise<number> {
    return this.#driver.purgeTemporary(olderThan);
  }
}
