package spec

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// BenchmarkLoad measures loading the embedded document, the largest part of the mock's start-up
// with the default data: kin-openapi's YAML parse alone, and all of Load (parse, validate, index,
// validation plans).
func BenchmarkLoad(b *testing.B) {
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := openapi3.NewLoader().LoadFromData(embedded); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Load(embedded); err != nil {
				b.Fatal(err)
			}
		}
	})
}
