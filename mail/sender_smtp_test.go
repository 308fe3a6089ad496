package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/usergraph/usergraph/internal/mailpit"
	"github.com/usergraph/usergraph/mail"
)

func TestSMTPConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, url, from string }{
		{"bad scheme", "http://mail.example.com", "a@example.com"},
		{"no host", "smtp://", "a@example.com"},
		{"bad port", "smtp://mail.example.com:99999", "a@example.com"},
		{"malformed", "smtp://user:s3cret@[::1", "a@example.com"},
		{"bad from", "smtp://mail.example.com", "not an address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mail.NewSMTPSender(mail.SMTPConfig{URL: tc.url,
				From: tc.from, Timeout: time.Second})
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error reveals the password: %v", err)
			}
		})
	}
}

func TestSMTPSendPlain(t *testing.T) {
	pit := mailpit.Start(t)
	s := newSMTP(t, "smtp://"+pit.SMTPAddr, false, nil)
	m := &mail.Message{MessageID: "plain-1@usergraph", To: "bob@example.com",
		Subject: "Hello Bob", Text: "text body\n", HTML: "<p>html body</p>",
		Date: time.Now()}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := pit.WaitTo(t, "bob@example.com", 1, 5*time.Second)[0]
	if got.MessageID != "plain-1@usergraph" || got.Subject != "Hello Bob" ||
		!strings.Contains(got.Text, "text body") ||
		!strings.Contains(got.HTML, "html body") {
		t.Errorf("received %+v", got)
	}
	if got.From == nil || got.From.Address != "no-reply@example.com" {
		t.Errorf("from %+v", got.From)
	}
}

func TestSMTPRequireSTARTTLS(t *testing.T) {
	pit := mailpit.Start(t)
	s := newSMTP(t, "smtp://"+pit.SMTPAddr, true, nil)
	err := s.Send(context.Background(), &mail.Message{MessageID: "x@usergraph",
		To: "bob@example.com", Subject: "s", Text: "t", Date: time.Now()})
	if err == nil {
		t.Fatal("sent without STARTTLS")
	}
}

func TestSMTPTLSWithLogin(t *testing.T) {
	cert, key, pool := selfSigned(t)
	t.Run("STARTTLS", func(t *testing.T) {
		pit := mailpit.Start(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key,
			"--smtp-require-starttls")
		s := newSMTP(t, "smtp://ada:pa%24s@"+pit.SMTPAddr, true,
			&tls.Config{RootCAs: pool})
		sendOne(t, s, pit, "starttls@example.com")
	})
	t.Run("implicit TLS", func(t *testing.T) {
		pit := mailpit.Start(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key,
			"--smtp-require-tls")
		s := newSMTP(t, "smtps://ada:pa%24s@"+pit.SMTPAddr, false,
			&tls.Config{RootCAs: pool})
		sendOne(t, s, pit, "smtps@example.com")
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		pit := mailpit.Start(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key,
			"--smtp-require-tls")
		s := newSMTP(t, "smtps://"+pit.SMTPAddr, false, nil)
		err := s.Send(context.Background(), &mail.Message{
			MessageID: "x@usergraph", To: "bob@example.com", Subject: "s",
			Text: "t", Date: time.Now()})
		if err == nil {
			t.Fatal("sent to a server whose certificate nobody vouches for")
		}
	})
}

func newSMTP(t *testing.T, url string, requireTLS bool,
	tlsConfig *tls.Config) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTPSender(mail.SMTPConfig{URL: url,
		From: "usergraph <no-reply@example.com>", RequireSTARTTLS: requireTLS,
		Timeout: 5 * time.Second, TLS: tlsConfig})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sendOne(t *testing.T, s mail.Sender, pit *mailpit.Server, to string) {
	t.Helper()
	err := s.Send(context.Background(), &mail.Message{MessageID: "tls@usergraph",
		To: to, Subject: "over TLS", Text: "hi", Date: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	pit.WaitTo(t, to, 1, 5*time.Second)
}

// selfSigned writes a certificate for 127.0.0.1 and its key to files and
// returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
