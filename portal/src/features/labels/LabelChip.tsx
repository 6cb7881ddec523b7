import { Tag } from 'antd';

/**
 * A label's colour as a swatch beside its name, so the name's contrast never depends on the colour chosen.
 * With `onRemove`, the chip has a × button named `removeLabel` (the chip itself stays until the caller's data changes).
 */
export function LabelChip({ name, color, onRemove, removeLabel }: { name: string; color?: string; onRemove?(): void; removeLabel?: string }) {
  return (
    <Tag
      closable={!!onRemove}
      closeIcon={onRemove ? <span aria-label={removeLabel}>×</span> : undefined}
      onClose={(event) => {
        event.preventDefault();
        onRemove?.();
      }}
    >
      {color && <span aria-hidden style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 2, background: color, marginInlineEnd: 6 }} />}
      {name}
    </Tag>
  );
}
