package goclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client calls the Contacts API with a Location token.
type Client struct {
	// BaseURL is the API's base URL: https://services.leadconnectorhq.com, or a mock's.
	BaseURL string
	// Token is a Location access token.
	Token string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// MaxRetries is how often a 429 is waited out and retried (0: never).
	MaxRetries int
	// Sleep waits before a retry; nil means a timer. A test hands in one that moves the mock's
	// clock instead, so that it never waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Contact is the part of a contact this client uses.
type Contact struct {
	ID         string   `json:"id,omitempty"`
	LocationID string   `json:"locationId,omitempty"`
	FirstName  string   `json:"firstName,omitempty"`
	Email      string   `json:"email,omitempty"`
	Tags       []string `json:"tags,omitempty"`
}

// APIError is an answer of the API from 400 on, in its error shape.
type APIError struct {
	Status  int
	Message string
}

// Error implements error: the status and the message.
func (e *APIError) Error() string { return fmt.Sprintf("goclient: %d %s", e.Status, e.Message) }

// CreateContact creates a contact and returns it as stored.
func (c *Client) CreateContact(ctx context.Context, in Contact) (Contact, error) {
	var out struct {
		Contact Contact `json:"contact"`
	}
	err := c.do(ctx, http.MethodPost, "/contacts/", in, &out)
	return out.Contact, err
}

// GetContact reads a contact.
func (c *Client) GetContact(ctx context.Context, id string) (Contact, error) {
	var out struct {
		Contact Contact `json:"contact"`
	}
	err := c.do(ctx, http.MethodGet, "/contacts/"+url.PathEscape(id), nil, &out)
	return out.Contact, err
}

// AddTags adds tags to a contact and returns its tags.
func (c *Client) AddTags(ctx context.Context, id string, tags ...string) ([]string, error) {
	var out struct {
		Tags []string `json:"tags"`
	}
	err := c.do(ctx, http.MethodPost, "/contacts/"+url.PathEscape(id)+"/tags", map[string]any{"tags": tags}, &out)
	return out.Tags, err
}

// do sends a request, retrying 429s after the wait the answer asks for, and decodes the answer.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("goclient: %w", err)
		}
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("goclient: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+c.Token)
		req.Header.Set("Version", "2021-07-28")
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("goclient: %w", err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("goclient: %w", err)
		}
		if resp.StatusCode == http.StatusTooManyRequests && attempt < c.MaxRetries && resp.Header.Get("X-RateLimit-Daily-Remaining") != "0" {
			if err := c.sleep(ctx, retryAfter(resp.Header)); err != nil {
				return err
			}
			continue
		}
		if resp.StatusCode >= 400 {
			var e struct {
				Message any `json:"message"`
			}
			_ = json.Unmarshal(data, &e)
			return &APIError{Status: resp.StatusCode, Message: fmt.Sprint(e.Message)}
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("goclient: %s %s: %w", method, path, err)
		}
		return nil
	}
}

// retryAfter is the wait a 429 asks for: Retry-After, else the rate-limit window (the live API
// does not always send Retry-After).
func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if ms, err := strconv.Atoi(h.Get("X-RateLimit-Interval-Milliseconds")); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return 10 * time.Second
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
