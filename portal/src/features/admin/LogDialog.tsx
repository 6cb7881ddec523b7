import { Modal } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import { ErrorAlert } from '../../shared/ErrorAlert.tsx';

/** A running job's log grows: the dialog reads it again this often while open. */
const REFRESH_MS = 3000;

/** A job's log (text/plain from the API), followed while the dialog is open; `url` undefined: closed. */
export function LogDialog({ title, url, onClose }: { title: string; url: string | undefined; onClose(): void }) {
  const log = useQuery({
    queryKey: ['log', url],
    queryFn: () => api.get<string>(url!, { text: true }),
    enabled: url !== undefined,
    refetchInterval: REFRESH_MS,
  });
  return (
    <Modal title={title} open={url !== undefined} onCancel={onClose} footer={null} width={900}>
      {log.isError && <ErrorAlert error={log.error} />}
      <pre style={{ maxHeight: 480, overflow: 'auto', whiteSpace: 'pre-wrap' }}>
        {log.data}
      </pre>
    </Modal>
  );
}
