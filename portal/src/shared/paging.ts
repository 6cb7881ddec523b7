import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TablePaginationConfig } from 'antd';

export const PAGE_SIZES = [10, 15, 25, 50, 100];

/** Page and page size of one table, and antd's pagination bar for it (with the page-size choice). */
export function usePaging(initialSize = 15) {
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(initialSize);
  const pagination = (total: number): TablePaginationConfig => ({
    current: page,
    pageSize,
    total,
    showSizeChanger: true,
    pageSizeOptions: PAGE_SIZES,
    showTotal: (count) => t('common.total', { count }),
    onChange: (nextPage, nextSize) => {
      setPage(nextSize !== pageSize ? 1 : nextPage);
      setPageSize(nextSize);
    },
  });
  return { page, pageSize, query: { page, page_size: pageSize }, pagination, reset: () => setPage(1) };
}
