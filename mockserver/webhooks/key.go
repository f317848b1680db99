package webhooks

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// GenerateKey returns a new Ed25519 key for signing webhooks.
func GenerateKey() (ed25519.PrivateKey, error) {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("webhooks: generating the webhook key: %w", err)
	}
	return k, nil
}

// ParseKey reads an Ed25519 private key from a PEM "PRIVATE KEY" block (PKCS#8), the form
// `openssl genpkey -algorithm ed25519` writes.
func ParseKey(pemData []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(pemData)
	if block == nil {
		return nil, errors.New("webhooks: the webhook key is not PEM")
	}
	if block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("webhooks: the webhook key is a PEM %q block, want PRIVATE KEY (PKCS#8)", block.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("webhooks: the webhook key: %w", err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("webhooks: the webhook key is %T, want Ed25519", k)
	}
	return ek, nil
}

// ReadKeyFile is ParseKey of a file's contents (cmd's --webhook-key).
func ReadKeyFile(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	k, err := ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// MarshalKey writes a private key as PEM PKCS#8, the form ParseKey reads.
func MarshalKey(k ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// PublicKeyPEM writes a public key as PEM SPKI ("PUBLIC KEY"), the form receivers load.
func PublicKeyPEM(k ed25519.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		panic("webhooks: an Ed25519 public key does not marshal: " + err.Error())
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
