package oauth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// signJWT returns a JWT-shaped string (header.claims.signature, HS256 under key) for the claims.
func signJWT(key []byte, claims any) string {
	data, _ := json.Marshal(claims)
	body := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(data)
	return body + "." + base64.RawURLEncoding.EncodeToString(jwtMAC(key, body))
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

func jwtMAC(key []byte, body string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(body))
	return mac.Sum(nil)
}

// verifyJWT returns the claims of a string signJWT made under key, or false for anything else.
// Decoding is strict, so that a string with other unused trailing bits is not the same token.
func verifyJWT(key []byte, s string) ([]byte, bool) {
	i := strings.LastIndexByte(s, '.')
	if i < len(jwtHeader)+1 || !strings.HasPrefix(s, jwtHeader+".") {
		return nil, false
	}
	strict := base64.RawURLEncoding.Strict()
	sig, err := strict.DecodeString(s[i+1:])
	if err != nil || !hmac.Equal(sig, jwtMAC(key, s[:i])) {
		return nil, false
	}
	claims, err := strict.DecodeString(s[len(jwtHeader)+1 : i])
	if err != nil {
		return nil, false
	}
	return claims, true
}

// refreshClaims are the claims of a refresh token: which grant, which generation. The signature
// makes them unforgeable, so a spent refresh token is recognised without remembering it.
type refreshClaims struct {
	Grant string `json:"gid"`
	Gen   int    `json:"gen"`
	Exp   int64  `json:"exp"`
	JTI   string `json:"jti"`
}

// parseRefresh returns the claims of a refresh token signed under key, or false.
func parseRefresh(key []byte, tok string) (refreshClaims, bool) {
	var rc refreshClaims
	data, ok := verifyJWT(key, tok)
	if !ok || json.Unmarshal(data, &rc) != nil || rc.Grant == "" {
		return refreshClaims{}, false
	}
	return rc, true
}

// randomString returns n unguessable bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// randomHex returns n unguessable bytes, hex-encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RandomKey returns 32 unguessable bytes: a key for Keys.
func RandomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}
