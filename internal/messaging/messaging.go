// Package messaging is the in-process secure messaging core: threads with
// participants, messages and attachments sealed at rest, release times,
// expiry that destroys a message's key, and read receipts. It knows nothing of
// HTTP or of tickets.
//
// Keys:
//
//   - every thread has a random key (XChaCha20-Poly1305), wrapped by the desk
//     key (a subkey of the server secret) and, per participant, by whatever the
//     caller's Keyring wraps with (an account's data key, a key derived from a
//     guest's access key);
//   - every message has its own random key wrapped by the thread key; its body
//     and its attachments (name, type, content) are sealed under it;
//   - the thread's metadata (a ticket's subject) is sealed under the thread key.
//
// Every seal carries associated data naming its purpose, thread and message,
// so a ciphertext moved to another row does not open. When a message expires
// its wrapped key and its ciphertexts are deleted (Sweep, and a check at every
// read), so it cannot be opened again, even with the key file.
package messaging

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/store"
)

// ErrNoAccess is returned when a thread is missing or its key does not unwrap
// for the one asking: the two are not told apart.
var ErrNoAccess = errors.New("messaging: no such thread or no access")

// ErrNotFound is returned for a missing, expired or unreleased attachment.
var ErrNotFound = errors.New("messaging: not found")

// Core is the messaging core on one database.
type Core struct {
	db   *store.DB
	desk []byte
	now  func() time.Time
	st   *store.Prepared
}

// New returns the core. now nil means time.Now.
func New(ctx context.Context, db *store.DB, secret crypt.Secret, now func() time.Time) (*Core, error) {
	if now == nil {
		now = time.Now
	}
	st, err := store.Prepare(ctx, db.Write, sqlNextThread, sqlNextMessage, sqlNextFile, sqlInsertThread, sqlParticipant,
		sqlInsertMessage, sqlInsertFile)
	if err != nil {
		return nil, err
	}
	return &Core{db: db, desk: secret.Subkey("messaging.desk"), now: now, st: st}, nil
}

// Keyring wraps and unwraps a thread key for one participant. The associated
// data passed in names the thread and the participant.
type Keyring struct {
	Wrap   func(key, ad []byte) ([]byte, error)
	Unwrap func(wrapped, ad []byte) ([]byte, error)
}

// KeyringOf wraps with a plain key-encryption key.
func KeyringOf(kek []byte) Keyring {
	return Keyring{
		Wrap:   func(key, ad []byte) ([]byte, error) { return crypt.WrapKey(kek, key, ad) },
		Unwrap: func(w, ad []byte) ([]byte, error) { return crypt.UnwrapKey(kek, w, ad) },
	}
}

