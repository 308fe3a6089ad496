package mail_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/usergraph/usergraph/mail"
)

func TestTemplatesRenderEveryPurpose(t *testing.T) {
	tmpl := testTemplates(t)
	withLink := map[string]string{
		mail.VerifyEmail:        appURL + "/verify-email#token=tok_EN-1",
		mail.ResetPassword:      appURL + "/reset-password#token=tok_EN-1",
		mail.ChangeEmailConfirm: appURL + "/confirm-email-change#token=tok_EN-1",
	}
	for _, p := range mail.Purposes() {
		t.Run(p, func(t *testing.T) {
			m, err := tmpl.Render(p, "ada@example.com", mail.Data{
				Email: "ada@example.com", OldEmail: "ada@example.com",
				NewEmail: "ada@example.org", Token: "tok_EN-1",
				ValidFor: 24 * time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") {
				t.Errorf("subject %q", m.Subject)
			}
			if m.To != "ada@example.com" || m.Text == "" ||
				!strings.Contains(m.HTML, "<html>") {
				t.Errorf("message %+v", m)
			}
			link, ok := withLink[p]
			if ok != strings.Contains(m.Text, "tok_EN-1") {
				t.Errorf("token in text: %v, want %v", !ok, ok)
			}
			if ok && (!strings.Contains(m.Text, link) ||
				!strings.Contains(m.HTML, `href="`+link+`"`)) {
				t.Errorf("link %s missing:\n%s\n%s", link, m.Text, m.HTML)
			}
			if ok && !strings.Contains(m.Text, "24 hours") {
				t.Errorf("no lifetime in %s", m.Text)
			}
		})
	}
}

func TestTemplatesEscapeHTML(t *testing.T) {
	m, err := testTemplates(t).Render(mail.PasswordChangedNotice,
		"a@example.com", mail.Data{Email: `<script>x</script>@example.com`})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") {
		t.Errorf("HTML not escaped: %s", m.HTML)
	}
}

func TestLinkPaths(t *testing.T) {
	tmpl, err := mail.LoadTemplates(mail.TemplateConfig{Links: mail.LinkConfig{
		AppURL: "https://app.example.test/base/",
		Paths: map[string]string{mail.ResetPassword: "/reset?t={token}",
			mail.VerifyEmail: "/v"}}})
	if err != nil {
		t.Fatal(err)
	}
	for purpose, want := range map[string]string{
		mail.ResetPassword:      "https://app.example.test/base/reset?t=T0k",
		mail.VerifyEmail:        "https://app.example.test/base/v#token=T0k",
		mail.ChangeEmailConfirm: "https://app.example.test/base/confirm-email-change#token=T0k",
	} {
		m, err := tmpl.Render(purpose, "a@example.com", mail.Data{Token: "T0k"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, want+"\n") {
			t.Errorf("%s: no %s in\n%s", purpose, want, m.Text)
		}
	}
}

func TestLinkConfigErrors(t *testing.T) {
	for name, cfg := range map[string]mail.LinkConfig{
		"no app url":       {},
		"relative app url": {AppURL: "/app"},
		"ftp app url":      {AppURL: "ftp://app.example.test"},
		"fragment":         {AppURL: "https://app.example.test/#x"},
		"no slash":         {AppURL: appURL, Paths: map[string]string{mail.VerifyEmail: "v"}},
		"no link": {AppURL: appURL,
			Paths: map[string]string{mail.EmailChangedNotice: "/x"}},
	} {
		if _, err := mail.LoadTemplates(mail.TemplateConfig{Links: cfg}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestTemplateOverride(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("reset_password.txt",
		`{{define "subject"}}Example: new password{{end}}Go to {{.Link}} now.`)
	tmpl, err := mail.LoadTemplates(mail.TemplateConfig{Dir: dir,
		Links: mail.LinkConfig{AppURL: appURL}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := tmpl.Render(mail.ResetPassword, "a@example.com", mail.Data{Token: "T"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Example: new password" ||
		m.Text != "Go to "+appURL+"/reset-password#token=T now.\n" {
		t.Errorf("override not used: %q %q", m.Subject, m.Text)
	}
	if !strings.Contains(m.HTML, "Choose a new password") {
		t.Errorf("embedded HTML not kept: %s", m.HTML)
	}

	for name, text := range map[string]string{
		"no subject":    `Go to {{.Link}}`,
		"parse error":   `{{define "subject"}}x{{end}}{{.Link`,
		"unknown field": `{{define "subject"}}x{{end}}{{.Password}}`,
	} {
		write("verify_email.txt", text)
		_, err := mail.LoadTemplates(mail.TemplateConfig{Dir: dir,
			Links: mail.LinkConfig{AppURL: appURL}})
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
