import { AuditLogTable } from '../audit-log/AuditLogTable.tsx';

export default function AuditLogTab() {
  return <AuditLogTable path="/api/v2.0/auditlog-exts" />;
}
