package mail

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// LinkConfig says where the links in emails point: at the client
// application, which then calls the matching mutation with the token. A
// mail scanner that fetches a link thus consumes nothing.
type LinkConfig struct {
	// AppURL is the application's base URL, e.g. https://app.example.com.
	AppURL string
	// Paths maps a purpose that carries a token (VerifyEmail,
	// ResetPassword, ChangeEmailConfirm) to the path of its page under
	// AppURL. The token goes in the fragment (#token=…), so it reaches
	// neither servers nor Referer headers, unless the path holds
	// "{token}", which is then replaced by it (e.g. "/reset?t={token}").
	// A purpose left out takes its default path.
	Paths map[string]string
}

// DefaultLinkPaths returns the default page of each purpose with a link.
func DefaultLinkPaths() map[string]string {
	return map[string]string{
		VerifyEmail:        "/verify-email",
		ResetPassword:      "/reset-password",
		ChangeEmailConfirm: "/confirm-email-change",
	}
}

// links builds the links of LinkConfig.
type links struct {
	base  string
	paths map[string]string
}

func newLinks(cfg LinkConfig) (*links, error) {
	u, err := url.Parse(cfg.AppURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") ||
		u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("app url must be an absolute http(s) URL " +
			"without query or fragment")
	}
	paths := DefaultLinkPaths()
	for purpose, p := range cfg.Paths {
		if _, ok := paths[purpose]; !ok {
			return nil, fmt.Errorf("link path for %q: that mail has no link",
				purpose)
		}
		if !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("link path for %q must start with /",
				purpose)
		}
		paths[purpose] = p
	}
	return &links{base: strings.TrimSuffix(cfg.AppURL, "/"), paths: paths}, nil
}

// link returns the link for a purpose's token, or "" for a purpose that
// has no link.
func (l *links) link(purpose, token string) string {
	p, ok := l.paths[purpose]
	if !ok || token == "" {
		return ""
	}
	token = url.QueryEscape(token) // a no-op for our URL-safe tokens
	if strings.Contains(p, "{token}") {
		return l.base + strings.ReplaceAll(p, "{token}", token)
	}
	return l.base + p + "#token=" + token
}
