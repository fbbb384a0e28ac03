// Words, marks, times and names as the console's users read them
// (../shared/CONSOLE.md): states as tags, times in Asia/Shanghai 24-hour,
// due times as "2027-06-30 24:00", tenants as name with code.
import { reactive } from 'vue'
import { client, call } from './api/client'
import { t, lang } from './i18n'

export const stateTag: Record<string, string> = {
  assigned: 'info', in_progress: 'primary', submitted: 'warning', returned: 'danger',
  approved: 'success', signed_off: 'success', cancelled: 'info',
  open: 'warning', rectified: 'primary', closed: 'success',
}

// An assignment's open states: its tenant's work to do (duban.AssignmentState.Open).
export const openStates = ['assigned', 'in_progress', 'returned']

export const escalationColor = ['', '#e6a23c', '#f08a24', '#f56c6c', '#8b0000']

export function stateLabel(s: string) { return t('state.' + s) }
export function escalationLabel(n: number) { return n ? t('escalation.' + n) : '' }

const zone = 'Asia/Shanghai'
const dtf = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })

function parts(d: Date) {
  const p: Record<string, string> = {}
  for (const x of dtf.formatToParts(d)) p[x.type] = x.value
  return p
}

export function fmtTime(s?: string | null) {
  if (!s) return '—'
  const p = parts(new Date(s))
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

export function fmtDate(s?: string | null) {
  if (!s) return '—'
  const p = parts(new Date(s))
  return `${p.year}-${p.month}-${p.day}`
}

// fmtDue shows a deadline at midnight as the day before, 24:00.
export function fmtDue(s?: string | null) {
  if (!s) return '—'
  const d = new Date(s)
  const p = parts(d)
  if ((p.hour === '00' && p.minute === '00') || (p.hour === '23' && p.minute === '59' && d.getUTCSeconds() === 59)) {
    if (p.hour === '23') return `${p.year}-${p.month}-${p.day} 24:00`
    const q = parts(new Date(d.getTime() - 60_000))
    return `${q.year}-${q.month}-${q.day} 24:00`
  }
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

export function shanghaiDay(d: Date) {
  const p = parts(d)
  return `${p.year}-${p.month}-${p.day}`
}

export function fmtNum(n?: number | null) {
  if (n === undefined || n === null) return '—'
  return new Intl.NumberFormat(lang.value === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: 2 }).format(n)
}

export function fmtPct(r?: number | null) {
  if (r === undefined || r === null || Number.isNaN(r)) return '—'
  return (r * 100).toFixed(1) + '%'
}

// Tenant names, fetched once per code.
const names = reactive<Record<string, string>>({})
const asked: Record<string, boolean> = {}

export function remember(code: string, name: string) { if (code && name) names[code] = name }

export function tenantName(code?: string | null) {
  if (!code) return '—'
  if (!names[code] && !asked[code]) {
    asked[code] = true
    call(client.GET('/v1/tenants/{code}', { params: { path: { code } } }))
      .then((d: any) => { names[code] = d.name; for (const c of d.children || []) remember(c.code, c.name) })
      .catch(() => {})
  }
  return names[code] ? `${names[code]} ${code}` : code
}

export function text(x?: { zh?: string; en?: string } | null) {
  if (!x) return ''
  return (lang.value === 'en' ? x.en : x.zh) || x.zh || x.en || ''
}

// Working days, from the calendar API's overrides (调休 and holidays) over
// the Monday–Friday week.
const overrides = reactive<{ loaded: boolean; days: Record<string, boolean> }>({ loaded: false, days: {} })
let loading: Promise<void> | null = null

export function loadCalendar() {
  if (!loading) {
    // a year back and a year ahead, in the API's windows of at most 366 days
    const now = Date.now()
    const windows = [[-365, 0], [1, 366]].map(([a, b]) => [shanghaiDay(new Date(now + a * 864e5)), shanghaiDay(new Date(now + b * 864e5))])
    loading = Promise.all(windows.map(async ([from, to]) => {
      let cursor: string | undefined
      do {
        const page: any = await call(client.GET('/v1/calendar/days', { params: { query: { from, to, cursor, limit: 500 } as any } }))
        for (const d of page.items || []) overrides.days[d.date] = d.workday
        cursor = page.next_cursor
      } while (cursor)
    })).then(() => { overrides.loaded = true }, () => { overrides.loaded = true })
  }
  return loading
}

function isWorkday(day: string, dow: number) {
  if (day in overrides.days) return overrides.days[day]
  return dow !== 0 && dow !== 6
}

function nextDay(day: string) {
  const d = new Date(day + 'T12:00:00Z')
  d.setUTCDate(d.getUTCDate() + 1)
  return d.toISOString().slice(0, 10)
}

function workdaysBetween(from: string, to: string) { // working days in (from, to]
  let n = 0
  for (let d = nextDay(from), i = 0; d <= to && i < 4000; d = nextDay(d), i++) {
    if (isWorkday(d, new Date(d + 'T12:00:00Z').getUTCDay())) n++
  }
  return n
}

// workdaysLeft counts working days from today to the due day; negative:
// working days overdue. A deadline at 24:00 belongs to its day.
export function workdaysLeft(due: string, now = new Date()): number {
  const dueDay = shanghaiDay(new Date(new Date(due).getTime() - 60_000))
  const today = shanghaiDay(now)
  if (new Date(due).getTime() >= now.getTime()) return workdaysBetween(today, dueDay)
  return -Math.max(workdaysBetween(dueDay, today), 1)
}

export function roleLabel(r: string) { return t('role.' + r) }
export function levelLabel(l: string) { return t('level.' + l) }

// label translates key, falling back to the raw value when no label exists.
export function label(prefix: string, v: string) {
  const k = prefix + '.' + v
  const s = t(k)
  return s === k ? v : s
}
