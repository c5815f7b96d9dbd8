package mail

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// FileSink writes each message as an RFC 5322 .eml file (mode 0600) into a
// directory: the sender used in development, in tests and when no SMTP server
// is configured. Any mail client opens the files.
type FileSink struct{ Dir string }

// Send writes e to DIR/<unix nanoseconds>-<id>.eml, atomically (a temporary
// file renamed into place), so a reader never sees half a message.
func (s FileSink) Send(_ context.Context, e Envelope) error {
	raw, err := Render(e)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.Dir, ".tmp-*.eml") // created 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	name := fmt.Sprintf("%d-%s.eml", e.Date.UnixNano(), e.ID)
	return os.Rename(tmp.Name(), filepath.Join(s.Dir, name))
}
