package doctor

import (
	"fmt"

	"github.com/appaudit/appaudit/audit"
)

// ParseCloud reads a cloud name as appaudit or the Azure tools spell it
// (public, AzureCloud, usgov, AzureUSGovernment, usgovdod, china,
// AzureChinaCloud, ...: see audit.LookupCloud) and returns appaudit's name
// for it.
func ParseCloud(s string) (string, error) {
	c, err := audit.LookupCloud(s)
	if err != nil {
		return "", fmt.Errorf("doctor: %w", err)
	}
	return c.Name, nil
}
