#!/usr/bin/env bash
# Builds kube-apiserver VERSION from the Go module proxy into
# $UPGRADE_LINT_ENVTEST/VERSION/kube-apiserver (default ~/.cache/upgrade-lint/envtest), once:
# a binary already there is kept. The live-cluster tests run it beside Debian's etcd.
#
# Usage: hack/build-control-plane.sh 1.21.14
#
# How: a throwaway module requires k8s.io/kubernetes@vVERSION. Go ignores the replace
# directives of a dependency, so the wrapper restates kubernetes' own replace block, pointing
# every ./staging/src/k8s.io/X at the published k8s.io/X v0.MINOR.PATCH. Releases before 1.24
# also need newer reflect2/json-iterator (Go 1.26 runtime changes) and the generated OpenAPI
# definitions, which their module zip does not ship; 1.15 needs a go.mod-only stand-in for
# vbom.ml/util, which the module proxy no longer serves.
set -euo pipefail

version=${1:?usage: build-control-plane.sh VERSION (e.g. 1.21.14)}
root=${UPGRADE_LINT_ENVTEST:-$HOME/.cache/upgrade-lint/envtest}
out="$root/$version"
if [ -x "$out/kube-apiserver" ]; then
  echo "kube-apiserver $version: cached at $out"
  exit 0
fi
minor=$(echo "$version" | cut -d. -f2)
staging="v0.${version#1.}"
work="$root/work-$version"
start=$(date +%s)
elapsed() { echo "$(( $(date +%s) - start ))s"; }

rm -rf "$work"
mkdir -p "$work" "$out"
cd "$work"

kube_gomod=$(go mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
kube_dir=$(go mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
go_directive=$(awk '/^go /{print $2; exit}' "$kube_gomod")

declare -A pin=()
if [ "$minor" -lt 24 ]; then
  pin[github.com/modern-go/reflect2]=v1.0.2
  pin[github.com/json-iterator/go]=v1.1.12
fi

{
  printf 'module local/kube-apiserver-build\n\ngo %s\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$go_directive" "$version"
  # Each line of kubernetes' replace block: "module => target [version]".
  awk '/^replace \(/{inblock=1; next} inblock && /^\)/{inblock=0} inblock && /=>/{sub(/\/\/.*/, ""); print}' "$kube_gomod" |
  while read -r module _ target target_version; do
    if [ -n "${pin[$module]:-}" ]; then
      printf '\t%s => %s %s\n' "$module" "$module" "${pin[$module]}"
    elif [[ $target == ./staging/* ]]; then
      printf '\t%s => %s %s\n' "$module" "$module" "$staging"
    elif [ "$module" = vbom.ml/util ]; then
      printf '\t%s => ./stub/vbom.ml-util\n' "$module"
    else
      printf '\t%s => %s %s\n' "$module" "$target" "$target_version"
    fi
  done
  for module in "${!pin[@]}"; do
    grep -q "^	$module =>" "$kube_gomod" || printf '\t%s => %s %s\n' "$module" "$module" "${pin[$module]}"
  done
  echo ")"
} > go.mod
mkdir -p stub/vbom.ml-util && echo 'module vbom.ml/util' > stub/vbom.ml-util/go.mod
printf '//go:build tools\n\npackage tools\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver"\n' > tools.go

need_openapi=false
if [ ! -f "$kube_dir/pkg/generated/openapi/zz_generated.openapi.go" ]; then
  need_openapi=true
  cp -r "$kube_dir" kubernetes
  chmod -R u+w kubernetes
  echo 'replace k8s.io/kubernetes => ./kubernetes' >> go.mod
fi

export GOFLAGS=-mod=mod
go list -deps -tags=providerless k8s.io/kubernetes/cmd/kube-apiserver > /dev/null
echo "[$(elapsed)] modules ready"

if $need_openapi; then
  # What kubernetes' Makefile.generated_files does for its openapi target: every package tagged
  # +k8s:openapi-gen= in the tree and the staging modules, fed to the release's pinned openapi-gen.
  tagged() { # $1 directory, $2 its import path
    (cd "$1" && grep -rlE --include='*.go' '^[[:space:]]*// *\+k8s:openapi-gen=' . 2>/dev/null || true) |
      { grep -Ev '(^|/)(vendor|_[^/]*|\.[^./][^/]*)/' || true; } |
      xargs -r -n1 dirname | LC_ALL=C sort -u | sed "s|^\.|$2|"
  }
  {
    tagged kubernetes k8s.io/kubernetes
    # Every staging module of the release, downloaded if the build graph did not need it,
    # so the generated set does not depend on what the module cache happens to hold.
    for module in $(awk -v v="$staging" '$2 == "=>" && $4 == v {print $1}' go.mod); do
      case $module in k8s.io/code-generator | k8s.io/sample-apiserver) continue ;; esac
      dir=$(go mod download -json "$module@$staging" 2>/dev/null | sed -n 's/.*"Dir": "\(.*\)".*/\1/p') || true
      if [ -n "$dir" ]; then tagged "$dir" "$module"; fi
    done
  } | LC_ALL=C sort -u > openapi-packages.txt
  go build -o bin/openapi-gen k8s.io/kube-openapi/cmd/openapi-gen
  mkdir -p gen
  ./bin/openapi-gen --logtostderr -v 1 -i "$(paste -sd, openapi-packages.txt)" \
    -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
    -h kubernetes/hack/boilerplate/boilerplate.generatego.txt \
    -o "$work/gen" -r "$work/gen/violations.report" > gen/openapi-gen.log 2>&1
  cp gen/k8s.io/kubernetes/pkg/generated/openapi/zz_generated.openapi.go kubernetes/pkg/generated/openapi/
  echo "[$(elapsed)] openapi definitions generated ($(wc -l < openapi-packages.txt) packages)"
fi

ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version k8s.io/kubernetes/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=v$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
go build -trimpath -tags=providerless -ldflags="$ldflags" -o "$work/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
mv "$work/kube-apiserver" "$out/kube-apiserver"
cd "$root" && rm -rf "$work"
echo "[$(elapsed)] built $("$out/kube-apiserver" --version) at $out"
