package audit

import "testing"

// A finding names its object by what the input gave: objects read with
// only an ID (a file of {"id": ...} objects, a listing with
// $select=id,keyCredentials) are named by kind and ID, never as `"" ()`.
func TestObjectRefString(t *testing.T) {
	for _, c := range []struct {
		ref  ObjectRef
		want string
	}{
		{ObjectRef{Kind: KindApplication, ObjectID: "o1", AppID: "a1", DisplayName: "Payroll"}, `"Payroll" (a1)`},
		{ObjectRef{Kind: KindServicePrincipal, ObjectID: "o1", AppID: "a1", DisplayName: "Portal"}, `"Portal" (a1) service principal`},
		{ObjectRef{Kind: KindApplication, ObjectID: "o1", DisplayName: "Payroll"}, `"Payroll" (object ID o1)`},
		{ObjectRef{Kind: KindServicePrincipal, DisplayName: "Portal"}, `"Portal" service principal`},
		{ObjectRef{Kind: KindApplication, AppID: "a1"}, `application with appId a1`},
		{ObjectRef{Kind: KindApplication, ObjectID: "o1"}, `application with object ID o1`},
		{ObjectRef{Kind: KindServicePrincipal, ObjectID: "o2"}, `service principal with object ID o2`},
		{ObjectRef{Kind: KindServicePrincipal, ObjectID: "o2", AppID: "a2"}, `service principal with appId a2`},
		{ObjectRef{Kind: KindApplication}, `an unnamed application without an ID`},
	} {
		if got := c.ref.String(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.ref, got, c.want)
		}
	}
}
