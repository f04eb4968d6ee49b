package oauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/consentry/consentry/models"
)

// idTokenAlgorithm is ES256: small keys, small signatures, fast to sign.
const idTokenAlgorithm = jose.ES256

// KeySet holds the ID token signing keys: the newest live key signs, and
// every stored key is published in the JWKS so tokens signed before a
// rotation still verify.
type KeySet struct {
	signer jose.Signer
	kid    string
	public jose.JSONWebKeySet
}

// LoadKeySet reads the signing keys from the store, generating and storing
// the first one when there is none (once, however many instances start
// together).
func LoadKeySet(ctx context.Context, store *models.Store, random io.Reader, now time.Time) (*KeySet, error) {
	stored, err := store.EnsureSigningKeys(ctx, func() (models.SigningKey, error) { return newSigningKey(random, now) })
	if err != nil {
		return nil, err
	}
	ks := &KeySet{}
	for _, k := range stored {
		priv, err := x509.ParsePKCS8PrivateKey(k.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("read signing key %q: %w", k.ID, err)
		}
		ecKey, ok := priv.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("read signing key %q: not an ECDSA key", k.ID)
		}
		ks.public.Keys = append(ks.public.Keys, jose.JSONWebKey{
			Key: &ecKey.PublicKey, KeyID: k.ID, Algorithm: string(idTokenAlgorithm), Use: "sig",
		})
		if ks.signer == nil && k.RetiredAt == nil {
			ks.kid = k.ID
			ks.signer, err = jose.NewSigner(
				jose.SigningKey{Algorithm: idTokenAlgorithm, Key: jose.JSONWebKey{Key: ecKey, KeyID: k.ID}},
				(&jose.SignerOptions{}).WithType("JWT"))
			if err != nil {
				return nil, fmt.Errorf("use signing key %q: %w", k.ID, err)
			}
		}
	}
	if ks.signer == nil {
		return nil, fmt.Errorf("load signing keys: every stored key is retired")
	}
	return ks, nil
}

// newSigningKey makes a P-256 key whose kid is its RFC 7638 thumbprint.
func newSigningKey(random io.Reader, now time.Time) (models.SigningKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), random)
	if err != nil {
		return models.SigningKey{}, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return models.SigningKey{}, fmt.Errorf("encode signing key: %w", err)
	}
	thumb, err := (&jose.JSONWebKey{Key: &priv.PublicKey}).Thumbprint(crypto.SHA256)
	if err != nil {
		return models.SigningKey{}, fmt.Errorf("fingerprint signing key: %w", err)
	}
	return models.SigningKey{
		ID: base64.RawURLEncoding.EncodeToString(thumb), Algorithm: string(idTokenAlgorithm),
		PrivateKey: der, CreatedAt: now.UTC(),
	}, nil
}

// JWKS is the public key set served at /.well-known/jwks.json.
func (k *KeySet) JWKS() jose.JSONWebKeySet { return k.public }

// sign serializes claims as a signed JWT with the current key. The claims
// are one struct, marshalled once: go-jose's JWT builder would marshal
// them into a map and the map again, which cost as much as the signature.
func (k *KeySet) sign(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("sign id_token: %w", err)
	}
	signed, err := k.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign id_token: %w", err)
	}
	token, err := signed.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("sign id_token: %w", err)
	}
	return token, nil
}
