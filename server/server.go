package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/authbench/authbench"
)

// MaxBodyBytes caps request bodies. A login body is under 100 bytes; 4 KiB
// leaves room for long passwords and nothing for abuse.
const MaxBodyBytes = 4 << 10

// Config configures the handler set.
type Config struct {
	// Backend authenticates requests. Required.
	Backend authbench.Backend
	// Users checks login passwords. Required.
	Users *Users
	// AdminToken enables POST /admin/revoke-user for callers presenting it
	// as a bearer token. Empty (the default) leaves the route off (404).
	AdminToken string
	// Log receives one line per unexpected error; nil discards.
	Log *slog.Logger
	// Info is what GET /info answers; nil: the backend's own Info. The
	// registry's facts (bounds, store, style) come in here rather than
	// through a wrapper around the backend, which would put one more
	// indirect call on every authenticated request.
	Info *authbench.Info
	// RefreshInterval is how often the demo page served at GET / calls
	// POST /auth/refresh while signed in. Default DefaultRefreshInterval
	// (the article's 10 minutes); it must stay below the access-token
	// lifetime or idle timeout for the page to stay signed in.
	RefreshInterval time.Duration
}

// Server is the handler set. It is an http.Handler.
type Server struct {
	backend authbench.Backend
	about   authbench.Info // what GET /info answers
	users   *Users
	admin   [32]byte // sha256 of the admin token, compared in constant time
	hasAdm  bool
	log     *slog.Logger
	handler http.Handler
}

// New returns the handler set for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Backend == nil {
		return nil, errors.New("server: no backend")
	}
	if cfg.Users == nil {
		return nil, errors.New("server: no users")
	}
	s := &Server{backend: cfg.Backend, about: cfg.Backend.Info(), users: cfg.Users, log: cfg.Log}
	if cfg.Info != nil {
		s.about = *cfg.Info
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.AdminToken != "" {
		if len(cfg.AdminToken) < 16 {
			return nil, errors.New("server: admin token shorter than 16 bytes")
		}
		s.admin, s.hasAdm = sha256.Sum256([]byte(cfg.AdminToken)), true
	}

	if cfg.RefreshInterval == 0 {
		cfg.RefreshInterval = DefaultRefreshInterval
	}
	demo, err := newDemoPage(cfg.Backend.Info().Name, cfg.RefreshInterval)
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	route := func(path string, methods map[string]http.HandlerFunc) {
		allow := make([]string, 0, len(methods))
		for m := range methods {
			allow = append(allow, m)
		}
		allowed := strings.Join(allow, ", ")
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			h, ok := methods[r.Method]
			if !ok && r.Method == http.MethodHead {
				h, ok = methods[http.MethodGet]
			}
			if !ok {
				w.Header().Set("Allow", allowed)
				writeError(w, http.StatusMethodNotAllowed, MsgMethodNotAllowed)
				return
			}
			h(w, r)
		})
	}
	route("/auth/login", map[string]http.HandlerFunc{http.MethodPost: s.login})
	route("/auth/refresh", map[string]http.HandlerFunc{http.MethodPost: s.refresh})
	route("/auth/logout", map[string]http.HandlerFunc{http.MethodPost: s.logout})
	route("/api/me", map[string]http.HandlerFunc{http.MethodGet: s.me})
	route("/healthz", map[string]http.HandlerFunc{http.MethodGet: s.healthz})
	route("/info", map[string]http.HandlerFunc{http.MethodGet: s.info})
	route("/admin/revoke-user", map[string]http.HandlerFunc{http.MethodPost: s.revokeUser})
	mux.Handle("GET /{$}", demo)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, MsgNotFound)
	})

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, MsgCrossOrigin)
	}))
	s.handler = s.recoverer(cop.Handler(mux))
	return s, nil
}

// ServeHTTP serves the handler set.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	s.handler.ServeHTTP(w, r)
}

// recoverer turns a panic into a 500 so one bad request cannot take the
// process down; a panic is always a bug and is logged as one.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeError(w, http.StatusInternalServerError, MsgInternal)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type loginRequest struct {
	Username *string `json:"username"`
	Password *string `json:"password"`
}

type userBody struct {
	User string `json:"user"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !decodeJSON(w, r, &req, MsgBadJSON) {
		return
	}
	if req.Username == nil || req.Password == nil || *req.Username == "" {
		writeError(w, http.StatusBadRequest, MsgBadJSON)
		return
	}
	if !s.users.Check(*req.Username, *req.Password) {
		writeError(w, http.StatusUnauthorized, MsgBadCredentials)
		return
	}
	id, err := s.backend.Login(w, r, *req.Username)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userBody{User: id.User})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	id, err := s.backend.Authenticate(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userBody{User: id.User})
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	id, err := s.backend.Refresh(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userBody{User: id.User})
}

// logout answers 204 whenever the cookies were cleared and nothing needed
// the store: for a stateless backend the backend reports ErrUnsupported
// (the token stays valid until it expires), which the Revocation header
// makes visible without failing the client's logout.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	err := s.backend.Logout(w, r)
	switch {
	case err == nil:
		w.Header().Set("Authbench-Revocation", "immediate")
	case errors.Is(err, authbench.ErrUnsupported):
		w.Header().Set("Authbench-Revocation", "at-expiry")
	default:
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type revokeRequest struct {
	User *string `json:"user"`
}

func (s *Server) revokeUser(w http.ResponseWriter, r *http.Request) {
	if !s.hasAdm {
		writeError(w, http.StatusNotFound, MsgNotFound)
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	sum := sha256.Sum256([]byte(token))
	if !ok || subtle.ConstantTimeCompare(sum[:], s.admin[:]) != 1 {
		writeError(w, http.StatusUnauthorized, MsgAdminUnauthorized)
		return
	}
	var req revokeRequest
	if !decodeJSON(w, r, &req, MsgBadRevokeJSON) {
		return
	}
	if req.User == nil || !s.users.exists(*req.User) {
		writeError(w, http.StatusBadRequest, MsgUnknownUserRevoked)
		return
	}
	if err := s.backend.RevokeUser(r.Context(), *req.User); err != nil {
		s.fail(w, r, err)
		return
	}
	// As for logout: say what the revocation achieved. A backend that
	// cannot revoke answered 501 above.
	w.Header().Set("Authbench-Revocation", "immediate")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Status  string `json:"status"`
		Backend string `json:"backend"`
	}{"ok", s.backend.Info().Name})
}

// info answers the backend's Info, so that a load test can record what
// the variant it measured promised (revocation, statefulness) as the
// server itself states it.
func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.about)
}

// fail writes the response for a backend error; unexpected ones are logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := statusOf(err)
	if code >= 500 && code != http.StatusServiceUnavailable && code != http.StatusNotImplemented {
		s.log.Error("backend error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, code, msg)
}

// decodeJSON reads exactly one JSON object with no unknown fields from a
// body of at most MaxBodyBytes. On failure it has written the 4xx.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, badMsg string) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, MsgNeedJSON)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		// Exactly one value: trailing data is malformed input too.
		if _, err = dec.Token(); err == io.EOF {
			return true
		} else if err == nil {
			err = errors.New("trailing data after the JSON object")
		}
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, MsgBodyTooLarge)
	} else {
		writeError(w, http.StatusBadRequest, badMsg)
	}
	return false
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own fixed types reach here
		code, b = http.StatusInternalServerError, []byte(`{"error":"`+MsgInternal+`"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}
