package record

import (
	"encoding/binary"
	"hash/fnv"
	"strings"
	"unicode"

	"github.com/brianvoe/gofakeit/v7"
)

// pseudonyms replaces personal values by fake ones, the same fake for the same original (by kind).
// Each fake is drawn from a generator seeded by the seed, the kind and the original, so a value
// gets the same fake in every recording made with the same seed, whatever order answers came in.
type pseudonyms struct {
	seed  int64
	fakes map[string]string // kind + "\x00" + original key → fake
	taken map[string]bool   // kind + "\x00" + fake, so two originals never share a fake
	// originals are the personal values replaced (names, e-mails, phones), for the leak check;
	// words are their lower-case words of three letters or more. A fake holding one is drawn
	// again, so that no original shows up in a recording by coincidence.
	originals map[string]bool
	words     map[string]bool
}

func newPseudonyms(seed int64) *pseudonyms {
	return &pseudonyms{seed: seed, fakes: map[string]string{}, taken: map[string]bool{}, originals: map[string]bool{}, words: map[string]bool{}}
}

func (p *pseudonyms) faker(kind, key string, attempt int) *gofakeit.Faker {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(p.seed))
	h.Write(b[:])
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(key))
	binary.LittleEndian.PutUint64(b[:], uint64(attempt))
	h.Write(b[:])
	seed := h.Sum64()
	if seed == 0 {
		seed = 1 // gofakeit takes 0 as "random"
	}
	return gofakeit.New(seed)
}

// fake returns the fake of original (keyed by key) of a kind, drawing it with gen the first time.
// A fake that equals the original or another original's fake is drawn again.
func (p *pseudonyms) fake(kind, key, original string, gen func(f *gofakeit.Faker) string) string {
	if original == "" {
		return ""
	}
	k := kind + "\x00" + key
	if v, ok := p.fakes[k]; ok {
		return v
	}
	var v string
	for attempt := 0; ; attempt++ {
		v = gen(p.faker(kind, key, attempt))
		if v != "" && !strings.EqualFold(v, original) && !p.taken[kind+"\x00"+strings.ToLower(v)] && !p.holdsOriginal(v) {
			break
		}
		if attempt > 50 {
			v = v + "-" + p.faker(kind, key, attempt).LetterN(6)
			break
		}
	}
	p.fakes[k] = v
	p.taken[kind+"\x00"+strings.ToLower(v)] = true
	return v
}

// remember notes a personal value before any fake is drawn (see words).
func (p *pseudonyms) remember(original string) {
	if len(strings.TrimSpace(original)) < 3 {
		return
	}
	p.originals[original] = true
	p.words[strings.ToLower(original)] = true
	// An e-mail's domain is shared by many (and by every fake: example.com): only its local part
	// is the person's.
	local, _, _ := strings.Cut(original, "@")
	for _, w := range splitWords(local) {
		p.words[w] = true
	}
}

// holdsOriginal reports whether a candidate fake is, or holds a word of, an original.
func (p *pseudonyms) holdsOriginal(v string) bool {
	if p.words[strings.ToLower(v)] {
		return true
	}
	for _, w := range splitWords(v) {
		if p.words[w] {
			return true
		}
	}
	return false
}

// splitWords returns the lower-case runs of letters and digits of s that are three or more long.
func splitWords(s string) []string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := f[:0]
	for _, w := range f {
		if len(w) >= 3 {
			out = append(out, w)
		}
	}
	return out
}

func (p *pseudonyms) firstName(s string) string {
	return p.fake("first", strings.ToLower(s), s, func(f *gofakeit.Faker) string { return f.FirstName() })
}

func (p *pseudonyms) lastName(s string) string {
	return p.fake("last", strings.ToLower(s), s, func(f *gofakeit.Faker) string { return f.LastName() })
}

func (p *pseudonyms) fullName(s string) string {
	return p.fake("name", strings.ToLower(s), s, func(f *gofakeit.Faker) string { return f.FirstName() + " " + f.LastName() })
}

