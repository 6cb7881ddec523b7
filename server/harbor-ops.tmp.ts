import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
const spec = parse(readFileSync('/work/shared/reference/harbor-v2.0-swagger.yaml', 'utf8'));
const filter = process.argv[2] ?? '';
const resolveParam = (p: any) => p.$ref ? spec.parameters[p.$ref.split('/').pop()] : p;
for (const [path, ops] of Object.entries<any>(spec.paths)) {
  if (!path.startsWith(filter)) continue;
  for (const [m, op] of Object.entries<any>(ops)) {
    if (m === 'parameters') continue;
    const params = [...(ops.parameters ?? []), ...(op.parameters ?? [])].map(resolveParam).filter((p: any) => p.in !== 'header').map((p: any) => `${p.in}:${p.name}${p.required ? '!' : ''}:${p.type ?? (p.schema?.$ref ?? JSON.stringify(p.schema)).replace('#/definitions/', '')}${p.format ? '/' + p.format : ''}${p.default !== undefined ? '=' + p.default : ''}`);
    const resp = Object.entries<any>(op.responses).map(([c, r]) => { const rr = r.$ref ? spec.responses[r.$ref.split('/').pop()] : r; const sch = rr.schema ? (rr.schema.$ref ?? (rr.schema.type === 'array' ? '[' + (rr.schema.items.$ref ?? rr.schema.items.type) + ']' : rr.schema.type)).replace('#/definitions/', '') : ''; return `${c}${sch ? ':' + sch : ''}`; });
    console.log(`${m.toUpperCase()} ${path}  [${params.join(' ')}]  -> ${resp.join(' ')}`);
  }
}
