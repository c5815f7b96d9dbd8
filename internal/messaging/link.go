package messaging

// Linked threads: one thread's key wrapped under another thread's key, as a
// participant of the first (a merged ticket's thread under its survivor's).
// Whoever unlocks the second thread, by any of its participants' keys,
// unlocks the first through it; nothing is re-encrypted or copied.

// LinkParticipant is the participant name under which a thread's key is
// wrapped for readers of thread via.
func LinkParticipant(via int64) string { return "thread:" + itoa(via) }

// Keyring wraps and unwraps other thread keys under this thread's key (see
// LinkParticipant). The key itself never leaves the package.
func (t *Thread) Keyring() Keyring { return KeyringOf(t.key) }
