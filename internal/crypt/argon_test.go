package crypt

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tiny keeps tests fast; production uses DefaultArgon2.
var tiny = Argon2Params{Version: DefaultArgon2.Version, MemoryKiB: 64, Time: 1, Threads: 1}

func TestHasher_DeterministicPerSaltAndParams(t *testing.T) {
	h := NewHasher(tiny, 2)
	p := h.NewParams()
	a, err := h.Hash(context.Background(), []byte("correct horse"), p)
	if err != nil || len(a) != HashSize {
		t.Fatalf("Hash = %x, %v", a, err)
	}
	b, _ := h.Hash(context.Background(), []byte("correct horse"), p)
	if !bytes.Equal(a, b) {
		t.Fatal("same password, salt and params gave different hashes")
	}
	c, _ := h.Hash(context.Background(), []byte("correct horse"), h.NewParams())
	if bytes.Equal(a, c) {
		t.Fatal("a new salt gave the same hash")
	}
	q := p
	q.Time = 2
	d, _ := h.Hash(context.Background(), []byte("correct horse"), q)
	if bytes.Equal(a, d) {
		t.Fatal("other params gave the same hash")
	}
}

func TestArgon2Params_TextRoundTrip(t *testing.T) {
	p := NewHasher(DefaultArgon2, 1).NewParams()
	text, _ := p.MarshalText()
	var q Argon2Params
	if err := q.UnmarshalText(text); err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	if !q.SameCost(p) || !bytes.Equal(q.Salt, p.Salt) {
		t.Fatalf("round trip: %+v != %+v", q, p)
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AAAAAAAAAAA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAAAAAAAAA", "$argon2id$v=19$m=64,t=1,p=1$!!"} {
		if err := q.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDefaultArgon2_MeetsTheASVSFloor(t *testing.T) {
	if DefaultArgon2.MemoryKiB < 19*1024 || DefaultArgon2.Time < 2 {
		t.Fatalf("DefaultArgon2 = %+v is below 19 MiB, t=2", DefaultArgon2)
	}
}

// TestHasher_NeverMoreThanMaxInFlight starts 200 hashes at once and counts,
// inside the hash function itself, how many run together.
func TestHasher_NeverMoreThanMaxInFlight(t *testing.T) {
	const maxConcurrent = 4
	h := NewHasher(tiny, maxConcurrent)
	var running, peak atomic.Int64
	real := h.idKey
	h.idKey = func(pw, salt []byte, tm, m uint32, th uint8, n uint32) []byte {
		now := running.Add(1)
		for old := peak.Load(); now > old && !peak.CompareAndSwap(old, now); old = peak.Load() {
		}
		time.Sleep(time.Millisecond) // make the hashes overlap
		defer running.Add(-1)
		return real(pw, salt, tm, m, th, n)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 200 {
		wg.Go(func() {
			<-start
			if _, err := h.Hash(context.Background(), []byte("pw"), h.NewParams()); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	if p := peak.Load(); p > maxConcurrent || p < 2 {
		t.Fatalf("peak in flight = %d, want 2..%d", p, maxConcurrent)
	}
	if s := h.Stats(); s.Peak > maxConcurrent || s.InFlight != 0 || s.Max != maxConcurrent || s.Total != 200 {
		t.Fatalf("Stats = %+v", s)
	}
}

func TestHasher_GivesUpWhenTheContextEnds(t *testing.T) {
	h := NewHasher(tiny, 1)
	release := make(chan struct{})
	h.idKey = func(pw, salt []byte, tm, m uint32, th uint8, n uint32) []byte {
		<-release
		return make([]byte, n)
	}
	go h.Hash(context.Background(), []byte("pw"), h.NewParams()) // holds the only slot
	for h.Stats().InFlight == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, []byte("pw"), h.NewParams()); err == nil {
		t.Fatal("Hash ran although no slot was free")
	}
	close(release)
}
