import type { ReactNode } from 'react';
import { Space, Tag, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { DateText } from '../../shared/DateText.tsx';

/**
 * The attributes an artifact's config records (Harbor's extra_attrs), as rows
 * a reader understands: each known field under a translated name, dates in
 * the reader's language, lists as lists, and nothing for a field that is
 * empty. Fields the portal does not know keep their own name.
 */

export interface AttributeRow {
  key: string;
  label: string;
  value: ReactNode;
}

/** Fields of an image config (OCI's `config` object) Harbor shows, under their translation keys. */
const RUNTIME_FIELDS: Record<string, string> = {
  Entrypoint: 'artifactAttrs.entrypoint',
  Cmd: 'artifactAttrs.cmd',
  Env: 'artifactAttrs.env',
  WorkingDir: 'artifactAttrs.workingDir',
  User: 'artifactAttrs.user',
  ExposedPorts: 'artifactAttrs.exposedPorts',
  Volumes: 'artifactAttrs.volumes',
  Labels: 'artifactAttrs.labels',
  StopSignal: 'artifactAttrs.stopSignal',
};

/** Top-level fields of images and charts (Chart.yaml); `dependencies` has a tab of its own. */
const FIELDS: Record<string, string> = {
  architecture: 'artifactAttrs.architecture',
  os: 'artifactAttrs.os',
  'os.version': 'artifactAttrs.osVersion',
  variant: 'artifactAttrs.variant',
  author: 'artifactAttrs.author',
  created: 'artifactAttrs.created',
  name: 'artifactAttrs.name',
  version: 'artifactAttrs.version',
  appVersion: 'artifactAttrs.appVersion',
  apiVersion: 'artifactAttrs.apiVersion',
  kubeVersion: 'artifactAttrs.kubeVersion',
  description: 'artifactAttrs.description',
  type: 'artifactAttrs.chartType',
  keywords: 'artifactAttrs.keywords',
  home: 'artifactAttrs.home',
  sources: 'artifactAttrs.sources',
  maintainers: 'artifactAttrs.maintainers',
  icon: 'artifactAttrs.icon',
  deprecated: 'artifactAttrs.deprecated',
  annotations: 'artifactAttrs.annotations',
};
const HIDDEN = new Set(['dependencies']);

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

function Code({ children }: { children: string }) {
  return <Typography.Text code style={{ wordBreak: 'break-all' }}>{children}</Typography.Text>;
}

function list(items: ReactNode[]): ReactNode {
  return <Space direction="vertical" size={2}>{items}</Space>;
}

/** A maintainer of a chart: "name <email>", with the URL after it. */
function person(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  const { name, email, url } = value as { name?: string; email?: string; url?: string };
  return [name, email && `<${email}>`, url].filter(Boolean).join(' ');
}

function valueOf(key: string, value: unknown, t: TFunction): ReactNode {
  if (key === 'created') return <DateText value={String(value)} />;
  if (typeof value === 'boolean') return value ? t('artifactAttrs.yes') : t('artifactAttrs.no');
  if (key === 'keywords' && Array.isArray(value)) return value.map((word) => <Tag key={String(word)}>{String(word)}</Tag>);
  if (key === 'maintainers' && Array.isArray(value)) return list(value.map((m, i) => <span key={i}>{person(m)}</span>));
  // A command as the engine runs it (exec form): its words, space-separated.
  if ((key === 'Entrypoint' || key === 'Cmd') && Array.isArray(value)) return <Code>{value.map(String).join(' ')}</Code>;
  if (Array.isArray(value)) return list(value.map((item, i) => (typeof item === 'string' ? <Code key={i}>{item}</Code> : <Code key={i}>{JSON.stringify(item)}</Code>)));
  // Sets written as objects with empty values (ports, volumes) are their keys; maps (labels, annotations) key=value.
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    const isSet = entries.every(([, v]) => isEmpty(v));
    return list(entries.map(([k, v]) => <Code key={k}>{isSet ? k : `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`}</Code>));
  }
  return String(value);
}

export function attributeRows(attrs: Record<string, unknown> | undefined, t: TFunction): AttributeRow[] {
  const rows: AttributeRow[] = [];
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (HIDDEN.has(key) || isEmpty(value)) continue;
    if (key === 'config' && typeof value === 'object' && !Array.isArray(value)) {
      for (const [field, fieldValue] of Object.entries(value as Record<string, unknown>)) {
        if (isEmpty(fieldValue)) continue;
        const label = RUNTIME_FIELDS[field];
        rows.push({ key: `config.${field}`, label: label ? t(label) : field, value: valueOf(field, fieldValue, t) });
      }
      continue;
    }
    const label = FIELDS[key];
    rows.push({ key, label: label ? t(label) : key, value: valueOf(key, value, t) });
  }
  return rows;
}
