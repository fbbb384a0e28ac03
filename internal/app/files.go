package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"

	"github.com/duban/duban/api"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:///dir — a local directory (dev, one-machine installs)
	_ "gocloud.dev/blob/s3blob"   // s3://bucket?region=…&endpoint=… — S3 or any S3-compatible store (MinIO)
)

// openBlobs opens the attachment store named by a gocloud URL
// (DUBAN_BLOB_URL); "" leaves uploads off.
func openBlobs(ctx context.Context, url string) (*blob.Bucket, error) {
	if url == "" {
		return nil, nil
	}
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("DUBAN_BLOB_URL %q: %w", url, err)
	}
	return b, nil
}

// commandScanner runs argv with the upload on stdin (e.g. `clamdscan
// --no-summary -`): exit 0 accepts it, exit 1 refuses it as infected, any
// other outcome is the scanner being unavailable (the upload is refused
// with 503, never kept unscanned).
func commandScanner(argv []string) api.Scanner {
	if len(argv) == 0 {
		return nil
	}
	return func(ctx context.Context, content []byte) error {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdin = bytes.NewReader(content)
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 1 {
			return api.ErrInfected
		}
		return err
	}
}