// email keeps e-mails apart by their lower-case form (the API matches duplicates that way) and
// uses the reserved example domains, so a fake never reaches a real mailbox.
func (p *pseudonyms) email(s string) string {
	return p.fake("email", strings.ToLower(s), s, func(f *gofakeit.Faker) string {
		domains := []string{"example.com", "example.org", "example.net"}
		return strings.ToLower(f.FirstName()+"."+f.LastName()) + f.Numerify("##") + "@" + domains[f.Number(0, 2)]
	})
}

// phone keeps the "+" and the first two digits (the country code, or part of it) and the length,
// so the fake is a plausible number of the same country; the rest is drawn.
func (p *pseudonyms) phone(s string) string {
	digits := strings.TrimPrefix(s, "+")
	return p.fake("phone", s, s, func(f *gofakeit.Faker) string {
		keep := min(2, len(digits))
		var b strings.Builder
		if strings.HasPrefix(s, "+") {
			b.WriteByte('+')
		}
		b.WriteString(digits[:keep])
		for range len(digits) - keep {
			b.WriteByte(byte('0' + f.Number(0, 9)))
		}
		return b.String()
	})
}

func (p *pseudonyms) company(s string) string {
	return p.fake("company", strings.ToLower(s), s, func(f *gofakeit.Faker) string { return f.Company() })
}

func (p *pseudonyms) street(s string) string {
	return p.fake("street", strings.ToLower(s), s, func(f *gofakeit.Faker) string { return f.Street() })
}

func (p *pseudonyms) city(s string) string {
	return p.fake("city", strings.ToLower(s), s, func(f *gofakeit.Faker) string { return f.City() })
}

// pattern keeps the form of a code (postal codes, click ids): letters become letters of the same
// case, digits digits, the rest stays.
func (p *pseudonyms) pattern(kind, s string) string {
	return p.fake(kind, s, s, func(f *gofakeit.Faker) string {
		var b strings.Builder
		for _, r := range s {
			switch {
			case unicode.IsDigit(r):
				b.WriteByte(byte('0' + f.Number(0, 9)))
			case unicode.IsUpper(r):
				b.WriteByte(byte('A' + f.Number(0, 25)))
			case unicode.IsLetter(r):
				b.WriteByte(byte('a' + f.Number(0, 25)))
			default:
				b.WriteRune(r)
			}
		}
		return b.String()
	})
}

func (p *pseudonyms) website(s string) string {
	return p.fake("website", strings.ToLower(s), s, func(f *gofakeit.Faker) string {
		return "https://www." + slug(f.Company()) + ".example"
	})
}

// ip draws from the documentation ranges (RFC 5737), which route nowhere.
func (p *pseudonyms) ip(s string) string {
	return p.fake("ip", s, s, func(f *gofakeit.Faker) string {
		nets := []string{"192.0.2.", "198.51.100.", "203.0.113."}
		return nets[f.Number(0, 2)] + f.Numerify("###")[:1+f.Number(0, 1)]
	})
}

// text replaces free text by as many drawn words (at least one, at most 40).
func (p *pseudonyms) text(s string) string {
	if strings.TrimSpace(s) == "" {
		return s
	}
	n := min(max(len(strings.Fields(s)), 1), 40)
	return p.fake("text", s, s, func(f *gofakeit.Faker) string {
		words := make([]string, n)
		for i := range words {
			words[i] = f.Word()
		}
		out := strings.Join(words, " ")
		return strings.ToUpper(out[:1]) + out[1:]
	})
}

// dateOfBirth draws a date between 1940 and 2005 (kept in the API's midnight-UTC form).
func (p *pseudonyms) dateOfBirth(s string) string {
	return p.fake("dob", s, s, func(f *gofakeit.Faker) string {
		return itoa4(1940+f.Number(0, 65)) + "-" + two(1+f.Number(0, 11)) + "-" + two(1+f.Number(0, 27)) + "T00:00:00.000Z"
	})
}

func itoa4(n int) string {
	return string([]byte{byte('0' + n/1000), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
}

func two(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "company"
	}
	return b.String()
}
