package prefectsecrets

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// parallel runs f(0..n-1) in n goroutines and reports their errors (run with -race).
func parallel(t *testing.T, n int, f func(g int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			errs <- f(g)
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// Readers of a secret one goroutine rewrites (short and long in turn, so the library
// sizes values that change under them), beside goroutines calling setters on secrets
// of their own: no torn value, no failure. The setters keep the 0.5.3 flavour: the
// Prefect 3 flavour has no local secrets, so switching to it would fail the readers.
func TestConcurrentUse(t *testing.T) {
	isolate(t)
	short, long := "short-value", "<"+strings.Repeat("long", 2000)+">"
	mustOK(t, ContextSet("s", short))
	parallel(t, 40, func(g int) error {
		for i := 0; i < 200; i++ {
			switch {
			case g == 0:
				if err := ContextSet("s", []string{long, short}[i%2]); err != nil {
					return err
				}
			case g < 32:
				get := []func(string) (string, bool, error){Get, GetJSON}[(g+i)%2]
				v, found, err := get("s")
				if v = strings.Trim(v, `"`); err != nil || !found || (v != short && v != long) {
					return fmt.Errorf("reader %d: %q, %v, %v", g, clip(v, 40), found, err)
				}
			default:
				name := fmt.Sprintf("k%d", g)
				for _, err := range []error{ContextSet(name, fmt.Sprint(i)), SetUseLocalSecrets(true),
					SetReuseWindow(0), SetCacheTTL(time.Duration(i%3) * time.Second),
					SetServerFlavor(ServerPrefect05), CacheClear()} {
					if err != nil {
						return err
					}
				}
				if v, found, err := GetJSON(name); err != nil || !found || v != fmt.Sprint(i) {
					return fmt.Errorf("%s: %q, %v, %v; want %d", name, v, found, err, i)
				}
				if _, err := ContextRemove(name); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// secret_last_error() is per OS thread and goroutines move between threads: every
// error must carry the message of its own failing call, even with many goroutines
// failing differently at once.
func TestConcurrentErrorMessages(t *testing.T) {
	home := isolate(t)
	mustOK(t, ContextSet("ok", "fine"))
	parallel(t, 48, func(w int) error {
		path := filepath.Join(home, fmt.Sprintf("bad-%02d.toml", w))
		if err := writeFile(path, "[unclosed\n"); err != nil {
			return err
		}
		for i := 0; i < 200; i++ {
			var err, sentinel error
			var want string
			switch (w + i) % 3 {
			case 0:
				err, want, sentinel = LoadConfigFile(path), filepath.Base(path), ErrConfig
			case 1:
				err, want, sentinel = ContextSet("x", "\xff"), "value", ErrInvalidArgument
			case 2:
				_, _, err = Get("\xfe")
				want, sentinel = "name", ErrInvalidArgument
			}
			var e *Error
			if !errors.Is(err, sentinel) || !errors.As(err, &e) || !strings.Contains(e.Message, want) {
				return fmt.Errorf("worker %d round %d: got %v, want %v mentioning %q", w, i, err, sentinel, want)
			}
			// A success in between must not leave its thread's message for the next error.
			if v, found, err := Get("ok"); err != nil || !found || v != "fine" {
				return fmt.Errorf("worker %d: Get(ok) = %q, %v, %v", w, v, found, err)
			}
		}
		return nil
	})
}
