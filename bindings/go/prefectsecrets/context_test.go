package prefectsecrets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// hungServer answers nothing until the test ends (or 10s pass), then "late"; it counts
// the requests that reached it.
func hungServer(t *testing.T) (url string, requests *int32) {
	ch, n := make(chan struct{}), new(int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(n, 1)
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
		}
		_, _ = w.Write([]byte(`{"data": {"secretValue": "late"}}`))
	}))
	t.Cleanup(func() { close(ch); srv.Close() }) // the background calls end, their values dropped
	return srv.URL, n
}

func TestGetContextCancelled(t *testing.T) {
	isolate(t)
	url, requests := hungServer(t)
	cloud(t, url, "tok")
	mustOK(t, SetTimeouts(time.Second, 20*time.Second))
	// Already done: no call at all.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := GetContext(ctx, "db"); !errors.Is(err, context.Canceled) || atomic.LoadInt32(requests) != 0 {
		t.Fatalf("err = %v, %d requests; want context.Canceled and none", err, atomic.LoadInt32(requests))
	}
	// Cancelled while the library waits for the server.
	for _, get := range []func(context.Context, string) (string, bool, error){GetContext, GetJSONContext} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		v, found, err := get(ctx, "db")
		if !errors.Is(err, context.Canceled) || v != "" || found {
			t.Fatalf("got %q, %v, %v; want \"\", false, context.Canceled", v, found, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("cancelled after 200ms, returned after %v", d)
		}
	}
	if n := atomic.LoadInt32(requests); n == 0 {
		t.Errorf("the library never asked the server (%d requests)", n)
	}
}

func TestGetContextAnswers(t *testing.T) {
	isolate(t)
	mustOK(t, ContextSet("db", `{"user": "svc"}`))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, get := range []func(context.Context, string) (string, bool, error){GetContext, GetJSONContext} {
		for _, ctx := range []context.Context{ctx, context.Background()} {
			if v, found, err := get(ctx, "db"); err != nil || !found || v != `{"user":"svc"}` {
				t.Fatalf("got %q, %v, %v", v, found, err)
			}
			if _, found, err := get(ctx, "missing"); err != nil || found {
				t.Fatalf("missing: found %v, err %v", found, err)
			}
		}
	}
	mustOK(t, SetFlowBuilding(true))
	_, _, err := GetContext(ctx, "db")
	wantErr(t, err, ErrFlowBuilding)
}

// Many gets cancelled at random moments while the server answers: every result is
// delivered or dropped exactly once (run with -race; the C side frees each value once).
func TestGetContextRacingCancels(t *testing.T) {
	isolate(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(time.Now().UnixNano()%3) * time.Millisecond)
		_, _ = w.Write([]byte(`{"data": {"secretValue": "v"}}`))
	}))
	defer srv.Close()
	cloud(t, srv.URL, "tok")
	mustOK(t, SetReuseWindow(0))
	parallel(t, 8, func(int) error {
		for i := 0; i < 20; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%4)*time.Millisecond)
			v, found, err := GetContext(ctx, "db")
			cancel()
			if (err == nil && (!found || v != "v")) || (err != nil && !errors.Is(err, context.DeadlineExceeded)) {
				return fmt.Errorf("got %q, %v, %v", v, found, err)
			}
		}
		return nil
	})
}

// The deadline is passed down: the library gives up on the hung server at the deadline,
// instead of waiting for the 20s request timeout in the background. The server sees when
// the library drops each connection, which it does when its call ends.
func TestGetContextDeadlinePassedDown(t *testing.T) {
	isolate(t)
	gone := make(chan time.Time, 8) // when the library dropped a connection
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body read to its end, the server watches the connection: r.Context() is
		// done when the client closes it.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
			select {
			case gone <- time.Now():
			default:
			}
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	cloud(t, srv.URL, "tok")
	mustOK(t, SetTimeouts(time.Second, 20*time.Second))
	dropped := func(start time.Time, deadline time.Duration) {
		t.Helper()
		select {
		case at := <-gone:
			if d := at.Sub(start); d > 3*time.Second {
				t.Errorf("the library dropped the connection after %v, want about %v", d, deadline)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the library still holds the connection 5s after a %v deadline", deadline)
		}
	}

	// The library call itself ends at the deadline, with the deadline's message.
	start := time.Now()
	_, _, err := get(false, "secret_get_alloc_within", "db", 0.3)
	if e := wantErr(t, err, ErrClient); !strings.Contains(e.Message, "deadline") {
		t.Errorf("message %q does not name the deadline", e.Message)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("a 300ms deadline ended the call after %v", d)
	}
	dropped(start, 300*time.Millisecond)

	// Through GetContext: the call in the background ends by the deadline too.
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, _, err := GetJSONContext(ctx, "db"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	dropped(start, 400*time.Millisecond)
}
