-- Business gauges for /metrics, per province (the second label of the
-- supervision path; work at the national root counts as 000000).

-- name: gauge_assignments
SELECT CASE WHEN nlevel(tenant_path) >= 2 THEN subltree(tenant_path, 1, 2)::text ELSE '000000' END AS province,
  state, escalation_level, count(*)
FROM assignments WHERE state <> 'cancelled' GROUP BY 1, 2, 3;

-- name: gauge_hazards_overdue
SELECT CASE WHEN nlevel(tenant_path) >= 2 THEN subltree(tenant_path, 1, 2)::text ELSE '000000' END, count(*)
FROM hazards WHERE overdue AND state <> 'closed' GROUP BY 1;

-- name: gauge_accidents_late
SELECT CASE WHEN nlevel(tenant_path) >= 2 THEN subltree(tenant_path, 1, 2)::text ELSE '000000' END, count(*)
FROM accidents WHERE late GROUP BY 1;

-- name: gauge_webhooks_failing
SELECT CASE WHEN nlevel(w.tenant_path) >= 2 THEN subltree(w.tenant_path, 1, 2)::text ELSE '000000' END, count(*)
FROM webhooks w
WHERE (SELECT d.status FROM webhook_deliveries d WHERE d.webhook_id = w.id ORDER BY d.delivered_at DESC LIMIT 1) NOT BETWEEN 200 AND 299
GROUP BY 1;
