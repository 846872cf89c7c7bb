// Package registry asks image registries whether images exist (a manifest HEAD per image),
// for the missing-image rule's --registry-check.
package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Options tune a check.
type Options struct {
	// Insecure lists registries (host[:port]) reached over plain HTTP.
	Insecure []string
	// Concurrency bounds the requests in flight (default 8).
	Concurrency int
	// Timeout bounds each image's request, authentication included (default 20s).
	Timeout time.Duration
	// Keychain supplies credentials; nil means the default keychain (~/.docker/config.json,
	// $DOCKER_CONFIG, credential helpers).
	Keychain authn.Keychain
	// Transport replaces the HTTP transport (tests, proxies); nil uses remote's default.
	Transport http.RoundTripper
}

// Check asks each image's registry whether refs exist, and returns one result per ref, in
// the order given.
func Check(ctx context.Context, refs []string, opts Options) []inventory.ImageCheck {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 20 * time.Second
	}
	if opts.Keychain == nil {
		opts.Keychain = authn.DefaultKeychain
	}
	insecure := map[string]bool{}
	for _, r := range opts.Insecure {
		insecure[r] = true
	}
	out := make([]inventory.ImageCheck, len(refs))
	sem := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	for i, ref := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = checkOne(ctx, ref, insecure, opts)
		}()
	}
	wg.Wait()
	return out
}

func checkOne(ctx context.Context, ref string, insecure map[string]bool, opts Options) inventory.ImageCheck {
	res := inventory.ImageCheck{Ref: ref}
	parsed, err := name.ParseReference(ref)
	if err == nil && insecure[parsed.Context().RegistryStr()] {
		parsed, err = name.ParseReference(ref, name.Insecure)
	}
	if err != nil {
		res.Status, res.Detail = inventory.ImageUnreachable, "not an image reference: "+err.Error()
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(opts.Keychain)}
	if opts.Transport != nil {
		ropts = append(ropts, remote.WithTransport(opts.Transport))
	}
	desc, err := remote.Head(parsed, ropts...)
	if err == nil {
		res.Status, res.Digest = inventory.ImageFound, desc.Digest.String()
		return res
	}
	res.Status, res.Detail = classify(err)
	return res
}

// classify maps a registry error to a status: only an explicit "does not exist" answer is
// missing; refused credentials and transport failures leave existence unknown.
func classify(err error) (inventory.ImageStatus, string) {
	var terr *transport.Error
	if errors.As(err, &terr) {
		for _, d := range terr.Errors {
			switch d.Code {
			case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode:
				return inventory.ImageMissing, fmt.Sprintf("%s: %s", d.Code, d.Message)
			case transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
				return inventory.ImageDenied, fmt.Sprintf("%s: %s", d.Code, d.Message)
			}
		}
		switch terr.StatusCode {
		case http.StatusNotFound:
			return inventory.ImageMissing, "HTTP 404 Not Found"
		case http.StatusUnauthorized, http.StatusForbidden:
			return inventory.ImageDenied, fmt.Sprintf("HTTP %d %s: credentials refused (docker login, or $DOCKER_CONFIG)", terr.StatusCode, http.StatusText(terr.StatusCode))
		}
		return inventory.ImageUnreachable, terr.Error()
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return inventory.ImageUnreachable, "timed out: " + err.Error()
	}
	return inventory.ImageUnreachable, err.Error()
}

// Registry returns the registry host of ref ("" when ref does not parse).
func Registry(ref string) string {
	r, err := name.ParseReference(ref)
	if err != nil {
		return ""
	}
	return r.Context().RegistryStr()
}
