package account

import (
	"errors"
	"testing"

	"github.com/usergraph/usergraph/models"
)

func TestCommonPasswords(t *testing.T) {
	if n := len(commonSet()); n != 10_000 {
		t.Fatalf("%d common passwords, want 10000", n)
	}
	p := PasswordPolicy{MinLength: 8, MaxLength: 256}
	for _, pw := range []string{"password", "PASSWORD", "  qwertyuiop ",
		"baseball", "iloveyou", "trustno1"} {
		if _, err := p.Check(pw, "x@example.com"); !errors.Is(err,
			models.ErrWeakPassword) {
			t.Errorf("%q: err = %v, want WEAK_PASSWORD", pw, err)
		}
	}
	if _, err := p.Check("velvet otter juggles lanterns", "x@example.com"); err != nil {
		t.Errorf("an uncommon passphrase was refused: %v", err)
	}
}

func TestPasswordContainsLocalPart(t *testing.T) {
	p := DefaultPasswordPolicy()
	cases := []struct {
		password, email string
		refused         bool
	}{
		{"my name is margaret and I like tea", "margaret@example.com", true},
		{"my name is MARGARET and I like tea", "margaret@example.com", true},
		{"my name is marge and I like tea ok", "margaret@example.com", false},
		{"joe joe joe joe joe joe", "joe@example.com", false},
		{"a perfectly fine passphrase", "fine@example.com", true},
	}
	for _, c := range cases {
		_, err := p.Check(c.password, c.email)
		if refused := errors.Is(err, models.ErrWeakPassword); refused != c.refused {
			t.Errorf("%q with %s: refused = %v, want %v", c.password,
				c.email, refused, c.refused)
		}
	}
}
