// Package api is the HTTP transport of Welfare Ledger: the routes of
// API.md on Echo v4, the strict decoding of requests into domain commands,
// problem+json errors and the OpenAPI document served at
// GET /v1/openapi.yaml.
//
// It is the only package that imports Echo, so swapping the framework
// touches this folder alone. Handlers stay thin: they decode and validate a
// request, call the domain's Ledger (writes) or the Projections (reads), and
// return either a response or an error. They never write an error body and
// never inspect what kind of error they got: one HTTPErrorHandler turns
// every error into application/problem+json through one table mapping
// error codes to HTTP statuses (problem.go).
//
// Reading your own writes: a write is answered only after the projections
// have applied the event it recorded (bounded by
// Config.ReadYourWritesTimeout), so that a read sent after the response on
// the same instance sees the write.
//
// Requests are decoded in one place (body.go, form.go): the body must be one
// JSON object without unknown fields, duplicate keys or trailing data
// (400 invalid_json); every field that is missing, of the wrong JSON type or
// malformed is reported at once (422 validation_failed), together with the
// domain command's own Validate findings.
package api
