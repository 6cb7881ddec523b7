import { Tag } from 'antd';

/** A label's colour as a swatch beside its name, so the name's contrast never depends on the colour chosen. */
export function LabelChip({ name, color }: { name: string; color?: string }) {
  return (
    <Tag>
      {color && <span aria-hidden style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 2, background: color, marginInlineEnd: 6 }} />}
      {name}
    </Tag>
  );
}
