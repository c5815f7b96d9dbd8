// Attachments: how many, how large, and which types, sniffed from content.

package tickets

import (
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"zerodesk/internal/errs"
	"zerodesk/internal/messaging"
)

func fileErr(msg, name string, extra map[string]any) error {
	e := errs.E(errs.Invalid, msg)
	e.Data = map[string]any{"Name": name}
	for k, v := range extra {
		e.Data[k] = v
	}
	return e
}

// cleanUploads checks the files of a message: how many, how large, and
// their sniffed type. Uploads with neither name nor content are skipped (an
// empty file input).
func (s *Service) cleanUploads(ups []Upload) ([]messaging.File, error) {
	var out []messaging.File
	for _, u := range ups {
		if u.Name == "" && len(u.Data) == 0 {
			continue
		}
		name := path.Base(strings.ReplaceAll(u.Name, "\\", "/"))
		if !utf8.ValidString(name) {
			return nil, errs.E(errs.Invalid, MsgNotText)
		}
		name = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || r == '"' || r == '/' {
				return '_'
			}
			return r
		}, strings.TrimSpace(name))
		if name == "" || name == "." || name == ".." || name == "/" {
			name = "attachment"
		}
		if utf8.RuneCountInString(name) > 120 {
			name = string([]rune(name)[:120])
		}
		if len(out) == s.lim.MaxAttachments {
			e := errs.E(errs.Invalid, MsgTooManyFiles)
			e.Data = map[string]any{"Max": s.lim.MaxAttachments}
			return nil, e
		}
		if len(u.Data) == 0 {
			return nil, fileErr(MsgFileEmpty, name, nil)
		}
		if int64(len(u.Data)) > s.lim.MaxAttachmentBytes {
			return nil, fileErr(MsgFileTooLarge, name, map[string]any{"MaxMB": strconv.FormatFloat(float64(s.lim.MaxAttachmentBytes)/(1<<20), 'f', -1, 64)})
		}
		typ, ok := sniff(u.Data)
		if !ok {
			return nil, fileErr(MsgFileType, name, nil)
		}
		out = append(out, messaging.File{Name: name, Type: typ, Data: u.Data})
	}
	return out, nil
}

// sniff returns the allowed type of data, from its content alone.
func sniff(data []byte) (string, bool) {
	t := http.DetectContentType(data)
	base, _, _ := strings.Cut(t, ";")
	for _, a := range AllowedTypes {
		if base == a {
			if a == "text/plain" {
				if !utf8.Valid(data) {
					return "", false
				}
				return "text/plain; charset=utf-8", true
			}
			return a, true
		}
	}
	return "", false
}
