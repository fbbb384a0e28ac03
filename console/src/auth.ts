// Who is logged in. Dev: a token minted for a picked persona. Production:
// OpenID Connect authorization code flow with PKCE against the issuer the
// API trusts. The token lives in sessionStorage (gone with the tab); when
// it expires the user goes back to login and returns to the same page —
// forms save their draft shortly before that (see onExpiring).
import { reactive } from 'vue'
import { router } from './router'

export const auth = reactive({
  token: sessionStorage.getItem('duban.token') || '',
  me: null as any,
})

let expiringHandlers: Array<() => Promise<void> | void> = []
let timer: number | undefined

export function onExpiring(fn: () => Promise<void> | void) {
  expiringHandlers.push(fn)
  return () => { expiringHandlers = expiringHandlers.filter((f) => f !== fn) }
}

function claims(token: string): any {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')))
  } catch {
    return {}
  }
}

function schedule() {
  clearTimeout(timer)
  const exp = claims(auth.token).exp
  if (!exp) return
  const ms = exp * 1000 - Date.now()
  // save drafts a minute before the token runs out, then log out
  timer = window.setTimeout(async () => {
    for (const fn of expiringHandlers) {
      try { await fn() } catch { /* best effort */ }
    }
    const rest = exp * 1000 - Date.now()
    timer = window.setTimeout(expired, Math.max(rest, 0))
  }, Math.max(ms - 60_000, 0))
}

export function login(token: string) {
  forgetMe()
  auth.token = token
  sessionStorage.setItem('duban.token', token)
  schedule()
}

export function logout() {
  forgetMe()
  clearTimeout(timer)
  auth.token = ''
  auth.me = null
  sessionStorage.removeItem('duban.token')
  router.push('/login')
}

// expired sends the user to login, remembering where they were.
export function expired() {
  if (!auth.token) return
  forgetMe()
  clearTimeout(timer)
  auth.token = ''
  auth.me = null
  sessionStorage.removeItem('duban.token')
  // where the user is (or is going: a 401 can come before the first
  // navigation has settled, so the address bar is the truth)
  const here = location.pathname + location.search
  const back = here.startsWith('/login') ? String(router.currentRoute.value.query.back || '/') : here
  router.push({ path: '/login', query: { expired: '1', back } })
}

if (auth.token) schedule()

// whoAmI loads the caller once per login (the layout and pages share it);
// it starts as soon as the app does, before the first page's code loads.
let me: Promise<any> | null = null
export function whoAmI(load: () => Promise<any>) {
  if (!me) me = load().catch((e) => { me = null; throw e })
  return me
}
export function forgetMe() { me = null }

// PKCE helpers for the OpenID Connect login.
function b64url(b: ArrayBuffer | Uint8Array) {
  const bytes = b instanceof Uint8Array ? b : new Uint8Array(b)
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

async function discovery(issuer: string) {
  const r = await fetch(issuer.replace(/\/$/, '') + '/.well-known/openid-configuration')
  if (!r.ok) throw new Error('OpenID discovery failed: ' + r.status)
  return r.json()
}

export async function oidcStart(cfg: { issuer: string; client_id: string; scopes?: string[] }, back: string) {
  const d = await discovery(cfg.issuer)
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)))
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)))
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)))
  sessionStorage.setItem('duban.pkce', JSON.stringify({ verifier, state, back }))
  const u = new URL(d.authorization_endpoint)
  u.searchParams.set('response_type', 'code')
  u.searchParams.set('client_id', cfg.client_id)
  u.searchParams.set('redirect_uri', location.origin + '/auth/callback')
  u.searchParams.set('scope', (cfg.scopes || ['openid']).join(' '))
  u.searchParams.set('state', state)
  u.searchParams.set('code_challenge', challenge)
  u.searchParams.set('code_challenge_method', 'S256')
  location.assign(u.toString())
}

export async function oidcFinish(cfg: { issuer: string; client_id: string }, code: string, state: string): Promise<string> {
  const saved = JSON.parse(sessionStorage.getItem('duban.pkce') || '{}')
  sessionStorage.removeItem('duban.pkce')
  if (!saved.state || saved.state !== state) throw new Error('state mismatch')
  const d = await discovery(cfg.issuer)
  const r = await fetch(d.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: location.origin + '/auth/callback',
      client_id: cfg.client_id, code_verifier: saved.verifier,
    }),
  })
  if (!r.ok) throw new Error('token exchange failed: ' + r.status)
  const t = await r.json()
  // the API verifies the token by the issuer's JWKS: an access token when
  // it is a JWT for our audience, else the ID token
  login(t.access_token && t.access_token.split('.').length === 3 ? t.access_token : t.id_token)
  return saved.back || '/'
}