// Thread is an unlocked thread: its id, its key (never leaves the package)
// and its opened metadata.
type Thread struct {
	ID   int64
	Meta []byte
	key  []byte
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func adThread(tid int64, who string) []byte {
	return []byte("messaging.thread|" + itoa(tid) + "|" + who)
}
func adMeta(tid int64) []byte { return []byte("messaging.meta|" + itoa(tid)) }
func adMsgKey(tid, mid int64) []byte {
	return []byte("messaging.message-key|" + itoa(tid) + "|" + itoa(mid))
}
func adBody(tid, mid int64) []byte { return []byte("messaging.body|" + itoa(tid) + "|" + itoa(mid)) }
func adFile(what string, tid, mid, fid int64) []byte {
	return []byte("messaging." + what + "|" + itoa(tid) + "|" + itoa(mid) + "|" + itoa(fid))
}

// Seal seals caller data bound to this thread and a purpose under the thread
// key (a ticket's rating comment).
func (t *Thread) Seal(purpose string, plain []byte) ([]byte, error) {
	return crypt.Seal(t.key, plain, []byte("messaging.extra|"+itoa(t.ID)+"|"+purpose))
}

// Open opens what Seal sealed.
func (t *Thread) Open(purpose string, sealed []byte) ([]byte, error) {
	return crypt.Open(t.key, sealed, []byte("messaging.extra|"+itoa(t.ID)+"|"+purpose))
}

// nextID is the id the next row of a table gets: the one writer inside its
// transaction, so nothing else takes it first. Knowing it before the insert
// lets the row's seals carry it as associated data.
func (c *Core) nextID(ctx context.Context, tx *sql.Tx, query string) (int64, error) {
	var id int64
	err := c.st.QueryRow(ctx, tx, query).Scan(&id)
	return id, err
}

// CreateThread creates a thread with meta sealed, its key wrapped by the desk
// key and for each participant by its keyring.
func (c *Core) CreateThread(ctx context.Context, tx *sql.Tx, meta []byte, participants map[string]Keyring) (*Thread, error) {
	id, err := c.nextID(ctx, tx, sqlNextThread)
	if err != nil {
		return nil, err
	}
	th := &Thread{ID: id, Meta: meta, key: crypt.NewKey()}
	desk, err := crypt.WrapKey(c.desk, th.key, adThread(id, "desk"))
	if err != nil {
		return nil, err
	}
	sealed, err := crypt.Seal(th.key, meta, adMeta(id))
	if err != nil {
		return nil, err
	}
	if _, err := c.st.Exec(ctx, tx, sqlInsertThread,
		id, desk, sealed, c.now().Unix()); err != nil {
		return nil, err
	}
	for p, k := range participants {
		if err := c.AddParticipant(ctx, tx, th, p, k); err != nil {
			return nil, err
		}
	}
	return th, nil
}

// AddParticipant wraps the thread key for participant (replacing an earlier
// wrap of theirs).
func (c *Core) AddParticipant(ctx context.Context, tx *sql.Tx, th *Thread, participant string, k Keyring) error {
	if participant == "" || participant == "desk" {
		return fmt.Errorf("messaging: participant name %q is reserved", participant)
	}
	w, err := k.Wrap(th.key, adThread(th.ID, participant))
	if err != nil {
		return err
	}
	_, err = c.st.Exec(ctx, tx, sqlParticipant, th.ID, participant, w)
	return err
}

// OpenAsDesk unlocks a thread with the desk key.
func (c *Core) OpenAsDesk(ctx context.Context, q store.Querier, id int64) (*Thread, error) {
	var wrapped, meta []byte
	err := q.QueryRowContext(ctx, sqlDeskThread, id).Scan(&wrapped, &meta)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoAccess
	}
	if err != nil {
		return nil, err
	}
	key, err := crypt.UnwrapKey(c.desk, wrapped, adThread(id, "desk"))
	if err != nil {
		return nil, ErrNoAccess
	}
	return openMeta(id, key, meta)
}

// DeskThread unlocks a thread from its columns desk_wrapped and meta_sealed,
// read by the caller in a query of its own (a list of many threads).
func (c *Core) DeskThread(id int64, deskWrapped, metaSealed []byte) (*Thread, error) {
	key, err := crypt.UnwrapKey(c.desk, deskWrapped, adThread(id, "desk"))
	if err != nil {
		return nil, ErrNoAccess
	}
	return openMeta(id, key, metaSealed)
}

// ParticipantThread unlocks a thread from the participant's wrapped key and
// the sealed metadata, read by the caller in a query of its own.
func (c *Core) ParticipantThread(id int64, participant string, k Keyring, wrapped, metaSealed []byte) (*Thread, error) {
	key, err := k.Unwrap(wrapped, adThread(id, participant))
	if err != nil {
		return nil, ErrNoAccess
	}
	return openMeta(id, key, metaSealed)
}

// OpenAs unlocks a thread as participant with their keyring.
func (c *Core) OpenAs(ctx context.Context, q store.Querier, id int64, participant string, k Keyring) (*Thread, error) {
	var wrapped, meta []byte
	err := q.QueryRowContext(ctx, sqlParticipantThread, id, participant).Scan(&wrapped, &meta)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoAccess
	}
	if err != nil {
		return nil, err
	}
	key, err := k.Unwrap(wrapped, adThread(id, participant))
	if err != nil {
		return nil, ErrNoAccess
	}
	return openMeta(id, key, meta)
}

func openMeta(id int64, key, sealed []byte) (*Thread, error) {
	meta, err := crypt.Open(key, sealed, adMeta(id))
	if err != nil {
		return nil, ErrNoAccess
	}
	return &Thread{ID: id, Meta: meta, key: key}, nil
}

// SetMeta replaces the thread's metadata.
func (c *Core) SetMeta(ctx context.Context, tx *sql.Tx, th *Thread, meta []byte) error {
	sealed, err := crypt.Seal(th.key, meta, adMeta(th.ID))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlSetMeta, th.ID, sealed); err != nil {
		return err
	}
	th.Meta = meta
	return nil
}

// File is an attachment to post.
type File struct {
	Name, Type string
	Data       []byte
}

