import { useEffect, useState } from 'react';
import { Flex, InputNumber, Select, Switch } from 'antd';
import type { FormRule } from 'antd';
import { useTranslation } from 'react-i18next';

/** Decimal units, as the portal shows sizes everywhere (formatSize). */
const UNITS = [
  { unit: 'megabyte', bytes: 1000 ** 2 },
  { unit: 'gigabyte', bytes: 1000 ** 3 },
  { unit: 'terabyte', bytes: 1000 ** 4 },
] as const;

/** "GB" in the reader's language, from Intl rather than from a catalog. */
function unitName(unit: string, language: string): string {
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'short' }).formatToParts(1).find((part) => part.type === 'unit')?.value ?? unit;
}

interface Parts {
  unlimited: boolean;
  amount: number | null;
  unit: number;
}

/** A byte count as the largest unit dividing it; -1 (or nothing) as no limit. */
function partsOf(bytes: number | undefined): Parts {
  if (bytes === undefined || bytes < 0) return { unlimited: true, amount: 10, unit: UNITS[1].bytes };
  const unit = [...UNITS].reverse().find((u) => bytes % u.bytes === 0 && bytes >= u.bytes) ?? UNITS[0];
  return { unlimited: false, amount: bytes / unit.bytes, unit: unit.bytes };
}

/** -1 for no limit; NaN while no amount is typed, which `storageLimitRule` refuses. */
function bytesOf(parts: Parts): number {
  if (parts.unlimited) return -1;
  return parts.amount === null ? Number.NaN : Math.round(parts.amount * parts.unit);
}

/** Harbor's storage limits: -1 (no limit) or a positive number of bytes. */
export function storageLimitRule(message: string): FormRule {
  return {
    validator: async (_rule, value: number | undefined) => {
      if (value === undefined || Number.isNaN(value) || (value !== -1 && value <= 0)) throw new Error(message);
    },
  };
}

/**
 * A storage limit in bytes as a form control: "no limit", or an amount and a
 * unit. Used inside a Form.Item, which supplies value and onChange; each
 * part is named on its own, so the item's label names the whole.
 */
export function StorageLimitInput({ value, onChange }: { value?: number; onChange?(bytes: number): void }) {
  const { t, i18n } = useTranslation();
  const [parts, setParts] = useState(() => partsOf(value));
  // A value set from outside (the form's initial values arriving, a reset) replaces what is shown.
  useEffect(() => {
    if (value !== undefined && !Number.isNaN(value) && value !== bytesOf(parts)) setParts(partsOf(value));
  }, [value]);
  const change = (next: Partial<Parts>) => {
    const merged = { ...parts, ...next };
    setParts(merged);
    onChange?.(bytesOf(merged));
  };
  return (
    <Flex gap={12} align="center" wrap>
      <Flex gap={8} align="center">
        <Switch aria-label={t('quotas.unlimited')} checked={parts.unlimited} onChange={(unlimited) => change({ unlimited })} />
        <span aria-hidden>{t('quotas.unlimited')}</span>
      </Flex>
      {!parts.unlimited && (
        <>
          <InputNumber aria-label={t('quotas.limit')} min={0.001} step={1} value={parts.amount} onChange={(amount) => change({ amount })} />
          <Select
            aria-label={t('quotas.unit')}
            style={{ width: 100 }}
            value={parts.unit}
            onChange={(unit) => change({ unit })}
            options={UNITS.map((u) => ({ value: u.bytes, label: unitName(u.unit, i18n.language) }))}
          />
        </>
      )}
    </Flex>
  );
}
