import { createRouter, createWebHistory } from 'vue-router'

// Pages load on demand: the login page stays small.
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', component: () => import('./views/Login.vue'), meta: { public: true } },
    { path: '/auth/callback', component: () => import('./views/Callback.vue'), meta: { public: true } },
    {
      path: '/', component: () => import('./views/Layout.vue'),
      children: [
        { path: '', component: () => import('./views/Home.vue') },
        { path: 'inbox', component: () => import('./views/Inbox.vue'), props: { mode: 'todo' } },
        { path: 'done', component: () => import('./views/Inbox.vue'), props: { mode: 'done' } },
        { path: 'review', component: () => import('./views/Inbox.vue'), props: { mode: 'review' } },
        { path: 'assignments/:id', component: () => import('./views/Assignment.vue'), props: true },
        { path: 'campaigns', component: () => import('./views/Campaigns.vue') },
        { path: 'campaigns/new', component: () => import('./views/Launch.vue') },
        { path: 'campaigns/:id', component: () => import('./views/Campaign.vue'), props: true },
        { path: 'hazards', component: () => import('./views/Hazards.vue') },
        { path: 'hazards/:id', component: () => import('./views/Hazard.vue'), props: true },
        { path: 'accidents', component: () => import('./views/Accidents.vue') },
        { path: 'accidents/:id', component: () => import('./views/Accident.vue'), props: true },
        { path: 'notifications', component: () => import('./views/Notifications.vue') },
        { path: 'registry', component: () => import('./views/Registry.vue') },
        { path: 'supervision', component: () => import('./views/Supervision.vue') },
        { path: 'admin/users', component: () => import('./views/Users.vue') },
        { path: 'admin/audit', component: () => import('./views/Audit.vue') },
        { path: 'admin/webhooks', component: () => import('./views/Webhooks.vue') },
        { path: 'admin/calendar', component: () => import('./views/Calendar.vue') },
        { path: ':rest(.*)*', component: () => import('./views/NotFound.vue') },
      ],
    },
  ],
})

router.beforeEach(async (to) => {
  const { auth } = await import('./auth')
  if (!to.meta.public && !auth.token) return { path: '/login', query: { back: to.fullPath } }
})
