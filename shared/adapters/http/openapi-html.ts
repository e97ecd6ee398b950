/**
 * `GET /docs`: the OpenAPI document as one readable page, rendered on the server (no script, no
 * CDN, no network): operations by tag with roles, parameters, bodies and replies, then webhooks and
 * the shared schemas. Every value from the document is HTML-escaped.
 */
type Json = Record<string, unknown>;

const esc = (v: unknown): string =>
  String(v)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** `code` spans in the document's Markdown-ish texts, escaped first. */
const text = (v: unknown): string => esc(v ?? '').replace(/`([^`]+)`/g, '<code>$1</code>');

const refName = (s: unknown): string | undefined => {
  const ref = (s as { $ref?: unknown } | undefined)?.$ref;
  return typeof ref === 'string' ? ref.split('/').pop() : undefined;
};
const schemaLink = (s: unknown): string => {
  const name = refName(s);
  return name
    ? `<a href="#schema-${esc(name)}">${esc(name)}</a>`
    : `<code>${esc(JSON.stringify(s ?? {}))}</code>`;
};
const bodySchema = (x: unknown): unknown =>
  Object.values((x as { content?: Record<string, { schema?: unknown }> })?.content ?? {})[0]
    ?.schema;

const params = (ps: Json[] | undefined): string =>
  ps?.length
    ? `<table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>${ps
        .map(
          (p) =>
            `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td>` +
            `<td>${p.required ? 'yes' : ''}</td><td><code>${esc(JSON.stringify(p.schema))}` +
            `</code>${p.description ? ` ${text(p.description)}` : ''}</td></tr>`,
        )
        .join('')}</table>`
    : '';

const operationHtml = (method: string, path: string, op: Json): string => {
  const roles = (op['x-roles'] as string[] | undefined) ?? [];
  const req = op.requestBody ? `<p>Body: ${schemaLink(bodySchema(op.requestBody))}</p>` : '';
  const replies = Object.entries((op.responses as Record<string, Json>) ?? {})
    .map(([status, r]) => {
      const s = bodySchema(r);
      const shape = s ? ` — ${schemaLink(s)}` : '';
      return `<li><b>${esc(status)}</b> ${text(r.description)}${shape}</li>`;
    })
    .join('');
  return (
    `<section class="op" id="${esc(op.operationId)}"><h3><span class="m">${esc(method)}</span> ` +
    `<code>${esc(path)}</code></h3><p>${text(op.summary)}</p>` +
    `<p class="roles">${roles.length ? `roles: ${roles.map(esc).join(', ')}` : 'public'}</p>` +
    `${op.description ? `<p>${text(op.description).replace(/\n\n/g, '<br>')}</p>` : ''}` +
    `${params(op.parameters as Json[] | undefined)}${req}<ul>${replies}</ul></section>`
  );
};

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:auto;padding:1rem}
code{background:#f3f3f3;padding:0 .2em;word-break:break-all}.m{text-transform:uppercase;
color:#fff;background:#245;padding:0 .4em;border-radius:3px}.op{border-top:1px solid #ddd}
.roles{color:#555}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .5em}
pre{background:#f6f6f6;padding:.5em;overflow:auto}`;

/** The whole page. */
export const renderOpenApiHtml = (doc: Json): string => {
  const info = doc.info as { title: string; version: string; description: string };
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(paths))
    for (const [method, op] of Object.entries(item)) {
      const tag = ((op.tags as string[] | undefined) ?? ['Other'])[0]!;
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(method, path, op)]);
    }
  const webhooks = Object.entries((doc.webhooks as Record<string, Record<string, Json>>) ?? {})
    .flatMap(([name, item]) =>
      Object.entries(item).map(([m, op]) => operationHtml(m, `webhook: ${name}`, op)),
    )
    .join('');
  const schemas = Object.entries(
    ((doc.components as Json).schemas as Record<string, unknown>) ?? {},
  )
    .map(
      ([name, s]) =>
        `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>` +
        `<pre>${esc(JSON.stringify(s, null, 2))}</pre></section>`,
    )
    .join('');
  const toc = [...byTag.keys()].map((t) => `<a href="#tag-${esc(t)}">${esc(t)}</a>`).join(' · ');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)}</title>` +
    `<meta name="viewport" content="width=device-width"><style>${STYLE}</style></head><body>` +
    `<h1>${esc(info.title)} <small>v${esc(info.version)} · ` +
    `OpenAPI ${esc(doc.openapi)}</small></h1>` +
    `<p>${text(info.description)}</p><p><a href="openapi.json">openapi.json</a> · ${toc} · ` +
    `<a href="#webhooks">Webhooks</a> · <a href="#schemas">Schemas</a></p>` +
    [...byTag].map(([t, ops]) => `<h2 id="tag-${esc(t)}">${esc(t)}</h2>${ops.join('')}`).join('') +
    `<h2 id="webhooks">Webhooks</h2>${webhooks}<h2 id="schemas">Schemas</h2>${schemas}` +
    `</body></html>`
  );
};
