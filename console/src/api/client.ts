// The console's one way to the server: the public /v1 API, typed from
// /openapi.json (openapi-fetch over the generated schema). Every call
// carries the user's token and language; a 401 sends the user to login.
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema'
import { auth, expired } from '../auth'
import { lang } from '../i18n'

export class ApiError extends Error {
  status: number
  detail: string
  fields: Record<string, string>
  constructor(status: number, body: any) {
    super(body?.detail || body?.title || `HTTP ${status}`)
    this.status = status
    this.detail = body?.detail || body?.title || `HTTP ${status}`
    this.fields = {}
    for (const e of body?.errors || []) {
      if (e.location) this.fields[e.location.replace(/^body\./, '')] = e.message
    }
  }
}

const headers: Middleware = {
  onRequest({ request }) {
    if (auth.token) request.headers.set('Authorization', 'Bearer ' + auth.token)
    request.headers.set('Accept-Language', lang.value === 'en' ? 'en' : 'zh-CN')
    return request
  },
  onResponse({ response }) {
    if (response.status === 401 && auth.token) expired()
    return response
  },
}

export const client = createClient<paths>({ baseUrl: '' })
client.use(headers)

// call unwraps a typed call: the data, or an ApiError with the problem.
export async function call<T>(p: Promise<{ data?: T; error?: any; response: Response }>): Promise<T> {
  const { data, error, response } = await p
  if (!response.ok) throw new ApiError(response.status, error)
  return data as T
}

export function idemKey(): string {
  const b = new Uint8Array(12)
  crypto.getRandomValues(b)
  return 'c-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

// raw fetches a non-JSON resource (attachments, circular exports).
export async function raw(path: string, init: RequestInit = {}): Promise<Response> {
  const h = new Headers(init.headers)
  if (auth.token) h.set('Authorization', 'Bearer ' + auth.token)
  h.set('Accept-Language', lang.value === 'en' ? 'en' : 'zh-CN')
  const r = await fetch(path, { ...init, headers: h })
  if (r.status === 401 && auth.token) expired()
  if (!r.ok) {
    let body: any = null
    try { body = await r.json() } catch { /* not JSON */ }
    throw new ApiError(r.status, body)
  }
  return r
}

export async function download(path: string, filename: string) {
  const r = await raw(path)
  const url = URL.createObjectURL(await r.blob())
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10000)
}
