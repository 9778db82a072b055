package keyvault

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/golang-jwt/jwt/v5"

	"github.com/appaudit/appaudit/graphclient"
)

// keyVaultAppID is Azure Key Vault's application ID, which a token for
// it may carry as its audience instead of the resource URL.
const keyVaultAppID = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093"

// tokenCredential is a Key Vault access token the caller already has
// (--auth token, from APPAUDIT_KEYVAULT_TOKEN: a token has one audience,
// so the Graph token cannot serve).
type tokenCredential struct {
	token  string
	source string
	expiry time.Time
	now    func() time.Time
	hint   string
}

// NewTokenCredential takes a Key Vault access token for the cloud from
// source (the variable it came from, for messages). A token whose
// audience is something else than Key Vault (a Graph token, say) is an
// error here, before anything is sent; one that has expired is an error
// when it is first used. now is nil for time.Now.
func NewTokenCredential(token, source, cloud string, now func() time.Time) (azcore.TokenCredential, error) {
	resource := Resource(cloud)
	hint := "get one with az account get-access-token --resource " + resource + " --query accessToken -o tsv"
	token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(token), "Bearer "))
	switch {
	case token == "":
		return nil, configErr(hint, "sign-in with token needs a Key Vault access token in %s", source)
	case strings.ContainsAny(token, " \t\r\n"):
		return nil, configErr("give the access token alone", "%s holds more than one word", source)
	}
	if now == nil {
		now = time.Now
	}
	c := &tokenCredential{token: token, source: source, now: now, hint: hint}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return c, nil // not a JWT: Key Vault will say whether it takes it
	}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		c.expiry = exp.Time
	}
	aud, _ := claims.GetAudience()
	if len(aud) > 0 && !forKeyVault(aud, resource) {
		return nil, configErr(hint, "the token in %s is for %s, not for Azure Key Vault (%s)", source, clip(strings.Join(aud, ", ")), resource)
	}
	return c, nil
}

// forKeyVault reports whether one of the audiences is the cloud's Key
// Vault.
func forKeyVault(aud []string, resource string) bool {
	for _, a := range aud {
		a = strings.TrimSuffix(a, "/")
		if strings.EqualFold(a, resource) || strings.EqualFold(a, keyVaultAppID) {
			return true
		}
	}
	return false
}

// GetToken returns the token until it expires.
func (c *tokenCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if !c.expiry.IsZero() && !c.now().Before(c.expiry) {
		return azcore.AccessToken{}, &graphclient.SignInError{Mode: graphclient.AuthToken,
			Msg: fmt.Sprintf("the token in %s expired at %s", c.source, c.expiry.UTC().Format(time.RFC3339)), Hint: c.hint}
	}
	exp := c.expiry
	if exp.IsZero() {
		exp = c.now().Add(time.Hour)
	}
	return azcore.AccessToken{Token: c.token, ExpiresOn: exp}, nil
}
