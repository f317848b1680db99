package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// WebhooksExtension is the top-level extension that declares the webhooks. OpenAPI 3.0.3 has no
// webhooks object, so the document uses 3.1's shape inside an extension: event name → path item
// whose POST request body is the event's payload, its schema a reference to a component schema.
const WebhooksExtension = "x-webhooks"

// Webhook is one event the document declares.
type Webhook struct {
	// Event is the event name, which is also the payload's `type`, e.g. "ContactCreate".
	Event string
	// Summary and Description are the entry's texts.
	Summary     string
	Description string
	// SchemaName is the component schema the payload refers to, e.g. "ContactWebhookEvent".
	SchemaName string
	// Schema is that component schema, resolved.
	Schema *openapi3.Schema
}

// ErrUnknownWebhook is returned for an event name the document does not declare.
var ErrUnknownWebhook = errors.New("spec: the document declares no such webhook")

// WebhookError is a webhook payload that does not conform to the document.
type WebhookError struct {
	// Event is the event name the payload was checked as.
	Event string
	// Problems lists each failure: the field (a JSON pointer into the body) and why.
	Problems []string
}

func (e *WebhookError) Error() string {
	return fmt.Sprintf("spec: webhook %s does not conform: %s", e.Event, strings.Join(e.Problems, "; "))
}

// parseWebhooks reads the x-webhooks extension. A document without it declares no webhooks; an
// entry whose schema reference does not resolve makes the document invalid.
func parseWebhooks(doc *openapi3.T) (map[string]*Webhook, error) {
	raw, found := doc.Extensions[WebhooksExtension]
	if !found {
		return nil, nil
	}
	entries, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("spec: %s must be an object of event name → path item", WebhooksExtension)
	}
	out := make(map[string]*Webhook, len(entries))
	for event, v := range entries {
		at := WebhooksExtension + "." + event
		var item struct {
			Post *struct {
				Summary     string `json:"summary"`
				Description string `json:"description"`
				RequestBody *struct {
					Content map[string]struct {
						Schema *struct {
							Ref string `json:"$ref"`
						} `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			} `json:"post"`
		}
		// The extension arrives decoded into generic values; a JSON round trip types it.
		data, err := json.Marshal(v)
		if err == nil {
			err = json.Unmarshal(data, &item)
		}
		if err != nil || item.Post == nil || item.Post.RequestBody == nil {
			return nil, fmt.Errorf("spec: %s must have post.requestBody", at)
		}
		media, found := item.Post.RequestBody.Content["application/json"]
		if !found || media.Schema == nil || media.Schema.Ref == "" {
			return nil, fmt.Errorf("spec: %s: post.requestBody must have an application/json schema $ref", at)
		}
		name, found := strings.CutPrefix(media.Schema.Ref, "#/components/schemas/")
		if !found {
			return nil, fmt.Errorf("spec: %s: the schema must refer to #/components/schemas/..., not %q", at, media.Schema.Ref)
		}
		var ref *openapi3.SchemaRef
		if doc.Components != nil {
			ref = doc.Components.Schemas[name]
		}
		if ref == nil || ref.Value == nil {
			return nil, fmt.Errorf("spec: %s refers to the schema %s, which the document does not define", at, name)
		}
		out[event] = &Webhook{
			Event: event, Summary: item.Post.Summary, Description: item.Post.Description,
			SchemaName: name, Schema: ref.Value,
		}
	}
	return out, nil
}

// Webhooks returns the names of the events the document declares, sorted.
func (s *Spec) Webhooks() []string {
	out := make([]string, 0, len(s.webhooks))
	for name := range s.webhooks {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Webhook returns the declared event with that name, or nil.
func (s *Spec) Webhook(event string) *Webhook { return s.webhooks[event] }

// WebhookSchema returns the payload schema of an event, or nil if the document does not declare it.
func (s *Spec) WebhookSchema(event string) *openapi3.Schema {
	if w := s.webhooks[event]; w != nil {
		return w.Schema
	}
	return nil
}

// ValidateWebhook checks a webhook body against the event's schema in the document, and that its
// `type` names the event. It returns an error wrapping ErrUnknownWebhook for an undeclared event and
// a *WebhookError listing every problem for a body that does not conform.
func (s *Spec) ValidateWebhook(event string, body []byte) error {
	w := s.webhooks[event]
	if w == nil {
		return fmt.Errorf("%w: %q (declared: %s)", ErrUnknownWebhook, event, strings.Join(s.Webhooks(), ", "))
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return &WebhookError{Event: event, Problems: []string{"body is not JSON: " + err.Error()}}
	}
	var problems []string
	if m, ok := v.(map[string]any); ok && m["type"] != event {
		problems = append(problems, fmt.Sprintf("body /type: is %v, want %q", m["type"], event))
	}
	if err := w.Schema.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		problems = responseProblems(problems, err)
	}
	if len(problems) > 0 {
		return &WebhookError{Event: event, Problems: slices.Compact(problems)}
	}
	return nil
}
