package jsonwire_test

import (
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/jsonwire"
)

// BenchmarkAppendContact measures the encoding of one generated contact (what a create answers
// and what a stored contact's cached JSON costs once).
func BenchmarkAppendContact(b *testing.B) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 42})
	if err != nil {
		b.Fatal(err)
	}
	c := &doc.Locations[0].Contacts[0].Contact
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = jsonwire.Append(buf[:0], c)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkDecodeAny measures decoding a create body into the generic value validation reads.
func BenchmarkDecodeAny(b *testing.B) {
	body := []byte(`{"locationId":"LocAAAAAAAAAAAAAAAAA","firstName":"Bench","lastName":"Mark","email":"bench@example.com","phone":"+15550000001","tags":["bench","load"],"source":"bench","customFields":[{"id":"x","field_value":"y"}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := jsonwire.DecodeAny(body); !ok {
			b.Fatal("not decoded")
		}
	}
}
