package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"
	"time"
)

//go:embed templates/*.txt templates/*.html
var embedded embed.FS

// TemplateConfig says which templates render the messages and where
// their links point.
type TemplateConfig struct {
	// Dir, if set, is a directory whose <purpose>.txt and <purpose>.html
	// files replace the embedded templates of the same name; the others
	// stay. A .txt template defines the subject in a "subject" block and
	// is the plain-text body; a .html template is the HTML body.
	Dir   string
	Links LinkConfig
}

// Data is what a message's templates show; fields its purpose does not
// use are empty. It is kept sealed in the outbox until the message is
// sent.
type Data struct {
	// Email is the address the message goes to.
	Email string `json:"email,omitempty"`
	// OldEmail and NewEmail are the addresses of an email change.
	OldEmail string `json:"old_email,omitempty"`
	NewEmail string `json:"new_email,omitempty"`
	// Token is the one-time token the message's link carries.
	Token string `json:"token,omitempty"`
	// ValidFor is how long the token is valid after it was issued.
	ValidFor time.Duration `json:"valid_for,omitempty"`
}

// view is what templates see: the data, the link and a few helpers.
type view struct {
	Data
	Link      string
	AppURL    string
	ExpiresIn string
}

// Templates renders messages from parsed templates. It is safe for
// concurrent use.
type Templates struct {
	subject map[string]*texttemplate.Template
	text    map[string]*texttemplate.Template
	html    map[string]*htmltemplate.Template
	links   *links
}

// LoadTemplates parses the embedded templates, and those of cfg.Dir in
// their place, and renders each once with sample data so that a broken
// override is found at start-up rather than when a message is due.
func LoadTemplates(cfg TemplateConfig) (*Templates, error) {
	l, err := newLinks(cfg.Links)
	if err != nil {
		return nil, err
	}
	t := &Templates{links: l,
		subject: map[string]*texttemplate.Template{},
		text:    map[string]*texttemplate.Template{},
		html:    map[string]*htmltemplate.Template{}}
	for _, p := range Purposes() {
		if err := t.load(cfg.Dir, p); err != nil {
			return nil, err
		}
		sample := Data{Email: "ada@example.com", OldEmail: "ada@example.com",
			NewEmail: "ada@example.org", Token: "sample-token",
			ValidFor: time.Hour}
		if _, err := t.Render(p, sample.Email, sample); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *Templates) load(dir, purpose string) error {
	text, err := source(dir, purpose+".txt")
	if err != nil {
		return err
	}
	tt, err := texttemplate.New(purpose + ".txt").
		Option("missingkey=error").
		Parse(text)
	if err != nil {
		return fmt.Errorf("mail template: %w", err)
	}
	subject := tt.Lookup("subject")
	if subject == nil {
		return fmt.Errorf("mail template %s.txt defines no subject", purpose)
	}
	html, err := source(dir, purpose+".html")
	if err != nil {
		return err
	}
	ht, err := htmltemplate.New(purpose + ".html").
		Option("missingkey=error").
		Parse(html)
	if err != nil {
		return fmt.Errorf("mail template: %w", err)
	}
	t.subject[purpose], t.text[purpose], t.html[purpose] = subject, tt, ht
	return nil
}

// source reads a template from dir if it is there, else the embedded one.
func source(dir, name string) (string, error) {
	if dir != "" {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			return string(b), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("mail template: %w", err)
		}
	}
	b, err := embedded.ReadFile("templates/" + name)
	if err != nil {
		return "", fmt.Errorf("mail template %s: %w", name, err)
	}
	return string(b), nil
}

// Render returns the message of purpose for the address to, without its
// Message-ID and date.
func (t *Templates) Render(purpose, to string, d Data) (*Message, error) {
	tt, ok := t.text[purpose]
	if !ok {
		return nil, fmt.Errorf("no mail template for %q", purpose)
	}
	v := view{Data: d, Link: t.links.link(purpose, d.Token),
		AppURL: t.links.base, ExpiresIn: duration(d.ValidFor)}
	var subject, text, html bytes.Buffer
	if err := t.subject[purpose].Execute(&subject, v); err != nil {
		return nil, fmt.Errorf("render %s subject: %w", purpose, err)
	}
	if err := tt.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("render %s text: %w", purpose, err)
	}
	if err := t.html[purpose].Execute(&html, v); err != nil {
		return nil, fmt.Errorf("render %s html: %w", purpose, err)
	}
	return &Message{To: to,
		// One line, whatever the template's white space.
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    strings.TrimSpace(text.String()) + "\n",
		HTML:    html.String()}, nil
}

// duration says d in words for a message: "24 hours", "1 hour",
// "30 minutes".
func duration(d time.Duration) string {
	unit, n := "minute", int(d/time.Minute)
	if d >= time.Hour && d%time.Hour == 0 {
		unit, n = "hour", int(d/time.Hour)
	}
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
