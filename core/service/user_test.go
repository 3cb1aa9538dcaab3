package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

func TestCreateUserRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		in          service.CreateUserInput
	}{
		{"no email", "email", service.CreateUserInput{Role: "admin", Password: "longenough1"}},
		{"not an email", "email", service.CreateUserInput{Email: "ada", Role: "admin", Password: "longenough1"}},
		{"display name", "email", service.CreateUserInput{Email: "Ada <ada@example.com>", Role: "admin", Password: "longenough1"}},
		{"bad role", "role", service.CreateUserInput{Email: "ada@example.com", Role: "owner", Password: "longenough1"}},
		{"short password", "password", service.CreateUserInput{Email: "ada@example.com", Role: "member", Password: "short"}},
		{"long password", "password", service.CreateUserInput{Email: "ada@example.com", Role: "member", Password: strings.Repeat("x", 73)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refusedBeforeStore(t, "CreateUser", tc.field, func(svc *service.Service) error {
				_, err := svc.CreateUser(context.Background(), tc.in)
				return err
			})
		})
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	svc, _ := MustOpen(t, nil)
	u, err := svc.CreateUser(ctx, service.CreateUserInput{Email: " Ada@Example.com ", Role: core.RoleAdmin, Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.com" || strings.Contains(u.PasswordHash, "correct") || !strings.HasPrefix(u.PasswordHash, "$2") {
		t.Fatalf("CreateUser = %+v; want a lower-case email and a bcrypt hash", u)
	}
	if got, err := svc.Authenticate(ctx, "ADA@example.com", "correct horse"); err != nil || got.ID != u.ID {
		t.Fatalf("Authenticate(right) = %v, %v", got, err)
	}
	for _, c := range [][2]string{{"ada@example.com", "wrong horse!"}, {"bob@example.com", "correct horse"}, {"", ""}} {
		if _, err := svc.Authenticate(ctx, c[0], c[1]); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("Authenticate(%q, %q) = %v; want unauthorized", c[0], c[1], err)
		}
	}
	if err := svc.SetPassword(ctx, u.ID, "battery staple"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, "ada@example.com", "correct horse"); core.ErrorCode(err) != core.EUNAUTHORIZED {
		t.Fatalf("old password after SetPassword: %v; want unauthorized", err)
	}
	if _, err := svc.Authenticate(ctx, "ada@example.com", "battery staple"); err != nil {
		t.Fatalf("new password after SetPassword: %v", err)
	}
	if _, err := svc.CreateUser(ctx, service.CreateUserInput{Email: "ada@example.com", Role: core.RoleMember, Password: "another one"}); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("CreateUser(taken email) = %v; want conflict", err)
	}
	if p := service.GeneratePassword(); len(p) != 20 || p == service.GeneratePassword() {
		t.Fatalf("GeneratePassword = %q; want 20 random characters", p)
	}
}
