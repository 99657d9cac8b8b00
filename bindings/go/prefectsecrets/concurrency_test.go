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

// 32 goroutines read a secret while one rewrites it, alternating a short value and a
// long one, so the library sizes values that change under the readers.
func TestConcurrentReadersAndWriter(t *testing.T) {
	isolate(t)
	short := "short-value"
	long := "<" + strings.Repeat("long", 2000) + ">"
	mustOK(t, ContextSet("s", short))

	const readers, reads, writes = 32, 300, 2000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, readers+1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < writes; i++ {
			v := short
			if i%2 == 0 {
				v = long
			}
			if err := ContextSet("s", v); err != nil {
				errs <- err
				return
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	var readersWG sync.WaitGroup
	for r := 0; r < readers; r++ {
		readersWG.Add(1)
		go func(r int) {
			defer readersWG.Done()
			for i := 0; i < reads; i++ {
				get := Get
				if (r+i)%3 == 0 {
					get = GetJSON
				}
				v, found, err := get("s")
				if err != nil || !found {
					errs <- fmt.Errorf("reader %d: %q, %v, %v", r, clip(v, 40), found, err)
					return
				}
				v = strings.Trim(v, `"`) // GetJSON quotes it
				if v != short && v != long {
					errs <- fmt.Errorf("reader %d read a torn value %q", r, clip(v, 40))
					return
				}
			}
		}(r)
	}
	readersWG.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// secret_last_error() is per OS thread and goroutines move between threads: every
// error must carry the message of its own failing call, even with many goroutines
// failing differently at once.
func TestConcurrentErrorMessages(t *testing.T) {
	home := isolate(t)
	mustOK(t, ContextSet("ok", "fine"))
	const workers, rounds = 48, 200
	paths := make([]string, workers)
	for i := range paths {
		paths[i] = filepath.Join(home, fmt.Sprintf("bad-%02d.toml", i))
		mustOK(t, writeFile(paths[i], "[unclosed\n"))
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				var err error
				var want string
				var sentinel error
				switch (w + i) % 3 {
				case 0:
					err, want, sentinel = LoadConfigFile(paths[w]), filepath.Base(paths[w]), ErrConfig
				case 1:
					err, want, sentinel = ContextSet("x", "\xff"), "value", ErrInvalidArgument
				case 2:
					_, _, err = Get("\xfe")
					want, sentinel = "name", ErrInvalidArgument
				}
				var e *Error
				if !errors.Is(err, sentinel) || !errors.As(err, &e) || !strings.Contains(e.Message, want) {
					errs <- fmt.Errorf("worker %d round %d: got %v, want %v mentioning %q", w, i, err, sentinel, want)
					return
				}
				// A success in between leaves the thread's message in place; it must not
				// leak into the next error.
				if v, found, err := Get("ok"); err != nil || !found || v != "fine" {
					errs <- fmt.Errorf("worker %d: Get(ok) = %q, %v, %v", w, v, found, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Setters from many goroutines at once, with readers: nothing fails or races.
func TestConcurrentSetters(t *testing.T) {
	isolate(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			name := fmt.Sprintf("k%d", g)
			for i := 0; i < 200; i++ {
				for _, err := range []error{
					ContextSet(name, fmt.Sprint(i)),
					SetUseLocalSecrets(true),
					SetReuseWindow(0),
					SetCacheTTL(time.Duration(i%3) * time.Second),
					SetServerFlavor(ServerFlavor(i % 2)),
					CacheClear(),
				} {
					if err != nil {
						errs <- err
						return
					}
				}
				v, found, err := GetJSON(name)
				if err != nil || !found || v != fmt.Sprint(i) {
					errs <- fmt.Errorf("%s: %q, %v, %v; want %d", name, v, found, err, i)
					return
				}
				if _, err := ContextRemove(name); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
