package duban

import (
	"context"
	"time"
)

// Attachment is an uploaded photo or document (现场照片、整改材料). Its bytes
// are kept once per content (by SHA-256) in blob storage; the row says which
// tenant it belongs to, and reads see it exactly as they see that tenant's
// assignments and hazards (row-level security on the same path).
type Attachment struct {
	ID          string    `json:"id" doc:"Reference to put in reports and hazards (att_…)"`
	Tenant      string    `json:"tenant" doc:"Tenant whose work it belongs to"`
	SHA256      string    `json:"sha256" doc:"Hex SHA-256 of the content"`
	Size        int64     `json:"size" doc:"Bytes"`
	ContentType string    `json:"content_type" doc:"Sniffed from the content"`
	Filename    string    `json:"filename"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// AttachmentStore records attachments.
type AttachmentStore interface {
	// SaveAttachment records a within scope and audits it; saving the same
	// id again changes nothing (an upload is idempotent by content).
	SaveAttachment(ctx context.Context, scope []string, a *Attachment) error
	GetAttachment(ctx context.Context, scope []string, id string) (*Attachment, error)
}
