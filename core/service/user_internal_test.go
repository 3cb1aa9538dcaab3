package service

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestDummyHashCost: the constant hash compared against for unknown emails
// is a valid bcrypt hash at the cost of real password hashes, so a wrong
// email takes as long as a wrong password.
func TestDummyHashCost(t *testing.T) {
	cost, err := bcrypt.Cost(dummyHash)
	if err != nil {
		t.Fatalf("dummyHash is not a bcrypt hash: %v", err)
	}
	if cost != bcryptCost {
		t.Errorf("dummyHash has cost %d, new password hashes %d", cost, bcryptCost)
	}
	if err := bcrypt.CompareHashAndPassword(dummyHash, []byte("periscope-dummy-password")); err != nil {
		t.Errorf("dummyHash is not the hash of its password: %v", err)
	}
}
