package accounts

import (
	"context"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestStep1Timing measures step 1 of the login for known and unknown
// usercodes, interleaved (so drift of the shared machine hits both alike),
// and reports the medians, their difference and a Mann-Whitney U test. It
// runs only with ZD_TIMING=N (N samples of each; 600 is the audit's figure):
//
//	ZD_TIMING=2000 go test ./internal/accounts -run TestStep1Timing -count=1 -v
//
// With ZD_TIMING_MAX_US set it fails when the medians differ by more. It
// measures the work alone (no floor) and then with the default floor.
func TestStep1Timing(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ZD_TIMING"))
	if n <= 0 {
		t.Skip("set ZD_TIMING=N to measure step 1 over N samples per kind")
	}
	t.Run("work", func(t *testing.T) {
		measureStep1(t, n, newEnv(t, func(o *Options) { o.Limits.Step1Floor = -1 }))
	})
	t.Run("floor", func(t *testing.T) { measureStep1(t, n, newEnv(t)) })
}

func measureStep1(t *testing.T, n int, e *env) {
	ctx := context.Background()
	const users = 20
	var known, unknown []Usercode
	for i := range users {
		u, _ := e.active("Timing User", "timing"+strconv.Itoa(i)+"@example.com")
		known = append(known, u)
		unknown = append(unknown, NewUsercode())
	}
	run := func(u Usercode) time.Duration {
		start := time.Now()
		if _, err := e.acc.Step1(ctx, u.Display()); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	for i := range 200 { // warm up caches and the connection pool
		run(known[i%users])
		run(unknown[i%users])
	}
	k, u := make([]float64, 0, n), make([]float64, 0, n)
	for i := range n {
		if i%2 == 0 {
			k = append(k, float64(run(known[i%users]))/1e3)
			u = append(u, float64(run(unknown[i%users]))/1e3)
		} else {
			u = append(u, float64(run(unknown[i%users]))/1e3)
			k = append(k, float64(run(known[i%users]))/1e3)
		}
	}
	mk, mu := median(k), median(u)
	z, p := mannWhitney(k, u)
	t.Logf("step 1 over %d samples each: known median %.1f µs, unknown median %.1f µs, difference %+.1f µs; Mann-Whitney z = %.2f, p = %.3f",
		n, mk, mu, mk-mu, z, p)
	if limit, err := strconv.ParseFloat(os.Getenv("ZD_TIMING_MAX_US"), 64); err == nil && math.Abs(mk-mu) > limit {
		t.Errorf("medians differ by %.1f µs, more than %.1f µs", mk-mu, limit)
	}
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s[len(s)/2]
}

// mannWhitney returns the normal approximation of the Mann-Whitney U test of
// a against b (ties get mid-ranks) and its two-sided p-value.
func mannWhitney(a, b []float64) (z, p float64) {
	type v struct {
		x float64
		a bool
	}
	all := make([]v, 0, len(a)+len(b))
	for _, x := range a {
		all = append(all, v{x, true})
	}
	for _, x := range b {
		all = append(all, v{x, false})
	}
	slices.SortFunc(all, func(p, q v) int {
		switch {
		case p.x < q.x:
			return -1
		case p.x > q.x:
			return 1
		}
		return 0
	})
	var ra float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].x == all[i].x {
			j++
		}
		rank := float64(i+j+1) / 2
		for k := i; k < j; k++ {
			if all[k].a {
				ra += rank
			}
		}
		i = j
	}
	na, nb := float64(len(a)), float64(len(b))
	u := ra - na*(na+1)/2
	mean, sd := na*nb/2, math.Sqrt(na*nb*(na+nb+1)/12)
	z = (u - mean) / sd
	return z, math.Erfc(math.Abs(z) / math.Sqrt2)
}
