package api

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// Verifier checks a bearer token and returns the login it names (sub).
type Verifier interface {
	Verify(ctx context.Context, token string) (string, error)
}

// ErrBadToken is returned for any token that does not verify.
var ErrBadToken = errors.New("invalid or expired token")

// algFor pins the one JWT algorithm a key may verify: no "none", and no
// HS/RS confusion (an RSA public key is never used as an HMAC secret).
func algFor(key crypto.PublicKey) (string, error) {
	switch k := key.(type) {
	case ed25519.PublicKey:
		return "EdDSA", nil
	case *rsa.PublicKey:
		return "RS256", nil
	case *ecdsa.PublicKey:
		switch k.Curve.Params().BitSize {
		case 256:
			return "ES256", nil
		case 384:
			return "ES384", nil
		}
	}
	return "", fmt.Errorf("unsupported public key type %T", key)
}

// KeyVerifier verifies tokens signed by one of a set of public keys, with
// issuer, audience and expiry checks.
type KeyVerifier struct {
	Issuer   string
	Audience string
	// Keys returns the public key for a key id ("" when the token has none).
	Keys func(ctx context.Context, kid string) (crypto.PublicKey, error)
	// MaxLifetime caps how long a token may be valid (DefaultMaxTokenLifetime
	// when zero): a token expiring later than that from now, or issued that
	// long before its expiry, is refused, as is one issued in the future.
	MaxLifetime time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// DefaultMaxTokenLifetime is the longest a token may live: a working day
// and a night.
const DefaultMaxTokenLifetime = 24 * time.Hour

// Verify implements Verifier.
func (v *KeyVerifier) Verify(ctx context.Context, raw string) (string, error) {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	opts := []jwt.ParserOption{jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(30 * time.Second),
		jwt.WithValidMethods([]string{"EdDSA", "RS256", "ES256", "ES384"}), jwt.WithTimeFunc(now)}
	if v.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(v.Issuer))
	}
	if v.Audience != "" {
		opts = append(opts, jwt.WithAudience(v.Audience))
	}
	tok, err := jwt.ParseWithClaims(raw, &jwt.RegisteredClaims{}, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, err := v.Keys(ctx, kid)
		if err != nil {
			return nil, err
		}
		alg, err := algFor(key)
		if err != nil {
			return nil, err
		}
		if t.Method.Alg() != alg {
			return nil, fmt.Errorf("token alg %s does not match key alg %s", t.Method.Alg(), alg)
		}
		return key, nil
	}, opts...)
	if err != nil || !tok.Valid {
		return "", ErrBadToken
	}
	life := v.MaxLifetime
	if life <= 0 {
		life = DefaultMaxTokenLifetime
	}
	exp, _ := tok.Claims.GetExpirationTime()
	if exp == nil || exp.Sub(now()) > life {
		return "", ErrBadToken // lives longer than allowed
	}
	if iat, _ := tok.Claims.GetIssuedAt(); iat != nil && exp.Sub(iat.Time) > life {
		return "", ErrBadToken
	}
	sub, err := tok.Claims.GetSubject()
	if err != nil || sub == "" {
		return "", ErrBadToken
	}
	return sub, nil
}

// StaticKey returns a key source with one key.
func StaticKey(key crypto.PublicKey) func(context.Context, string) (crypto.PublicKey, error) {
	return func(context.Context, string) (crypto.PublicKey, error) { return key, nil }
}

// ParsePublicKeyPEM parses a PKIX public key in PEM.
func ParsePublicKeyPEM(b []byte) (crypto.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("no PEM block found")
	}
	return x509.ParsePKIXPublicKey(blk.Bytes)
}

// JWKS fetches and caches a JSON Web Key Set, refreshing it at most every
// minute when an unknown key id shows up, and every refresh interval anyway.
type JWKS struct {
	URL     string
	Client  *http.Client
	Refresh time.Duration

	mu      sync.Mutex
	keys    jose.JSONWebKeySet
	fetched time.Time
}

// Key implements the key source for KeyVerifier.
func (j *JWKS) Key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	refresh := j.Refresh
	if refresh == 0 {
		refresh = 10 * time.Minute
	}
	if k := j.find(kid); k != nil && time.Since(j.fetched) < refresh {
		return k, nil
	}
	if time.Since(j.fetched) > time.Minute || j.fetched.IsZero() {
		if err := j.fetch(ctx); err != nil {
			return nil, err
		}
	}
	if k := j.find(kid); k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("unknown key id %q", kid)
}

func (j *JWKS) find(kid string) crypto.PublicKey {
	for _, k := range j.keys.Keys {
		if (kid == "" || k.KeyID == kid) && k.Valid() && k.IsPublic() {
			return k.Key
		}
	}
	return nil
}

func (j *JWKS) fetch(ctx context.Context) error {
	c := j.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.URL, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("fetch JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch JWKS: status %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return fmt.Errorf("parse JWKS: %w", err)
	}
	j.keys, j.fetched = set, time.Now()
	return nil
}

// DevSigner signs tokens in dev mode with an Ed25519 key.
type DevSigner struct {
	Key      ed25519.PrivateKey
	Issuer   string
	Audience string
	TTL      time.Duration
}

// Sign returns a token for login.
func (s *DevSigner) Sign(login string, now time.Time) (string, error) {
	claims := jwt.RegisteredClaims{Subject: login, Issuer: s.Issuer, Audience: jwt.ClaimStrings{s.Audience},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(s.TTL))}
	return jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims).SignedString(s.Key)
}

// Verifier returns the verifier matching this signer.
func (s *DevSigner) Verifier() *KeyVerifier {
	return &KeyVerifier{Issuer: s.Issuer, Audience: s.Audience, Keys: StaticKey(s.Key.Public()), MaxLifetime: max(s.TTL, DefaultMaxTokenLifetime)}
}
