package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig says how to reach the SMTP server that relays usergraph's
// mail.
type SMTPConfig struct {
	// URL names the server and how to talk to it:
	//
	//	smtp://user:password@host:port   STARTTLS when the server offers it
	//	smtps://user:password@host:port  TLS from the first byte
	//
	// The user and password are optional and must be URL-encoded; the
	// port defaults to 587 (smtp) or 465 (smtps). Credentials are only
	// ever sent over TLS or with a mechanism that does not reveal them.
	URL string
	// From is the sender's address, e.g. "Example <no-reply@example.com>".
	From string
	// RequireSTARTTLS refuses, for smtp://, a server that does not offer
	// STARTTLS, instead of sending in clear text.
	RequireSTARTTLS bool
	// Timeout bounds a whole delivery: connecting, greeting, TLS,
	// authentication and sending. It must be positive; keep it at most
	// the worker's SendTimeout, so that no delivery outlives its claim.
	Timeout time.Duration
	// TLS, if not nil, is the TLS configuration, e.g. to trust a private
	// CA; by default the system's roots verify the server's name.
	TLS *tls.Config
}

// SMTPSender delivers messages to an SMTP server, one connection (and
// one go-mail client) per message. It is safe for concurrent use.
type SMTPSender struct {
	host string
	opts []gomail.Option
	from *netmail.Address
}

// NewSMTPSender checks cfg and returns a sender for it. It does not
// connect. Its errors never quote the URL, which may hold a password.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	if cfg.Timeout <= 0 {
		return nil, errors.New("smtp timeout must be positive")
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, errors.New("mail from is not an email address")
	}
	opts, host, err := smtpOptions(cfg)
	if err != nil {
		return nil, err
	}
	// Made once here so that a bad option fails at start-up.
	if _, err := gomail.NewClient(host, opts...); err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return &SMTPSender{host: host, opts: opts, from: from}, nil
}

// smtpOptions turns cfg into go-mail options and the server's host name.
func smtpOptions(cfg SMTPConfig) ([]gomail.Option, string, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		// url.Parse quotes the URL in its error, password included.
		return nil, "", errors.New("smtp url is malformed")
	}
	host := u.Hostname()
	if host == "" {
		return nil, "", errors.New("smtp url names no host")
	}
	tlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if cfg.TLS != nil {
		tlsConfig = cfg.TLS.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = host
		}
	}
	opts := []gomail.Option{gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSConfig(tlsConfig)}
	var port int
	switch u.Scheme {
	case "smtp":
		port = 587
		policy := gomail.TLSOpportunistic
		if cfg.RequireSTARTTLS {
			policy = gomail.TLSMandatory
		}
		opts = append(opts, gomail.WithTLSPolicy(policy))
	case "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, "", errors.New("smtp url must start smtp:// or smtps://")
	}
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return nil, "", errors.New("smtp url has an invalid port")
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		password, _ := u.User.Password()
		// Autodiscovery picks the strongest mechanism the server offers,
		// and none that sends the password in clear outside TLS.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()),
			gomail.WithPassword(password))
	}
	return opts, host, nil
}

// Send delivers m with a text and an HTML part.
func (s *SMTPSender) Send(ctx context.Context, m *Message) error {
	msg := gomail.NewMsg()
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.Date)
	// Ask vacation responders and the like not to answer (RFC 3834).
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	client, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	return nil
}
