package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/usergraph/usergraph/mail"
)

func TestLogSenderWritesTheWholeMessage(t *testing.T) {
	var buf bytes.Buffer
	s := mail.NewLogSender(slog.New(slog.NewTextHandler(&buf, nil)))
	err := s.Send(context.Background(), &mail.Message{MessageID: "m@usergraph",
		To: "ada@example.com", Subject: "Reset your password",
		Text: "open " + appURL + "/reset-password#token=T0k", HTML: "<p>x</p>"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"m@usergraph", "ada@example.com",
		"Reset your password", "#token=T0k", "<p>x</p>"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q: %s", want, buf.String())
		}
	}
}
