import { createApp } from 'vue'
import 'element-plus/theme-chalk/base.css'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import './style.css'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'

import { auth, whoAmI } from './auth'
import { client, call } from './api/client'

createApp(App).use(router).use(i18n).mount('#app')
// who the user is, fetched while the first page's code loads
if (auth.token) whoAmI(() => call(client.GET('/v1/me'))).catch(() => {})
