package inventory

// ImageStatus is what a registry answered about one image.
type ImageStatus string

const (
	// ImageFound: the registry has the manifest.
	ImageFound ImageStatus = "found"
	// ImageMissing: the registry answered that the repository or tag does not exist.
	ImageMissing ImageStatus = "missing"
	// ImageDenied: the registry refused the credentials (401/403): existence unknown.
	ImageDenied ImageStatus = "denied"
	// ImageUnreachable: no answer (DNS, connection, TLS, timeout): existence unknown.
	ImageUnreachable ImageStatus = "unreachable"
)

// ImageCheck is one image reference asked of its registry (--registry-check).
type ImageCheck struct {
	Ref    string
	Status ImageStatus
	// Digest of the manifest when found.
	Digest string
	// Detail is the registry's error, for statuses other than found.
	Detail string
}

// ImageCheckFor returns the check of ref, or nil when it was not asked.
func (inv *Inventory) ImageCheckFor(ref string) *ImageCheck {
	for i := range inv.ImageChecks {
		if inv.ImageChecks[i].Ref == ref {
			return &inv.ImageChecks[i]
		}
	}
	return nil
}
