// What every list and every form of the console does the same way.
import { ref, type Ref } from 'vue'
import { ElMessage } from 'element-plus'
import { ApiError } from './api/client'

// usePager pages a list by the API's cursors (next_cursor), keeping the
// cursor of every page seen so that "previous" works.
export function usePager<T = any>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; total: number; next_cursor?: string }>) {
  const rows = ref<T[]>([]) as Ref<T[]>
  const total = ref(0)
  const page = ref(1)
  const next = ref('')
  const loading = ref(false)
  const error = ref('')
  let cursors: string[] = ['']
  async function load() {
    loading.value = true
    error.value = ''
    try {
      const p = await fetchPage(cursors[page.value - 1] || undefined)
      rows.value = p.items
      total.value = p.total
      next.value = p.next_cursor || ''
    } catch (e: any) {
      error.value = e.message
    } finally {
      loading.value = false
    }
  }
  function go(d: number) {
    if (d > 0) cursors[page.value] = next.value
    page.value += d
    return load()
  }
  function reset() {
    page.value = 1
    cursors = ['']
    return load()
  }
  return { rows, total, page, next, loading, error, load, go, reset }
}

// useAction runs a call for a form: marks it busy, puts the API's field
// errors where the form shows them, and says how it went.
export function useAction() {
  const busy = ref('')
  const errors = ref<Record<string, string>>({})
  async function act<T>(name: string, fn: () => Promise<T>, done?: string): Promise<T | undefined> {
    busy.value = name
    errors.value = {}
    try {
      const v = await fn()
      if (done) ElMessage.success(done)
      return v
    } catch (e: any) {
      if (e instanceof ApiError) errors.value = e.fields
      ElMessage.error(e.message)
      return undefined
    } finally {
      busy.value = ''
    }
  }
  return { busy, errors, act }
}
