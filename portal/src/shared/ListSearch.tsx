import { Input } from 'antd';

/**
 * The search box above a paged table: hands on what was typed, trimmed, and
 * starts the table again at its first page (the old page may not exist in the
 * new results).
 */
export function ListSearch({ label, paging, onSearch }: { label: string; paging: { reset(): void }; onSearch(value: string): void }) {
  return (
    <Input.Search
      aria-label={label}
      placeholder={label}
      allowClear
      onSearch={(value) => {
        onSearch(value.trim());
        paging.reset();
      }}
      style={{ width: 280 }}
    />
  );
}
