package contacts_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
)

// The OAuth specs. Live, the consent step is a page of the Marketplace where a person picks a
// sub-account and approves: it cannot be automated, so every spec that needs a code is mock-only.
// Refresh specs are mock-only too, on purpose: refresh tokens rotate, so a spec that refreshed a
// refresh token given to it would spend it (and presenting it again revokes the whole grant). What
// runs live are the token endpoint's refusals, which spend nothing (with CONTACTS_CLIENT_ID and
// CONTACTS_CLIENT_SECRET), and the location-token endpoint's 401s.

const formType = "application/x-www-form-urlencoded"

// app is an OAuth client of the target and the redirect URI its consent requests use.
type app struct{ id, secret, redirect string }

// registerApp registers an OAuth client of the suite's own on a mock, deleted (with its grants and
// tokens) when the spec or container ends: any loopback redirect URI is accepted, and the suite
// reads the consent's redirect without following it, so nothing needs to listen there.
func registerApp(ctx context.Context, admin *contract.Admin, c contract.AdminClient) *app {
	GinkgoHelper()
	if c.RedirectURIs == nil {
		c.RedirectURIs = []string{"loopback"}
	}
	out, err := admin.CreateClient(ctx, c)
	Expect(err).NotTo(HaveOccurred())
	Expect(out.ClientID).NotTo(BeEmpty())
	Expect(out.ClientSecret).NotTo(BeEmpty())
	DeferCleanup(func(ctx SpecContext) {
		Expect(admin.DeleteClient(ctx, out.ClientID)).To(Succeed(), "delete the OAuth client the spec registered")
	}, NodeTimeout(10*time.Second))
	return &app{id: out.ClientID, secret: out.ClientSecret, redirect: "http://127.0.0.1:9/contract/" + tgt.names.Name("callback")}
}

// targetApp is the OAuth client the token-endpoint specs authenticate as: on a mock one the suite
// registers, on a live deployment the configured one (the spec is skipped without it).
func targetApp(ctx context.Context) *app {
	GinkgoHelper()
	if tgt.admin != nil {
		return registerApp(ctx, tgt.admin, contract.AdminClient{})
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		Skip("needs an OAuth client of the target: set " + contract.EnvClientID + " and " + contract.EnvClientSecret)
	}
	return &app{id: cfg.ClientID, secret: cfg.ClientSecret}
}

