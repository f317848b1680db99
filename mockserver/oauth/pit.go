package oauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/state"
)

// Private Integration tokens (reference §1, §3.13, §4.3): static bearer tokens a sub-account (or an
// agency) creates for itself, without an OAuth app. Live ones start with "pit-"; they carry scopes
// like an access token and do not expire (they are rotated by hand).
const (
	// PITPrefix starts every Private Integration token.
	PITPrefix = "pit-"
	// PrivateIntegrationClient is the client a PIT counts under: the rate limiter counts every
	// PIT of a location in one (client, location) bucket, as it counts one app's tokens.
	PrivateIntegrationClient = "private-integration"
)

// pitExpiry is a PIT's expiry: never, in practice (it stays valid until its location goes).
var pitExpiry = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// PITResponse is a minted Private Integration token as the admin API answers it: TokenResponse's
// fields without expires_in.
type PITResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	UserType    string `json:"userType"`
	LocationID  string `json:"locationId,omitempty"`
	CompanyID   string `json:"companyId,omitempty"`
	UserID      string `json:"userId"`
}

// MintPIT issues a Private Integration token: for a location (userType Location, id a location
// id) or an agency (userType Company, id a company id that at least one location belongs to).
func (s *Server) MintPIT(ctx context.Context, userType, id string, scopes []string) (*Token, error) {
	a := Authorization{UserType: UserTypeLocation, LocationID: id, UserID: MockUserID, Scopes: scopes}
	if userType == UserTypeCompany {
		var err error
		if a, err = s.companyAuthorization(ctx, id, MockUserID, scopes); err != nil {
			return nil, err
		}
		if len(a.Approved) == 0 {
			return nil, state.NotFoundError("Company", id)
		}
	} else if _, err := s.o.Locations.Location(ctx, id); err != nil {
		return nil, err
	}
	t := Token{
		AccessToken: newPIT(), ClientID: PrivateIntegrationClient, UserType: a.UserType,
		LocationID: a.LocationID, CompanyID: a.CompanyID, UserID: a.UserID, Scopes: append([]string(nil), scopes...),
		IssuedAt: s.o.Now(), ExpiresAt: pitExpiry,
	}
	if err := s.o.Store.PutToken(ctx, t); err != nil {
		return nil, err
	}
	return &t, nil
}

// PITResponseOf is a PIT's answer.
func PITResponseOf(t *Token) PITResponse {
	r := ResponseOf(t, t.IssuedAt)
	return PITResponse{AccessToken: r.AccessToken, TokenType: r.TokenType, Scope: r.Scope, UserType: r.UserType,
		LocationID: r.LocationID, CompanyID: r.CompanyID, UserID: r.UserID}
}

// newPIT returns a new token string: the prefix and a random UUID (version 4), as live PITs look.
func newPIT() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return PITPrefix + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
