package oauth

import (
	"context"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
)

// InstalledQuery is GET /oauth/installedLocations's query, as the document validated it.
type InstalledQuery struct {
	CompanyID, AppID string
	Skip, Limit      int
	// Query matches part of a location's name, any case; LocationID keeps one location.
	Query, LocationID string
	// IsInstalled, when set, keeps the locations where the app is (or is not) installed.
	IsInstalled *bool
}

// InstalledLocation is one location of the answer (the vendor's InstalledLocationSchema).
type InstalledLocation struct {
	ID          string              `json:"_id"`
	Name        string              `json:"name"`
	Address     string              `json:"address"`
	IsInstalled bool                `json:"isInstalled"`
	VersionID   string              `json:"versionId,omitempty"`
	InstalledAt *fixtures.Timestamp `json:"installedAt,omitempty"`
}

// InstalledLocations is the answer of GET /oauth/installedLocations (reference §4.2).
type InstalledLocations struct {
	Locations []InstalledLocation `json:"locations"`
	// Count is the number of matching locations before paging.
	Count int `json:"count"`
	// InstallToFutureLocations reports an agency-level installation of the app on the company.
	InstallToFutureLocations bool `json:"installToFutureLocations"`
}

// InstalledLocations lists the agency token's company's locations and, on each, whether the app
// (every client whose id starts with the app id) is installed: an authorization-code grant in force
// for the location, or an agency grant for the company (which covers every location, later ones
// too). installedAt is the earliest such grant.
func (s *Server) InstalledLocations(ctx context.Context, agency *Token, q InstalledQuery) (InstalledLocations, error) {
	if q.CompanyID != agency.CompanyID {
		return InstalledLocations{}, ErrForeignCompany
	}
	grants, err := s.grantsOfApp(ctx, q.AppID)
	if err != nil {
		return InstalledLocations{}, err
	}
	var companyWide *time.Time
	since := map[string]time.Time{} // location → earliest grant of the app
	for _, g := range grants {
		if g.Revoked {
			continue
		}
		switch {
		case g.UserType == UserTypeCompany && g.CompanyID == q.CompanyID:
			if companyWide == nil || g.CreatedAt.Before(*companyWide) {
				at := g.CreatedAt
				companyWide = &at
			}
		case g.UserType == UserTypeLocation:
			if t, ok := since[g.LocationID]; !ok || g.CreatedAt.Before(t) {
				since[g.LocationID] = g.CreatedAt
			}
		}
	}
	locs, err := s.o.Locations.Locations(ctx)
	if err != nil {
		return InstalledLocations{}, err
	}
	out := InstalledLocations{Locations: []InstalledLocation{}, InstallToFutureLocations: companyWide != nil}
	query := strings.ToLower(q.Query)
	for _, l := range locs {
		if l.CompanyID != q.CompanyID || (q.LocationID != "" && l.ID != q.LocationID) ||
			(query != "" && !strings.Contains(strings.ToLower(l.Name), query)) {
			continue
		}
		at, installed := since[l.ID]
		if companyWide != nil && (!installed || companyWide.Before(at)) {
			at, installed = *companyWide, true
		}
		if q.IsInstalled != nil && *q.IsInstalled != installed {
			continue
		}
		out.Count++
		if out.Count <= q.Skip || len(out.Locations) >= q.Limit {
			continue
		}
		il := InstalledLocation{ID: l.ID, Name: l.Name, IsInstalled: installed}
		if installed {
			ts := fixtures.At(at)
			il.VersionID, il.InstalledAt = q.AppID, &ts
		}
		out.Locations = append(out.Locations, il)
	}
	return out, nil
}

// grantsOfApp returns the grants of every client of an app.
func (s *Server) grantsOfApp(ctx context.Context, app string) ([]Grant, error) {
	clients, err := s.o.Store.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	var out []Grant
	for _, c := range clients {
		if appOf(c.ID) != app {
			continue
		}
		gs, err := s.o.Store.GrantsOf(ctx, GrantFilter{ClientID: c.ID})
		if err != nil {
			return nil, err
		}
		out = append(out, gs...)
	}
	return out, nil
}

// appOf is the Marketplace app a client id belongs to: its part before the first "-".
func appOf(clientID string) string {
	app, _, _ := strings.Cut(clientID, "-")
	return app
}

// Installation is what consent installed when it issued code: the app, where, and who approved
// it (INSTALL's payload); false when the store holds no such code.
func (s *Server) Installation(ctx context.Context, code string) (clientID string, a Authorization, ok bool, err error) {
	c, found, err := s.o.Store.Code(ctx, code)
	if err != nil || !found {
		return "", Authorization{}, false, err
	}
	return c.ClientID, c.Authorization, true, nil
}

// Uninstall removes an app's installation on a location: the grants of the client's app for it
// are revoked, and with them their access tokens (Verify refuses a revoked grant's tokens). It
// returns the installations removed (one per grant), for UNINSTALL; none when the app was not
// installed there.
func (s *Server) Uninstall(ctx context.Context, clientID, locationID string) ([]Grant, error) {
	app := appOf(clientID)
	grants, err := s.o.Store.GrantsOf(ctx, GrantFilter{LocationID: locationID})
	if err != nil {
		return nil, err
	}
	var gone []Grant
	for _, g := range grants {
		if g.Revoked || appOf(g.ClientID) != app || g.UserType != UserTypeLocation {
			continue
		}
		if _, err := s.o.Store.RevokeGrants(ctx, GrantFilter{ID: g.ID}); err != nil {
			return nil, err
		}
		gone = append(gone, g)
	}
	return gone, nil
}

// AppID is the Marketplace app of a client: the part of its id before the first "-".
func AppID(clientID string) string { return appOf(clientID) }
