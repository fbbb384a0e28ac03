package duban

import "time"

// Notification is an in-app message to a tenant's inbox.
type Notification struct {
	ID           int64          `json:"id"`
	Tenant       string         `json:"tenant"`
	CampaignID   string         `json:"campaign,omitempty"`
	AssignmentID string         `json:"assignment,omitempty"`
	Kind         string         `json:"kind"`
	Title        Text           `json:"title"`
	Body         map[string]any `json:"body,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
	Read         bool           `json:"read"`
}

// NewNotification is a message for one tenant's inbox; DedupeKey makes
// at-least-once delivery idempotent.
type NewNotification struct {
	DedupeKey    string
	Tenant       string
	CampaignID   string
	AssignmentID string
	Kind         string
	Title        Text
	Body         map[string]any
	At           time.Time // when it happened (workflow time); now when zero
}

// NotificationFilter selects a user's notifications.
type NotificationFilter struct {
	Login      string
	Tenants    []string // the inboxes the user reads: its binding tenants
	UnreadOnly bool
	BeforeID   int64
	Limit      int
}

// Webhook is a tenant's outgoing webhook.
type Webhook struct {
	ID        int64     `json:"id"`
	Tenant    string    `json:"tenant"`
	URL       string    `json:"url"`
	Secret    string    `json:"-"`
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"created_at"`
}

// Delivery is a notification due to one webhook.
type Delivery struct {
	Webhook      Webhook
	Notification Notification
}