// form is a token request of the app: its credentials and the fields given as pairs.
func (a *app) form(kv ...string) url.Values {
	f := url.Values{"client_id": {a.id}, "client_secret": {a.secret}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// consentQuery is the query of the consent page for the app: a code for both contacts scopes, on
// the location (the query names it, so the mock's global consent setting is not needed), with a
// fresh state.
func (a *app) consentQuery(location string, kv ...string) url.Values {
	v := url.Values{
		"response_type": {"code"}, "client_id": {a.id}, "redirect_uri": {a.redirect},
		"scope": {"contacts.readonly contacts.write"}, "state": {tgt.names.Name("state")}, "locationId": {location},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// consentPage asks the mock's consent page (served beside the API, not part of the document) what a
// browser would, following no redirect. It returns the status and, for a redirect, its Location.
func consentPage(ctx context.Context, c *contract.Client, query url.Values) (int, *url.URL) {
	GinkgoHelper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/oauth/chooselocation?"+query.Encode(), nil)
	Expect(err).NotTo(HaveOccurred())
	resp, err := noRedirects(c.HTTP).Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, loc
}

// consent goes through the consent page and returns the query the app's redirect URI receives
// (code and state, or error and error_description), checking that it redirects there with the state.
func consent(ctx context.Context, c *contract.Client, a *app, query url.Values) url.Values {
	GinkgoHelper()
	status, loc := consentPage(ctx, c, query)
	Expect(status).To(Equal(http.StatusFound), "the consent page redirects")
	Expect(loc).NotTo(BeNil())
	Expect(loc.Scheme+"://"+loc.Host+loc.Path).To(Equal(a.redirect), "to the redirect URI of the request")
	Expect(loc.Query().Get("state")).To(Equal(query.Get("state")), "with the state of the request")
	return loc.Query()
}

// code goes through the consent page and returns the code.
func code(ctx context.Context, c *contract.Client, a *app, query url.Values) string {
	GinkgoHelper()
	back := consent(ctx, c, a, query)
	Expect(back.Get("error")).To(BeEmpty(), "the consent was refused: %s", back.Get("error_description"))
	Expect(back.Get("code")).NotTo(BeEmpty())
	return back.Get("code")
}

// tokenRequest posts a form to the token endpoint (no bearer token: the client authenticates in the
// form). The recording client validates the answer against get-access-token.
func tokenRequest(ctx context.Context, c *contract.Client, form url.Values) *contract.Exchange {
	GinkgoHelper()
	return call(ctx, c.WithToken(""), http.MethodPost, "/oauth/token", form.Encode(), contract.WithContentType(formType))
}

// exchangeCode exchanges a code for tokens and checks the answer of a Location installation.
func exchangeCode(ctx context.Context, c *contract.Client, a *app, code, location string) (access, refresh string, ex *contract.Exchange) {
	GinkgoHelper()
	ex = tokenRequest(ctx, c, a.form("grant_type", "authorization_code", "code", code, "redirect_uri", a.redirect, "user_type", "Location"))
	Expect(ex).To(contract.HaveStatus(http.StatusOK))
	Expect(ex.Str("token_type")).To(Equal("Bearer"))
	Expect(ex.Str("userType")).To(Equal("Location"))
	Expect(ex.Str("locationId")).To(Equal(location))
	Expect(strings.Fields(ex.Str("scope"))).To(ConsistOf("contacts.readonly", "contacts.write"))
	Expect(ex.Get("expires_in")).To(BeNumerically(">", 0))
	Expect(ex.Str("refreshTokenId")).NotTo(BeEmpty())
	access, refresh = ex.Str("access_token"), ex.Str("refresh_token")
	Expect(access).NotTo(BeEmpty())
	Expect(refresh).NotTo(BeEmpty())
	return access, refresh, ex
}

// locationTokenRequest posts a form to the location-token endpoint with a token.
func locationTokenRequest(ctx context.Context, c *contract.Client, token string, form url.Values, opts ...contract.RequestOption) *contract.Exchange {
	GinkgoHelper()
	opts = append([]contract.RequestOption{contract.WithContentType(formType)}, opts...)
	return call(ctx, c.WithToken(token), http.MethodPost, "/oauth/locationToken", form.Encode(), opts...)
}

// unknownCode is a well-formed authorization code that names nothing.
func unknownCode() string { return strings.Repeat("0", 8) + strings.ToLower(newID()) + "0123456789ab" }

const (
	msgInvalidJWT = "Invalid JWT"
	msgScope      = "The token is not authorized for this scope."
)

var _ = Describe("OAuth", contract.Area(contract.LabelOAuth), func() {
	Describe("the token endpoint refuses, spending nothing", func() {
		It("answers 401 invalid_client to a wrong client_secret", func(ctx SpecContext) {
			id := "contract-suite-unknown-client"
			if tgt.admin != nil {
				id = targetApp(ctx).id
			} else if cfg.ClientID != "" {
				id = cfg.ClientID
			}
			ex := tokenRequest(ctx, tgt.anon, url.Values{"client_id": {id}, "client_secret": {"wrong-" + newID()},
				"grant_type": {"authorization_code"}, "code": {unknownCode()}})
			Expect(ex).To(contract.HaveOAuthError(http.StatusUnauthorized, "invalid_client", "Client authentication failed: unknown client_id or wrong client_secret"))
		}, SpecTimeout(specTimeout))

		It("answers 400 invalid_grant to a code it did not issue", func(ctx SpecContext) {
			a := targetApp(ctx)
			ex := tokenRequest(ctx, tgt.anon, a.form("grant_type", "authorization_code", "code", unknownCode()))
			Expect(ex).To(contract.HaveOAuthError(http.StatusBadRequest, "invalid_grant", "The authorization code is invalid"))
		}, SpecTimeout(specTimeout))

		It("answers 400 invalid_grant to a refresh token it did not issue", func(ctx SpecContext) {
			a := targetApp(ctx)
			ex := tokenRequest(ctx, tgt.anon, a.form("grant_type", "refresh_token", "refresh_token", "not-a-refresh-token-"+newID()))
			Expect(ex).To(contract.HaveOAuthError(http.StatusBadRequest, "invalid_grant", "The refresh token is invalid"))
		}, SpecTimeout(specTimeout))

		It("answers 400 invalid_request when the code is missing", func(ctx SpecContext) {
			a := targetApp(ctx)
			ex := tokenRequest(ctx, tgt.anon, a.form("grant_type", "authorization_code"))
			Expect(ex).To(contract.HaveOAuthError(http.StatusBadRequest, "invalid_request", "code is required for grant_type authorization_code"))
		}, SpecTimeout(specTimeout))

		It("answers 400 invalid_request when the refresh token is missing", func(ctx SpecContext) {
			a := targetApp(ctx)
			ex := tokenRequest(ctx, tgt.anon, a.form("grant_type", "refresh_token"))
			Expect(ex).To(contract.HaveOAuthError(http.StatusBadRequest, "invalid_request", "refresh_token is required for grant_type refresh_token"))
		}, SpecTimeout(specTimeout))

		It("answers 400 invalid_request to a body that is not a form", func(ctx SpecContext) {
			a := targetApp(ctx)
			ex := call(ctx, tgt.anon, http.MethodPost, "/oauth/token", obj{"client_id": a.id, "client_secret": a.secret, "grant_type": "authorization_code"})
			Expect(ex).To(contract.HaveOAuthError(http.StatusBadRequest, "invalid_request", ContainSubstring("application/x-www-form-urlencoded")))
		}, SpecTimeout(specTimeout))

		DescribeTable("answers 422 to a form the document refuses", func(ctx SpecContext, message string, kv ...string) {
			a := targetApp(ctx)
			form := a.form(kv...)
			for k, v := range form {
				if len(v) == 1 && v[0] == "-" {
					form.Del(k) // "-" removes a field
				}
			}
			Expect(tokenRequest(ctx, tgt.anon, form)).To(contract.HaveAPIError(http.StatusUnprocessableEntity, message))
		},
			Entry("a field it does not declare", "property code_verifier should not exist", "grant_type", "authorization_code", "code", "x", "code_verifier", "abc"),
			Entry("a grant_type outside the enum", "grant_type must be one of the following values: authorization_code, refresh_token, client_credentials", "grant_type", "password"),
			Entry("a user_type outside the enum", "user_type must be one of the following values: Company, Location", "grant_type", "refresh_token", "refresh_token", "x", "user_type", "Agency"),
			Entry("no client_secret", "client_secret should not be empty", "client_secret", "-", "grant_type", "refresh_token", "refresh_token", "x"),
		)
	})

	Describe("the authorization code grant", contract.MockOnly(), func() {
		var a *app
		BeforeEach(func(ctx SpecContext) {
			a = registerApp(ctx, needsAdmin(), contract.AdminClient{})
		}, NodeTimeout(specTimeout))

		It("redirects from consent with a code that buys tokens confined to the location", func(ctx SpecContext) {
			access, _, _ := exchangeCode(ctx, tgt.anon, a, code(ctx, tgt.anon, a, a.consentQuery(tgt.location)), tgt.location)
			api := tgt.full.WithToken(access)
			Expect(call(ctx, api, http.MethodGet, "/contacts/"+q("locationId", tgt.location, "limit", "1"), nil)).To(contract.HaveStatus(http.StatusOK))
			Expect(call(ctx, api, http.MethodGet, "/contacts/"+q("locationId", tgt.foreign, "limit", "1"), nil)).To(
				contract.HaveAPIError(http.StatusForbidden, "The token does not have access to this location."))
		}, SpecTimeout(specTimeout))

		It("takes a code once: the second exchange is 400 invalid_grant and revokes the tokens of the first", func(ctx SpecContext) {
			c := code(ctx, tgt.anon, a, a.consentQuery(tgt.location))
			access, refresh, _ := exchangeCode(ctx, tgt.anon, a, c, tgt.location)
			again := tokenRequest(ctx, tgt.anon, a.form("grant_type", "authorization_code", "code", c))
			Expect(again).To(contract.HaveOAuthError(http.StatusBadRequest, "invalid_grant", "The authorization code has already been used; the tokens issued for it are revoked"))
			Expect(call(ctx, tgt.full.WithToken(access), http.MethodGet, "/contacts/"+q("locationId", tgt.location, "limit", "1"), nil)).To(
				contract.HaveAPIError(http.StatusUnauthorized, msgInvalidJWT))
			Expect(tokenRequest(ctx, tgt.anon, a.form("grant_type", "refresh_token", "refresh_token", refresh))).To(
				contract.HaveOAuthError(http.StatusBadRequest, "invalid_grant", "The refresh token has been revoked"))
		}, SpecTimeout(specTimeout))

		It("answers 400 invalid_grant to a redirect_uri other than the consent's", func(ctx SpecContext) {
			c := code(ctx, tgt.anon, a, a.consentQuery(tgt.location))
			ex := tokenRequest(ctx, tgt.anon, a.form("grant_type", "authorization_code", "code", c, "redirect_uri", a.redirect+"/elsewhere"))
			Expect(ex).To(contract.HaveOAuthError(http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the redirect URI the code was issued for"))
		}, SpecTimeout(specTimeout))

		It("answers 400 invalid_grant to a user_type other than the installation's", func(ctx SpecContext) {
			c := code(ctx, tgt.anon, a, a.consentQuery(tgt.location))
			ex := tokenRequest(ctx, tgt.anon, a.form("grant_type", "authorization_code", "code", c, "user_type", "Company"))
			Expect(ex).To(contract.HaveOAuthError(http.StatusBadRequest, "invalid_grant", "The authorization was granted for user_type Location, not Company"))
		}, SpecTimeout(specTimeout))

		It("answers 400 invalid_grant to a code issued to another client", func(ctx SpecContext) {
			other := registerApp(ctx, needsAdmin(), contract.AdminClient{})
			c := code(ctx, tgt.anon, other, other.consentQuery(tgt.location))
			ex := tokenRequest(ctx, tgt.anon, a.form("grant_type", "authorization_code", "code", c))
			Expect(ex).To(contract.HaveOAuthError(http.StatusBadRequest, "invalid_grant", "The authorization code is invalid"))
		}, SpecTimeout(specTimeout))

		It("answers 400 unauthorized_client to a grant the client is not registered for", func(ctx SpecContext) {
			ex := tokenRequest(ctx, tgt.anon, a.form("grant_type", "client_credentials"))
			Expect(ex).To(contract.HaveOAuthError(http.StatusBadRequest, "unauthorized_client", "The client is not allowed to use grant_type client_credentials"))
		}, SpecTimeout(specTimeout))

		It("gives a client registered for client_credentials a Company token of its company, without a refresh token", func(ctx SpecContext) {
			admin := needsAdmin()
			company := newID()
			loc := tempLocation(ctx, admin, contract.AdminLocation{Name: tgt.names.Name("contract-agency"), CompanyID: company})
			agency := registerApp(ctx, admin, contract.AdminClient{Grants: []string{"client_credentials"}, CompanyID: company})
			ex := tokenRequest(ctx, tgt.anon, agency.form("grant_type", "client_credentials", "user_type", "Company"))
			Expect(ex).To(contract.HaveStatus(http.StatusOK))
			Expect(ex.Str("userType")).To(Equal("Company"))
			Expect(ex.Str("companyId")).To(Equal(company))
			Expect(ex.Get("locationId")).To(BeNil())
			Expect(ex.Get("refresh_token")).To(BeNil())
			Expect(ex.Strings("approvedLocations")).To(ConsistOf(loc.ID))
			Expect(tokenRequest(ctx, tgt.anon, agency.form("grant_type", "client_credentials", "user_type", "Location"))).To(
				contract.HaveOAuthError(http.StatusBadRequest, "invalid_request", "client_credentials issues Company tokens only: user_type must be Company"))
		}, SpecTimeout(specTimeout))

		Describe("the consent page", func() {
			It("sends errors back to the redirect URI with the state", func(ctx SpecContext) {
				back := consent(ctx, tgt.anon, a, a.consentQuery(tgt.location, "response_type", "token"))
				Expect(back.Get("error")).To(Equal("unsupported_response_type"))
				Expect(back.Get("code")).To(BeEmpty())

				narrow := registerApp(ctx, needsAdmin(), contract.AdminClient{Scopes: []string{"contacts.readonly"}})
				back = consent(ctx, tgt.anon, narrow, narrow.consentQuery(tgt.location))
				Expect(back.Get("error")).To(Equal("invalid_scope"))
				Expect(back.Get("code")).To(BeEmpty())
			}, SpecTimeout(specTimeout))

			It("answers 400 itself, redirecting nowhere, to a redirect URI the client did not register or an unknown client", func(ctx SpecContext) {
				status, loc := consentPage(ctx, tgt.anon, a.consentQuery(tgt.location, "redirect_uri", "https://attacker.example/steal"))
				Expect(status).To(Equal(http.StatusBadRequest))
				Expect(loc).To(BeNil())
				status, loc = consentPage(ctx, tgt.anon, a.consentQuery(tgt.location, "client_id", "contract-suite-unknown-client"))
				Expect(status).To(Equal(http.StatusBadRequest))
				Expect(loc).To(BeNil())
			}, SpecTimeout(specTimeout))
		})
	})

	// These specs move the mock's clock or change its consent page: each has a mock (or location) of
	// its own, and they run Serial so that on a shared mock nothing else runs meanwhile.
	Describe("expiry, refresh and revocation", contract.MockOnly(), Serial, func() {
		It("runs the whole flow: consent, code, tokens, an API call, expiry, refresh with rotation, and the family revoked when a spent refresh token comes back", func(ctx SpecContext) {
			m := newOwnMock(ctx)
			a := registerApp(ctx, m.admin, contract.AdminClient{})
			access, refresh, tokens := exchangeCode(ctx, m.anon, a, code(ctx, m.anon, a, a.consentQuery(m.location)), m.location)
			Expect(tokens.Str("companyId")).To(Equal(m.company))
			api := m.client.WithToken(access)
			Expect(call(ctx, api, http.MethodGet, m.list(), nil)).To(contract.HaveStatus(http.StatusOK))

			By("the access token expires on the mock's clock")
			expiresIn, _ := tokens.Get("expires_in").(float64)
			m.advanceClock(ctx, time.Duration(expiresIn)*time.Second+time.Second)
			Expect(call(ctx, api, http.MethodGet, m.list(), nil)).To(contract.HaveAPIError(http.StatusUnauthorized, msgInvalidJWT))

			By("a refresh answers a new access token and a new refresh token of the same grant")
			again := tokenRequest(ctx, m.anon, a.form("grant_type", "refresh_token", "refresh_token", refresh, "user_type", "Location"))
			Expect(again).To(contract.HaveStatus(http.StatusOK))
			access2, refresh2 := again.Str("access_token"), again.Str("refresh_token")
			Expect(access2).NotTo(BeElementOf("", access))
			Expect(refresh2).NotTo(BeElementOf("", refresh))
			Expect(again.Str("refreshTokenId")).To(Equal(tokens.Str("refreshTokenId")))
			Expect(again.Str("locationId")).To(Equal(m.location))
			api2 := m.client.WithToken(access2)
			Expect(call(ctx, api2, http.MethodGet, m.list(), nil)).To(contract.HaveStatus(http.StatusOK))

			By("the spent refresh token is refused, and every token of its grant is revoked")
			Expect(tokenRequest(ctx, m.anon, a.form("grant_type", "refresh_token", "refresh_token", refresh))).To(
				contract.HaveOAuthError(http.StatusBadRequest, "invalid_grant", "The refresh token has already been used; every token of its grant is revoked"))
			Expect(call(ctx, api2, http.MethodGet, m.list(), nil)).To(contract.HaveAPIError(http.StatusUnauthorized, msgInvalidJWT))
			Expect(tokenRequest(ctx, m.anon, a.form("grant_type", "refresh_token", "refresh_token", refresh2))).To(
				contract.HaveOAuthError(http.StatusBadRequest, "invalid_grant", "The refresh token has been revoked"))
		}, SpecTimeout(specTimeout))

		It("lets a refresh token unused for a year expire", func(ctx SpecContext) {
			m := newOwnMock(ctx)
			a := registerApp(ctx, m.admin, contract.AdminClient{})
			_, refresh, _ := exchangeCode(ctx, m.anon, a, code(ctx, m.anon, a, a.consentQuery(m.location)), m.location)
			m.advanceClock(ctx, 365*24*time.Hour+time.Minute)
			Expect(tokenRequest(ctx, m.anon, a.form("grant_type", "refresh_token", "refresh_token", refresh))).To(
				contract.HaveOAuthError(http.StatusBadRequest, "invalid_grant", "The refresh token has expired"))
		}, SpecTimeout(specTimeout))

		It("lets a code expire after 10 minutes", func(ctx SpecContext) {
			m := newOwnMock(ctx)
			a := registerApp(ctx, m.admin, contract.AdminClient{})
			late := code(ctx, m.anon, a, a.consentQuery(m.location))
			m.advanceClock(ctx, 10*time.Minute)
			Expect(tokenRequest(ctx, m.anon, a.form("grant_type", "authorization_code", "code", late))).To(
				contract.HaveOAuthError(http.StatusBadRequest, "invalid_grant", "The authorization code has expired"))
		}, SpecTimeout(specTimeout))

		It("redirects with access_denied when the user refuses", func(ctx SpecContext) {
			m := newOwnMock(ctx)
			m.setConsent(ctx, contract.AdminConsent{Deny: true})
			a := registerApp(ctx, m.admin, contract.AdminClient{})
			back := consent(ctx, m.anon, a, a.consentQuery(m.location))
			Expect(back.Get("error")).To(Equal("access_denied"))
			Expect(back.Get("code")).To(BeEmpty())
		}, SpecTimeout(specTimeout))

		It("installs an agency: a Company token that mints location tokens, all revoked with its grant", func(ctx SpecContext) {
			m := newOwnMock(ctx)
			m.setConsent(ctx, contract.AdminConsent{UserType: "Company"})
			a := registerApp(ctx, m.admin, contract.AdminClient{})
			c := code(ctx, m.anon, a, a.consentQuery(m.location, "scope", "contacts.readonly contacts.write oauth.write"))
			tokens := tokenRequest(ctx, m.anon, a.form("grant_type", "authorization_code", "code", c, "user_type", "Company"))
			Expect(tokens).To(contract.HaveStatus(http.StatusOK))
			Expect(tokens.Str("userType")).To(Equal("Company"))
			Expect(tokens.Str("companyId")).To(Equal(m.company))
			Expect(tokens.Get("locationId")).To(BeNil())
			Expect(tokens.Strings("approvedLocations")).To(ConsistOf(m.location))
			Expect(tokens.Str("refresh_token")).NotTo(BeEmpty())
			agency := tokens.Str("access_token")
			Expect(call(ctx, m.client.WithToken(agency), http.MethodGet, m.list(), nil)).To(contract.HaveAPIError(http.StatusUnauthorized, msgScope))

			minted := locationTokenRequest(ctx, m.client, agency, url.Values{"companyId": {m.company}, "locationId": {m.location}})
			Expect(minted).To(contract.HaveStatus(http.StatusOK))
			Expect(minted.Str("locationId")).To(Equal(m.location))
			local := m.client.WithToken(minted.Str("access_token"))
			Expect(call(ctx, local, http.MethodGet, m.list(), nil)).To(contract.HaveStatus(http.StatusOK))

			By("replaying the code revokes the agency grant, and with it the location token")
			Expect(tokenRequest(ctx, m.anon, a.form("grant_type", "authorization_code", "code", c))).To(
				contract.HaveOAuthError(http.StatusBadRequest, "invalid_grant", "The authorization code has already been used; the tokens issued for it are revoked"))
			Expect(call(ctx, local, http.MethodGet, m.list(), nil)).To(contract.HaveAPIError(http.StatusUnauthorized, msgInvalidJWT))
			Expect(locationTokenRequest(ctx, m.client, agency, url.Values{"companyId": {m.company}, "locationId": {m.location}})).To(
				contract.HaveAPIError(http.StatusUnauthorized, msgInvalidJWT))
		}, SpecTimeout(specTimeout))
	})

	Describe("location tokens from an agency token", func() {
		It("answers 401 Invalid JWT without a token", func(ctx SpecContext) {
			ex := locationTokenRequest(ctx, tgt.full, "", url.Values{"companyId": {newID()}, "locationId": {tgt.location}})
			Expect(ex).To(contract.HaveAPIError(http.StatusUnauthorized, msgInvalidJWT))
		}, SpecTimeout(specTimeout))

		It("answers 401 to a Location token", func(ctx SpecContext) {
			ex := locationTokenRequest(ctx, tgt.full, tgt.full.Token, url.Values{"companyId": {newID()}, "locationId": {tgt.location}})
			Expect(ex).To(contract.HaveAPIError(http.StatusUnauthorized, msgScope))
		}, SpecTimeout(specTimeout))

		Describe("with an agency token minted by the mock", contract.MockOnly(), func() {
			// Two companies of this process, one location each.
			var companyA, companyB, locA, locB, agency string
			BeforeEach(func(ctx SpecContext) {
				admin := needsAdmin()
				companyA, companyB = newID(), newID()
				a := tempLocation(ctx, admin, contract.AdminLocation{Name: tgt.names.Name("contract-agency-a"), CompanyID: companyA})
				b := tempLocation(ctx, admin, contract.AdminLocation{Name: tgt.names.Name("contract-agency-b"), CompanyID: companyB})
				locA, locB = a.ID, b.ID
				var err error
				agency, err = admin.MintCompanyToken(ctx, companyA, nil, suiteTokenLife)
				Expect(err).NotTo(HaveOccurred())
			}, NodeTimeout(specTimeout))

			It("mints a token of a location of its company, which works there and nowhere else", func(ctx SpecContext) {
				ex := locationTokenRequest(ctx, tgt.full, agency, url.Values{"companyId": {companyA}, "locationId": {locA}})
				Expect(ex).To(contract.HaveStatus(http.StatusOK))
				Expect(ex.Str("userType")).To(Equal("Location"))
				Expect(ex.Str("locationId")).To(Equal(locA))
				Expect(ex.Str("companyId")).To(Equal(companyA))
				Expect(ex.Str("token_type")).To(Equal("Bearer"))
				local := tgt.full.WithToken(ex.Str("access_token"))
				Expect(call(ctx, local, http.MethodGet, "/contacts/"+q("locationId", locA, "limit", "1"), nil)).To(contract.HaveStatus(http.StatusOK))
				Expect(call(ctx, local, http.MethodGet, "/contacts/"+q("locationId", tgt.location, "limit", "1"), nil)).To(
					contract.HaveAPIError(http.StatusForbidden, "The token does not have access to this location."))
			}, SpecTimeout(specTimeout))

			It("is itself refused on contacts routes", func(ctx SpecContext) {
				Expect(call(ctx, tgt.full.WithToken(agency), http.MethodGet, "/contacts/"+q("locationId", locA, "limit", "1"), nil)).To(
					contract.HaveAPIError(http.StatusUnauthorized, msgScope))
			}, SpecTimeout(specTimeout))

			It("answers 403 to another company's id", func(ctx SpecContext) {
				ex := locationTokenRequest(ctx, tgt.full, agency, url.Values{"companyId": {companyB}, "locationId": {locB}})
				Expect(ex).To(contract.HaveAPIError(http.StatusForbidden, "The token does not have access to this company."))
			}, SpecTimeout(specTimeout))

			It("answers 400 to a location that is not its company's", func(ctx SpecContext) {
				ex := locationTokenRequest(ctx, tgt.full, agency, url.Values{"companyId": {companyA}, "locationId": {locB}})
				Expect(ex).To(contract.HaveAPIError(http.StatusBadRequest, "Location with id "+locB+" not found in company "+companyA))
				unknown := newID()
				ex = locationTokenRequest(ctx, tgt.full, agency, url.Values{"companyId": {companyA}, "locationId": {unknown}})
				Expect(ex).To(contract.HaveAPIError(http.StatusBadRequest, "Location with id "+unknown+" not found in company "+companyA))
			}, SpecTimeout(specTimeout))

			It("answers 422 to a form the document refuses", func(ctx SpecContext) {
				Expect(locationTokenRequest(ctx, tgt.full, agency, url.Values{"companyId": {companyA}, "locationId": {locA}, "scope": {"contacts.write"}})).To(
					contract.HaveAPIError(http.StatusUnprocessableEntity, "property scope should not exist"))
				Expect(locationTokenRequest(ctx, tgt.full, agency, url.Values{"companyId": {companyA}})).To(
					contract.HaveAPIError(http.StatusUnprocessableEntity, "locationId should not be empty"))
			}, SpecTimeout(specTimeout))

			It("answers 413 to a form over the body limit", func(ctx SpecContext) {
				big := url.Values{"companyId": {companyA}, "locationId": {strings.Repeat("x", 3<<20)}}
				Expect(locationTokenRequest(ctx, tgt.full, agency, big)).To(
					contract.HaveAPIError(http.StatusRequestEntityTooLarge, HavePrefix("request entity too large")))
				Expect(tokenRequest(ctx, tgt.full, url.Values{"client_id": {"x"}, "client_secret": {strings.Repeat("x", 3<<20)}, "grant_type": {"refresh_token"}})).To(
					contract.HaveAPIError(http.StatusRequestEntityTooLarge, HavePrefix("request entity too large")))
			}, SpecTimeout(specTimeout))

			It("answers 401 to an agency token without oauth.write", func(ctx SpecContext) {
				readonly, err := needsAdmin().MintCompanyToken(ctx, companyA, []string{"oauth.readonly"}, suiteTokenLife)
				Expect(err).NotTo(HaveOccurred())
				ex := locationTokenRequest(ctx, tgt.full, readonly, url.Values{"companyId": {companyA}, "locationId": {locA}})
				Expect(ex).To(contract.HaveAPIError(http.StatusUnauthorized, msgScope))
			}, SpecTimeout(specTimeout))
		})
	})
})
