package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// probe asks URL once and succeeds on a 2xx answer: the container image's
// HEALTHCHECK (zerodesk probe http://127.0.0.1:8080/readyz), since an image
// from scratch has no curl. It prints the answer's first line.
func probe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: zerodesk probe [--timeout 3s] http://HOST:PORT/readyz")
	}
	u, err := url.Parse(fs.Arg(0))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("probe: %q is not an http(s) address", fs.Arg(0))
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	defer res.Body.Close()
	first, _ := bufio.NewReader(io.LimitReader(res.Body, 512)).ReadString('\n')
	first = strings.TrimSpace(first)
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("probe: %s answered %d %s", u.Redacted(), res.StatusCode, first)
	}
	fmt.Fprintln(stdout, first)
	return nil
}
