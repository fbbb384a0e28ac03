// Package pii seals personal data (ID numbers, phones): a keyed hash for
// matching without the number (HMAC-SHA256) and the number itself sealed
// with AES-256-GCM, both under subkeys derived (HKDF-SHA256) from one
// master key (DUBAN_PII_KEY). The database never holds a number in clear.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the master key's size in bytes.
const KeySize = 32

// Keys seal and match personal data. The zero value is unusable.
type Keys struct {
	aead    cipher.AEAD
	hashKey []byte
}

// New derives the keys from a 32-byte master key.
func New(master []byte) (*Keys, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("the personal-data key must be %d bytes (base64 of 32 random bytes: openssl rand -base64 32), got %d", KeySize, len(master))
	}
	sealKey, err := hkdf.Key(sha256.New, master, nil, "duban pii seal v1", 32)
	if err != nil {
		return nil, err
	}
	hashKey, err := hkdf.Key(sha256.New, master, nil, "duban pii hash v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{aead: aead, hashKey: hashKey}, nil
}

// Parse reads a base64 master key (as DUBAN_PII_KEY holds it).
func Parse(s string) (*Keys, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("the personal-data key is not base64: %w", err)
	}
	return New(b)
}

// Ephemeral makes keys that live as long as the process (tests).
func Ephemeral() *Keys {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b)
	k, _ := New(b)
	return k
}

// LoadOrCreate reads the master key from path, creating it (0600) on first
// use: the dev system's key, kept beside its data.
func LoadOrCreate(path string) (*Keys, error) {
	if b, err := os.ReadFile(path); err == nil {
		return Parse(string(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(b)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return New(b)
}

// Hash is the keyed hash of a value (hex), for matching: the same number
// gives the same hash under the same key, and nothing without it.
func (k *Keys) Hash(kind, value string) string {
	m := hmac.New(sha256.New, k.hashKey)
	m.Write([]byte(kind + "\x00" + value))
	return hex.EncodeToString(m.Sum(nil))
}

// Seal encrypts a value bound to its record (aad: e.g. "person/p_…/id").
func (k *Keys) Seal(value, aad string) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, []byte(value), []byte(aad))
}

// Open decrypts what Seal sealed with the same aad.
func (k *Keys) Open(sealed []byte, aad string) (string, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("sealed value too short")
	}
	b, err := k.aead.Open(nil, sealed[:n], sealed[n:], []byte(aad))
	if err != nil {
		return "", errors.New("sealed value does not open under this key")
	}
	return string(b), nil
}
