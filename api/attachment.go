package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

const (
	actAttachmentUpload = "attachment.upload"
	actAttachmentRead   = "attachment.read"
)

// MaxUploadBytes limits one uploaded file; maxUploadBody the request that
// carries it (the file and its multipart framing).
const (
	MaxUploadBytes = 10 << 20
	maxUploadBody  = MaxUploadBytes + 64<<10
)

// blobKey is where content with this SHA-256 is kept.
func blobKey(hash string) string { return "sha256/" + hash[:2] + "/" + hash }

// Scanner inspects an upload before it is kept (the virus-scan hook); an
// error refuses the file. The assembly wires DUBAN_SCAN_COMMAND to it.
type Scanner func(ctx context.Context, content []byte) error

// ErrInfected is what a Scanner returns for a file it refuses.
var ErrInfected = errors.New("refused by the scan")

// accepted content types, sniffed from the bytes; OOXML documents sniff as
// zip and are told apart by their extension.
var accepted = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true, "application/pdf": true,
	"text/plain; charset=utf-8": true,
}

var ooxml = map[string]string{
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

// sniff returns the content type of content named filename, or "" when it
// is not accepted.
func sniff(content []byte, filename string) string {
	ct := http.DetectContentType(content)
	if ct == "application/zip" {
		return ooxml[strings.ToLower(path.Ext(filename))]
	}
	if accepted[ct] {
		return ct
	}
	return ""
}

type uploadIn struct {
	Tenant  string `query:"tenant" required:"true" minLength:"2" maxLength:"12" pattern:"^[0-9]+$" doc:"Tenant whose work the file documents (the caller must be able to report there)"`
	RawBody huma.MultipartFormFiles[struct {
		File huma.FormFile `form:"file" required:"true" doc:"The file: JPEG, PNG, GIF, WebP, PDF, text, or an Office document (xlsx, docx, pptx); at most 10 MiB"`
	}]
}

type attachmentOut struct {
	Body *duban.Attachment
}

type downloadIn struct {
	ID string `path:"id" pattern:"^att_[A-Za-z0-9_-]{4,64}$" doc:"Attachment id"`
}

func (s *Server) registerAttachments(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "upload-attachment", Method: http.MethodPost, Path: "/v1/attachments", Tags: []string{"Attachments"},
		Summary: "Upload a photo or document (上传附件)",
		Description: "multipart/form-data with one `file`. The type is sniffed from the content (JPEG, PNG, GIF, WebP, PDF, " +
			"UTF-8 text, xlsx/docx/pptx), at most 10 MiB, passed to the virus-scan hook, and stored once by its SHA-256. " +
			"The answer's id (att_…) goes into report fields of type attachment and hazard photos. Uploading the same " +
			"file for the same tenant again returns the same attachment.",
		Security: bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxUploadBody,
	}, func(ctx context.Context, in *uploadIn) (*attachmentOut, error) {
		if s.Blobs == nil {
			return nil, huma.Error503ServiceUnavailable("attachment storage is not configured")
		}
		if s.Dir.Get(in.Tenant) == nil {
			return nil, invalid("query.tenant", "unknown tenant", in.Tenant)
		}
		if err := s.requireFor(ctx, actAttachmentUpload, in.Tenant, "tenant/"+in.Tenant, nil); err != nil {
			return nil, err
		}
		f := in.RawBody.Data().File
		if !f.IsSet || f.File == nil {
			return nil, invalid("body.file", `a file is required in the form field "file"`, nil)
		}
		defer f.Close()
		content, err := io.ReadAll(io.LimitReader(f, MaxUploadBytes+1))
		if err != nil {
			return nil, huma.Error400BadRequest("cannot read the request body")
		}
		if len(content) > MaxUploadBytes {
			return nil, huma.Error413RequestEntityTooLarge(fmt.Sprintf("the file is larger than %s", "10 MiB"))
		}
		if len(content) == 0 {
			return nil, invalid("body.file", `a file is required in the form field "file"`, nil)
		}
		name := path.Base(strings.ReplaceAll(f.Filename, `\`, "/"))
		if name == "." || name == "/" || !cleanText(name) || len(name) > 200 {
			return nil, invalid("body.file", "the file name is not acceptable", nil)
		}
		ct := sniff(content, name)
		if ct == "" {
			return nil, problem(duban.Invalid("body.file", fmt.Sprintf("the file type %s is not accepted; accepted: %s",
				http.DetectContentType(content), "JPEG, PNG, GIF, WebP, PDF, text, xlsx, docx, pptx"), nil))
		}
		if s.Scan != nil {
			if err := s.Scan(ctx, content); err != nil {
				if errors.Is(err, ErrInfected) {
					return nil, invalid("body.file", "the file was refused by the virus scan", nil)
				}
				return nil, huma.Error503ServiceUnavailable("the virus scan is unavailable; retry")
			}
		}
		sum := sha256.Sum256(content)
		hash := hex.EncodeToString(sum[:])
		key := blobKey(hash)
		if ok, err := s.Blobs.Exists(ctx, key); err != nil {
			return nil, problem(err)
		} else if !ok {
			if err := s.Blobs.WriteAll(ctx, key, content, &blob.WriterOptions{ContentType: ct}); err != nil {
				return nil, problem(err)
			}
		}
		p := principal(ctx)
		id := sha256.Sum256([]byte(in.Tenant + "\x00" + hash + "\x00" + name))
		a := &duban.Attachment{ID: "att_" + hex.EncodeToString(id[:12]), Tenant: in.Tenant, SHA256: hash, Size: int64(len(content)),
			ContentType: ct, Filename: name, UploadedBy: p.Login, CreatedAt: s.Now().UTC()}
		if err := s.DB.SaveAttachment(ctx, s.Authz.Scope(p, actAttachmentUpload), a); err != nil {
			return nil, problem(err)
		}
		return &attachmentOut{Body: a}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-attachment", Method: http.MethodGet, Path: "/v1/attachments/{id}", Tags: []string{"Attachments"},
		Summary:  "Describe an attachment",
		Security: bearerSecurity,
	}, func(ctx context.Context, in *downloadIn) (*attachmentOut, error) {
		a, err := s.DB.GetAttachment(ctx, s.Authz.Scope(principal(ctx), actAttachmentRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		return &attachmentOut{Body: a}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "download-attachment", Method: http.MethodGet, Path: "/v1/attachments/{id}/content", Tags: []string{"Attachments"},
		Summary:     "Download an attachment's content",
		Description: "Readable by whoever can read the tenant's work it belongs to (the same isolation).",
		Security:    bearerSecurity,
		Responses: map[string]*huma.Response{"200": {Description: "The file", Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}},
	}, func(ctx context.Context, in *downloadIn) (*huma.StreamResponse, error) {
		if s.Blobs == nil {
			return nil, huma.Error503ServiceUnavailable("attachment storage is not configured")
		}
		a, err := s.DB.GetAttachment(ctx, s.Authz.Scope(principal(ctx), actAttachmentRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		content, err := s.Blobs.ReadAll(ctx, blobKey(a.SHA256))
		if err != nil {
			if gcerrors.Code(err) == gcerrors.NotFound {
				return nil, huma.Error404NotFound(fmt.Sprintf("attachment %s not found", a.ID))
			}
			return nil, problem(err)
		}
		return &huma.StreamResponse{Body: func(hc huma.Context) {
			hc.SetHeader("Content-Type", a.ContentType)
			hc.SetHeader("Content-Length", fmt.Sprint(len(content)))
			hc.SetHeader("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": a.Filename}))
			hc.SetHeader("Content-Security-Policy", "default-src 'none'; sandbox")
			hc.SetHeader("Cache-Control", "private, max-age=86400, immutable")
			hc.SetStatus(http.StatusOK)
			_, _ = io.Copy(hc.BodyWriter(), bytes.NewReader(content))
		}}, nil
	})
}
