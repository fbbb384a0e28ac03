// Copies Swagger UI from node_modules into public/docs/vendor so that /docs
// is served by duban itself (no CDN: government intranets have no internet).
import { mkdirSync, copyFileSync } from 'node:fs'
const from = 'node_modules/swagger-ui-dist/'
const to = 'public/docs/vendor/'
mkdirSync(to, { recursive: true })
for (const f of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE']) copyFileSync(from + f, to + f)
