package kb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"zerodesk/internal/errs"
)

// Editors' files (issue 13, item 8): images and PDFs for articles, stored
// plain in the database (they are public help-desk content; docs/SECURITY.md)
// under the SHA-256 of their bytes after metadata stripping, and served from
// the immutable address /files/HASH.EXT.

// Message IDs of the refusals (the locale test finds Msg… constants).
const (
	MsgFileType     = "editor.files.error.type"
	MsgFileTooLarge = "editor.files.error.too_large"
	MsgFileBroken   = "editor.files.error.broken"
	MsgFileMissing  = "editor.files.error.missing"
	MsgFileTooWide  = "editor.files.error.too_wide"
)

const (
	// MaxFileBytes bounds one uploaded file.
	MaxFileBytes = 10 << 20
	// MaxImageSide bounds an image's width and height, so no reader's browser
	// is handed a decompression bomb.
	MaxImageSide = 12000
	maxNameRunes = 120
)

// File is one stored file, without its bytes.
type File struct {
	Hash        string // SHA-256 of the stored bytes, lowercase hex
	Type        FileType
	Size        int64
	Width       int // images only
	Height      int
	Name        string // as uploaded, for the editors' list
	UploadedBy  int64  // 0 once that account is gone
	CreatedAt   time.Time
	MetadataCut int64 // bytes of metadata removed (on upload only)
}

// Path is the file's immutable address.
func (f File) Path() string { return FilePath(f.Hash, f.Type.Ext) }

// FilePath is the address of the file with hash and extension ext.
func FilePath(hash, ext string) string { return "/files/" + hash + "." + ext }

// AddFile checks, strips and stores a file an editor uploaded. The type is
// sniffed from data; the same bytes uploaded twice are stored once.
func (k *KB) AddFile(ctx context.Context, name string, data []byte, by int64) (File, error) {
	if len(data) == 0 {
		return File{}, errs.E(errs.Invalid, MsgFileMissing)
	}
	if len(data) > MaxFileBytes {
		return File{}, &errs.Error{Code: errs.Invalid, MessageID: MsgFileTooLarge, Data: map[string]any{"Size": MaxFileBytes >> 20}}
	}
	t, ok := SniffType(data)
	if !ok {
		return File{}, errs.E(errs.Invalid, MsgFileType)
	}
	clean, err := StripMetadata(t, data)
	if err != nil {
		return File{}, errs.E(errs.Invalid, MsgFileBroken)
	}
	w, h, err := imageSize(t, clean)
	if err != nil {
		return File{}, errs.E(errs.Invalid, MsgFileBroken)
	}
	if w > MaxImageSide || h > MaxImageSide {
		return File{}, &errs.Error{Code: errs.Invalid, MessageID: MsgFileTooWide, Data: map[string]any{"Side": MaxImageSide}}
	}
	sum := sha256.Sum256(clean)
	f := File{
		Hash: hex.EncodeToString(sum[:]), Type: t, Size: int64(len(clean)), Width: w, Height: h,
		Name: cleanFileName(name, t), UploadedBy: by, CreatedAt: k.now().UTC().Truncate(time.Second),
		MetadataCut: int64(len(data) - len(clean)),
	}
	var uploader any
	if by > 0 {
		uploader = by
	}
	err = k.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, sqlInsertFile, f.Hash, t.Ext, t.ContentType, f.Size, w, h, f.Name, uploader,
			f.CreatedAt.Unix(), clean)
		return err
	})
	if err != nil {
		return File{}, errs.Pass(err, "kb: store file")
	}
	return f, nil
}

// cleanFileName keeps the last element of name, valid UTF-8 without control
// characters, at most maxNameRunes; empty: "file.EXT".
func cleanFileName(name string, t FileType) string {
	name = path.Base(strings.ReplaceAll(strings.ToValidUTF8(name, ""), `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if utf8.RuneCountInString(name) > maxNameRunes {
		name = string([]rune(name)[:maxNameRunes])
	}
	if name == "" || name == "." || name == "/" {
		name = "file." + t.Ext
	}
	return name
}

// Files lists the stored files, newest first, at most limit.
func (k *KB) Files(ctx context.Context, limit int) ([]File, error) {
	return k.listFiles(ctx, max(1, min(limit, 1000)), 0)
}

// FilesPage lists limit files from offset, newest first, and how many there
// are in all (the editors' files page, paginated).
func (k *KB) FilesPage(ctx context.Context, offset, limit int) ([]File, int, error) {
	var total int
	if err := k.db.Read.QueryRowContext(ctx, sqlCountFiles).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "kb: count files")
	}
	files, err := k.listFiles(ctx, max(1, min(limit, 1000)), max(0, offset))
	return files, total, err
}

func (k *KB) listFiles(ctx context.Context, limit, offset int) ([]File, error) {
	rows, err := k.db.Read.QueryContext(ctx, sqlListFilesFrom, limit, offset)
	if err != nil {
		return nil, errs.Wrap(err, "kb: list files")
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		var f File
		var ext string
		var by sql.NullInt64
		var at int64
		if err := rows.Scan(&f.Hash, &ext, &f.Size, &f.Width, &f.Height, &f.Name, &by, &at); err != nil {
			return nil, errs.Wrap(err, "kb: list files")
		}
		f.Type, _ = TypeByExt(ext)
		f.UploadedBy = by.Int64
		f.CreatedAt = time.Unix(at, 0).UTC()
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "kb: list files")
	}
	return out, nil
}

// FileData returns the stored file with hash and extension ext, and its bytes.
func (k *KB) FileData(ctx context.Context, hash, ext string) (File, []byte, error) {
	t, ok := TypeByExt(ext)
	if !ok || len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
		return File{}, nil, errs.E(errs.NotFound, "error.not_found")
	}
	var f File
	var at int64
	var data []byte
	err := k.db.Read.QueryRowContext(ctx, sqlFileData, hash, ext).Scan(&f.Size, &at, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, nil, errs.E(errs.NotFound, "error.not_found")
	}
	if err != nil {
		return File{}, nil, errs.Wrap(err, "kb: read file")
	}
	f.Hash, f.Type, f.CreatedAt = hash, t, time.Unix(at, 0).UTC()
	return f, data, nil
}