// Post is a message to add. Kind is the caller's label ("reply", "note");
// a zero ReleaseAt means now, a zero ExpiresAt never.
type Post struct {
	Author, Kind         string
	Body                 []byte
	Files                []File
	ReleaseAt, ExpiresAt time.Time
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOrZero(u int64) time.Time {
	if u == 0 {
		return time.Time{}
	}
	return time.Unix(u, 0).UTC()
}

type fileMeta struct {
	Name string `json:"n"`
	Type string `json:"t"`
}

// Post adds a message to th and returns its id.
func (c *Core) Post(ctx context.Context, tx *sql.Tx, th *Thread, p Post) (int64, error) {
	mid, err := c.nextID(ctx, tx, sqlNextMessage)
	if err != nil {
		return 0, err
	}
	mkey := crypt.NewKey()
	wrapped, err := crypt.WrapKey(th.key, mkey, adMsgKey(th.ID, mid))
	if err != nil {
		return 0, err
	}
	body, err := crypt.Seal(mkey, p.Body, adBody(th.ID, mid))
	if err != nil {
		return 0, err
	}
	if _, err := c.st.Exec(ctx, tx, sqlInsertMessage, mid, th.ID, p.Author, p.Kind, wrapped, body, c.now().Unix(),
		unixOrZero(p.ReleaseAt), unixOrZero(p.ExpiresAt)); err != nil {
		return 0, err
	}
	for _, f := range p.Files {
		fid, err := c.nextID(ctx, tx, sqlNextFile)
		if err != nil {
			return 0, err
		}
		metaJSON, _ := json.Marshal(fileMeta{f.Name, f.Type})
		meta, err := crypt.Seal(mkey, metaJSON, adFile("file-meta", th.ID, mid, fid))
		if err != nil {
			return 0, err
		}
		data, err := crypt.Seal(mkey, f.Data, adFile("file", th.ID, mid, fid))
		if err != nil {
			return 0, err
		}
		if _, err := c.st.Exec(ctx, tx, sqlInsertFile,
			fid, mid, len(f.Data), meta, data); err != nil {
			return 0, err
		}
	}
	return mid, nil
}

// Message is an opened message. Body and Files are empty when Expired.
type Message struct {
	ID                              int64
	Author, Kind                    string
	Body                            []byte
	CreatedAt, ReleaseAt, ExpiresAt time.Time
	Released, Expired               bool
	Files                           []FileInfo
	ReadBy                          map[string]time.Time // participant → when they read it
}

// FileInfo describes an attachment. MessageKind is its message's Kind (set
// by File only).
type FileInfo struct {
	ID          int64
	Name, Type  string
	Size        int64
	MessageKind string
}

type msgRow struct {
	m                Message
	wrapped, sealed  []byte
	release, expires int64
}

// Messages returns th's messages, oldest first. Messages whose release time
// has not come are left out unless unreleased is true. A message past its
// expiry is returned as Expired, without body or files, whether or not the
// sweep has destroyed it yet.
func (c *Core) Messages(ctx context.Context, q store.Querier, th *Thread, unreleased bool) ([]Message, error) {
	now := c.now().Unix()
	rows, err := q.QueryContext(ctx, sqlMessages, th.ID)
	if err != nil {
		return nil, err
	}
	var list []msgRow
	for rows.Next() {
		var r msgRow
		var created int64
		if err := rows.Scan(&r.m.ID, &r.m.Author, &r.m.Kind, &r.wrapped, &r.sealed, &created, &r.release, &r.expires); err != nil {
			rows.Close()
			return nil, err
		}
		r.m.CreatedAt, r.m.ReleaseAt, r.m.ExpiresAt = timeOrZero(created), timeOrZero(r.release), timeOrZero(r.expires)
		r.m.Released = r.release == 0 || r.release <= now
		r.m.Expired = r.wrapped == nil || (r.expires != 0 && r.expires <= now)
		if !r.m.Released && !unreleased {
			continue
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Message, 0, len(list))
	byID := map[int64]int{}
	for _, r := range list {
		m := r.m
		m.ReadBy = map[string]time.Time{}
		if !m.Expired {
			mkey, err := crypt.UnwrapKey(th.key, r.wrapped, adMsgKey(th.ID, m.ID))
			if err != nil {
				return nil, fmt.Errorf("messaging: message %d: %w", m.ID, err)
			}
			if m.Body, err = crypt.Open(mkey, r.sealed, adBody(th.ID, m.ID)); err != nil {
				return nil, fmt.Errorf("messaging: message %d: %w", m.ID, err)
			}
			if m.Files, err = c.files(ctx, q, th.ID, m.ID, mkey); err != nil {
				return nil, err
			}
		}
		byID[m.ID] = len(out)
		out = append(out, m)
	}
	if len(out) == 0 {
		return out, nil
	}
	rrows, err := q.QueryContext(ctx, sqlReceipts, th.ID)
	if err != nil {
		return nil, err
	}
	defer rrows.Close()
	for rrows.Next() {
		var mid, at int64
		var who string
		if err := rrows.Scan(&mid, &who, &at); err != nil {
			return nil, err
		}
		if i, ok := byID[mid]; ok {
			out[i].ReadBy[who] = timeOrZero(at)
		}
	}
	return out, rrows.Err()
}

func (c *Core) files(ctx context.Context, q store.Querier, tid, mid int64, mkey []byte) ([]FileInfo, error) {
	rows, err := q.QueryContext(ctx, sqlFiles, mid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FileInfo
	for rows.Next() {
		var f FileInfo
		var sealed []byte
		if err := rows.Scan(&f.ID, &f.Size, &sealed); err != nil {
			return nil, err
		}
		raw, err := crypt.Open(mkey, sealed, adFile("file-meta", tid, mid, f.ID))
		if err != nil {
			return nil, fmt.Errorf("messaging: attachment %d: %w", f.ID, err)
		}
		var fm fileMeta
		if err := json.Unmarshal(raw, &fm); err != nil {
			return nil, err
		}
		f.Name, f.Type = fm.Name, fm.Type
		out = append(out, f)
	}
	return out, rows.Err()
}

// File returns one attachment of th with its content. Attachments follow
// their message: unreleased (unless unreleased is true) or expired, they are
// ErrNotFound.
func (c *Core) File(ctx context.Context, q store.Querier, th *Thread, fileID int64, unreleased bool) (*FileInfo, []byte, error) {
	var mid, size, release, expires int64
	var kind string
	var wrapped, meta, data []byte
	err := q.QueryRowContext(ctx, sqlFile,
		fileID, th.ID).Scan(&mid, &kind, &size, &release, &expires, &wrapped, &meta, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	now := c.now().Unix()
	if wrapped == nil || data == nil || (expires != 0 && expires <= now) || (!unreleased && release != 0 && release > now) {
		return nil, nil, ErrNotFound
	}
	mkey, err := crypt.UnwrapKey(th.key, wrapped, adMsgKey(th.ID, mid))
	if err != nil {
		return nil, nil, err
	}
	raw, err := crypt.Open(mkey, meta, adFile("file-meta", th.ID, mid, fileID))
	if err != nil {
		return nil, nil, err
	}
	var fm fileMeta
	if err := json.Unmarshal(raw, &fm); err != nil {
		return nil, nil, err
	}
	content, err := crypt.Open(mkey, data, adFile("file", th.ID, mid, fileID))
	if err != nil {
		return nil, nil, err
	}
	return &FileInfo{ID: fileID, Name: fm.Name, Type: fm.Type, Size: size, MessageKind: kind}, content, nil
}

// MarkRead records that participant read the given messages of th (now),
// keeping the first time of each. It returns how many receipts are new.
func (c *Core) MarkRead(ctx context.Context, tx *sql.Tx, th *Thread, participant string, ids []int64) (int, error) {
	now := c.now().Unix()
	n := 0
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, sqlMarkRead, id, participant, now, th.ID)
		if err != nil {
			return n, err
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}

// Sweep destroys every message whose expiry has passed: its wrapped key, its
// body and its attachments' names and contents are deleted (with SQLite's
// store.SecureDelete, so the freed bytes are zeroed), then the WAL is
// checkpointed so old page images do not linger there. It returns how many
// messages it destroyed.
func (c *Core) Sweep(ctx context.Context) (int, error) {
	now := c.now().Unix()
	var n int64
	err := c.db.Tx(ctx, func(tx *sql.Tx) error {
		return c.db.SecureDelete(ctx, tx, func() error {
			if _, err := tx.ExecContext(ctx, sqlExpireFiles, now); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, sqlExpireMessages, now)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
	})
	if err != nil || n == 0 {
		return int(n), err
	}
	// Best effort: a checkpoint cannot pass readers still on older frames;
	// the next sweep tries again.
	_ = c.db.Checkpoint(ctx)
	return int(n), nil
}

// DeleteThread deletes thread id with every participant's wrapped key, every
// message, receipt and attachment, in the caller's transaction (a deleted
// account's ticket). Run it inside store.SecureDelete and checkpoint
// afterwards (as Sweep does) so the bytes are gone from the files too.
func (c *Core) DeleteThread(ctx context.Context, tx *sql.Tx, id int64) error {
	for _, q := range []string{sqlDeleteFiles, sqlDeleteReceipts, sqlDeleteMessages, sqlDeleteParticipants, sqlDeleteThread} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}
