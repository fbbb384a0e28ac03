package activities

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/egress"
)

// SignatureHeader carries the HMAC-SHA256 of "timestamp.body" for JSON webhooks.
const SignatureHeader = "X-Duban-Signature"

// TimestampHeader carries the Unix time the signature covers.
const TimestampHeader = "X-Duban-Timestamp"

// DeliverWebhooks posts each notification to its tenant's webhooks that
// have not yet accepted it. It fails (and Temporal retries it) while any
// delivery fails; the workflow never waits on it.
func (a *Activities) DeliverWebhooks(ctx context.Context, ids []int64) error {
	ds, err := a.DB.PendingDeliveries(ctx, ids)
	if err != nil {
		return err
	}
	client := a.HTTP
	if client == nil { // the strict policy: public addresses only
		client = egress.Policy{}.Client(10 * time.Second)
	}
	var failed int
	for _, d := range ds {
		status := deliver(ctx, client, d, time.Now())
		if err := a.DB.RecordDelivery(ctx, d.Webhook.ID, d.Notification.ID, status); err != nil {
			return err
		}
		if status < 200 || status > 299 {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d webhook deliveries failed", failed, len(ds))
	}
	return nil
}

// WebhookBody renders a notification in a webhook's format.
func WebhookBody(d duban.Delivery) ([]byte, error) {
	n := d.Notification
	switch d.Webhook.Format {
	case "dingtalk", "wecom":
		text := fmt.Sprintf("【督办】%s\n%s", n.Title.ZH, n.Title.EN)
		return json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": text}})
	}
	return json.Marshal(map[string]any{"id": n.ID, "tenant": n.Tenant, "kind": n.Kind, "campaign": n.CampaignID,
		"assignment": n.AssignmentID, "title": n.Title, "body": n.Body, "created_at": n.CreatedAt})
}

// Sign is the JSON webhook signature: hex HMAC-SHA256 of "ts.body".
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.", ts)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// deliver makes one attempt and returns the HTTP status (0 on transport error).
func deliver(ctx context.Context, c *http.Client, d duban.Delivery, now time.Time) int {
	body, err := WebhookBody(d)
	if err != nil {
		return 0
	}
	target := d.Webhook.URL
	ts := now.Unix()
	if d.Webhook.Format == "dingtalk" && d.Webhook.Secret != "" {
		// DingTalk robots sign timestamp(ms)+"\n"+secret, base64, in the query.
		ms := now.UnixMilli()
		m := hmac.New(sha256.New, []byte(d.Webhook.Secret))
		fmt.Fprintf(m, "%d\n%s", ms, d.Webhook.Secret)
		u, err := url.Parse(target)
		if err != nil {
			return 0
		}
		q := u.Query()
		q.Set("timestamp", strconv.FormatInt(ms, 10))
		q.Set("sign", base64.StdEncoding.EncodeToString(m.Sum(nil)))
		u.RawQuery = q.Encode()
		target = u.String()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	if d.Webhook.Format == "json" {
		req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
		req.Header.Set(SignatureHeader, Sign(d.Webhook.Secret, ts, body))
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
