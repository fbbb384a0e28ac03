import { ref } from 'vue'
import { createI18n } from 'vue-i18n'
import zh from './locales/zh-CN.json'
import en from './locales/en.json'

// Chinese first: zh-CN unless the user switched to English.
export const lang = ref<string>(localStorage.getItem('duban.lang') || 'zh-CN')

export const i18n = createI18n({
  legacy: false,
  locale: lang.value,
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en },
})

export function setLang(l: string) {
  lang.value = l
  localStorage.setItem('duban.lang', l)
  i18n.global.locale.value = l as any
  document.documentElement.lang = l
}

export const t = (k: string, args?: any) => i18n.global.t(k, args ?? {})
