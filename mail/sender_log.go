package mail

import (
	"context"
	"log/slog"
)

// LogSender writes every message, in full, to a log instead of sending
// it, so that a developer without an SMTP server sees the links. It is
// the one place where a token reaches a log: never use it in production.
type LogSender struct {
	log *slog.Logger
}

// NewLogSender returns a LogSender that writes to log.
func NewLogSender(log *slog.Logger) *LogSender {
	return &LogSender{log: log}
}

// Send logs m at level Info and never fails.
func (s *LogSender) Send(ctx context.Context, m *Message) error {
	s.log.InfoContext(ctx, "mail not sent: development log sender",
		slog.String("message_id", m.MessageID),
		slog.String("to", m.To),
		slog.String("subject", m.Subject),
		slog.String("text", m.Text),
		slog.String("html", m.HTML))
	return nil
}
