import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The system administrator who got library at first start became its owner but not its member,
    -- so the portal showed them no role and no members there. Harbor makes that administrator the
    -- project admin member of library; installs from before this migration get that membership now
    -- (new installs get it from ensureAdmin). A membership changed or removed since is left alone:
    -- only an owner who is still a system administrator and has no membership at all gets one.
    INSERT INTO project_member (project_id, entity_type, user_id, role)
      SELECT p.id, 'u', p.owner_id, 1
        FROM project p JOIN user_account u ON u.id = p.owner_id
       WHERE p.name = 'library' AND u.sysadmin
         AND NOT EXISTS (SELECT 1 FROM project_member m WHERE m.project_id = p.id)
  `.execute(db);
}
