-- name: insert_attachment
INSERT INTO attachments (id, tenant, tenant_path, sha256, size, content_type, filename, uploaded_by, created_at)
SELECT $1, code, path, $3, $4, $5, $6, $7, $8 FROM tenants WHERE code = $2
ON CONFLICT (id) DO NOTHING;

-- name: get_attachment
SELECT id, tenant, sha256, size, content_type, filename, uploaded_by, created_at FROM attachments WHERE id = $1;
