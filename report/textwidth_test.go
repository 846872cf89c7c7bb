package report

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestColumnWidths(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
		want []int
	}{
		{
			// A short WHERE leaves SUBJECT its full width: nothing needs to wrap.
			name: "short where",
			rows: [][]string{{"1", "warning", "deprecated-api", "extensions/v1beta1 Ingress", "ing.yaml:1"}},
			want: []int{1, 8, 14, 26, 10},
		},
		{
			// A long WHERE takes what the other columns leave of the 120 columns.
			name: "long where",
			rows: [][]string{{"1", "warning", "removed-admission-plugin", "admissionregistration.k8s.io/v1beta1 ValidatingWebhookConfiguration",
				"nodes/master-0/etc/kubernetes/manifests/kube-controller-manager.yaml:24 and then some more words to be long enough"}},
			want: []int{1, 8, 20, 36, 39},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := columnWidths(textColumns, tt.rows)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("columnWidths (-want +got):\n%s", diff)
			}
		})
	}
}
