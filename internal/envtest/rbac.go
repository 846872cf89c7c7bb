package envtest

import (
	"os"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

// BindClusterRoleFile creates the ClusterRole in file (a YAML document, e.g.
// deploy/rbac.yaml) and binds user to it, so the test's calls as user have exactly that
// role's permissions. It fails the test when the file is not one ClusterRole, or grants a
// verb beyond get and list.
func (cp *ControlPlane) BindClusterRoleFile(t testing.TB, file, user string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(raw, &role); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if role.Kind != "ClusterRole" || role.Name == "" {
		t.Fatalf("%s holds %s %q, want a named ClusterRole", file, role.Kind, role.Name)
	}
	for _, r := range role.Rules {
		for _, v := range r.Verbs {
			if v != "get" && v != "list" {
				t.Errorf("%s grants %q: the scanner only reads", file, v)
			}
		}
	}
	cs := kubernetes.NewForConfigOrDie(cp.Admin())
	ctx := Context(t)
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, &role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name + "-" + user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}
