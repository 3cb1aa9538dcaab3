package dbutil

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/periscope-hq/periscope/core"
)

// NewPublicKey returns 16 bytes from crypto/rand as 32 lowercase hex
// characters: a DSN public key.
func NewPublicKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// IsPublicKey reports whether s has the form of a public key: 32 lowercase
// hex characters.
func IsPublicKey(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ValidateKey checks the user-settable fields of a key being created:
// PublicKey, when given, must look like one; RateLimit must not be negative;
// Label is at most 200 characters.
func ValidateKey(k *core.ProjectKey) error {
	if k.PublicKey != "" && !IsPublicKey(k.PublicKey) {
		return core.FieldErrorf("public_key", "public_key must be 32 lowercase hex characters")
	} else if k.RateLimit < 0 {
		return core.FieldErrorf("rate_limit", "rate_limit must not be negative")
	} else if len(k.Label) > 200 {
		return core.FieldErrorf("label", "label must be at most 200 characters")
	}
	return nil
}
