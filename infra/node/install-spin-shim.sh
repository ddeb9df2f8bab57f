#!/bin/sh
# Installs containerd-shim-spin on a Kubernetes node and registers it in
# containerd's configuration as the runtime that the RuntimeClass's handler
# names (`spin`, runtime-class.yaml). The rest of the configuration is kept:
# the entry is one marked block, appended, and replaced on the next run, so a
# second run changes nothing. Run by the EKS nodes' user data (infra/eks) and
# by the node suite; see docs/DEPLOY.md, "From nothing to a serving cluster".
#
#   install-spin-shim.sh [--shim FILE|VERSION] [--sha256 HEX] [--bin-dir DIR]
#                        [--config FILE] [--runtime NAME] [--containerd BIN]
#                        [--release-url URL] [--no-restart]
#
#   --shim         a containerd-shim-spin-v2 binary, or a release (vX.Y.Z) to
#                  download for this machine's architecture; default v0.24.0
#   --sha256       the SHA-256 that the file, or the release's tarball, must have
#   --bin-dir      where the binary goes, a directory on containerd's PATH;
#                  default /usr/local/bin
#   --config       containerd's configuration; default /etc/containerd/config.toml,
#                  made with `containerd config default` when missing or empty
#   --runtime      the runtime's name, the RuntimeClass's handler; default spin
#   --containerd   the containerd that makes and checks the configuration
#   --release-url  where releases come from; default the shim's GitHub releases
#   --no-restart   leave containerd alone (by default a running systemd
#                  containerd is restarted when the configuration changed)
#
# Handles containerd's configuration versions 2 (containerd 1.x) and 3
# (containerd 2.x). POSIX sh, so that it also runs on busybox-based nodes.
set -eu

shim=v0.24.0
sha256=
bin_dir=/usr/local/bin
config=/etc/containerd/config.toml
runtime=spin
containerd=containerd
release_url=https://github.com/spinframework/containerd-shim-spin/releases/download
restart=true

say() { echo "install-spin-shim: $*"; }
die() { echo "install-spin-shim: $*" >&2; exit 1; }
usage() { sed -n '9,11p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case $1 in
    --no-restart) restart=false; shift; continue ;;
    -h | --help) usage; exit 0 ;;
    --shim | --sha256 | --bin-dir | --config | --runtime | --containerd | --release-url)
      [ $# -ge 2 ] || die "$1 needs a value" ;;
    *) echo "install-spin-shim: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
  case $1 in
    --shim) shim=$2 ;;
    --sha256) sha256=$(echo "$2" | tr 'A-F' 'a-f') ;;
    --bin-dir) bin_dir=$2 ;;
    --config) config=$2 ;;
    --runtime) runtime=$2 ;;
    --containerd) containerd=$2 ;;
    --release-url) release_url=${2%/} ;;
  esac
  shift 2
done

case $runtime in
  '' | *[!A-Za-z0-9_-]*) die "--runtime must be letters, digits, '-' or '_': $runtime" ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

verify() { # FILE: it has the SHA-256 given with --sha256, if any
  [ -z "$sha256" ] && return 0
  have=$(sha256sum "$1" | cut -d' ' -f1)
  [ "$have" = "$sha256" ] || die "$1 has SHA-256 $have, not $sha256"
}

same() { # FILE FILE: the same bytes (sha256sum is on every node; cmp may not be)
  [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ]
}

download() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 5 --retry-delay 2 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die "need curl or wget to download $1"
  fi
}

# 1. The binary.
if [ -f "$shim" ]; then
  verify "$shim"
  source=$shim
else
  case $shim in
    v[0-9]*.[0-9]*.[0-9]*) ;;
    *) die "--shim is neither a file nor a release version (vX.Y.Z): $shim" ;;
  esac
  case $(uname -m) in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) die "no containerd-shim-spin release for $(uname -m)" ;;
  esac
  url="$release_url/$shim/containerd-shim-spin-v2-linux-$arch.tar.gz"
  download "$url" "$work/shim.tar.gz" || die "could not download $url"
  verify "$work/shim.tar.gz"
  tar -xzf "$work/shim.tar.gz" -C "$work"
  [ -f "$work/containerd-shim-spin-v2" ] || die "$url holds no containerd-shim-spin-v2"
  source=$work/containerd-shim-spin-v2
fi

binary=$bin_dir/containerd-shim-spin-v2
if [ -e "$binary" ] && { [ "$source" -ef "$binary" ] || same "$source" "$binary"; }; then
  say "$binary is up to date"
else
  mkdir -p "$bin_dir"
  # A new file renamed over the old one: a running shim keeps its binary.
  cp "$source" "$binary.new.$$"
  chmod 0755 "$binary.new.$$"
  mv -f "$binary.new.$$" "$binary"
  say "installed $binary ($shim)"
fi

# 2. The runtime entry.
if [ -f "$config" ] && grep -v '^[[:space:]]*#' "$config" | grep -q '[^[:space:]]'; then
  cp "$config" "$work/current.toml"
else
  "$containerd" config default >"$work/current.toml" ||
    die "no configuration at $config, and \`$containerd config default\` failed"
  say "$config was missing or empty: starting from \`containerd config default\`"
fi

# The top-level `version`, which must come before the first table.
version=$(awk '/^[[:space:]]*\[/ { exit }
  /^[[:space:]]*version[[:space:]]*=/ { sub(/^[^=]*=[[:space:]]*/, ""); sub(/[^0-9].*/, ""); print; exit }' \
  "$work/current.toml")
case $version in
  2) plugin=io.containerd.grpc.v1.cri ;;
  3) plugin=io.containerd.cri.v1.runtime ;;
  '') die "$config has no top-level \`version = 2\` or \`version = 3\`: version 1 is not edited (containerd config migrate)" ;;
  *) die "$config has version $version; this script knows versions 2 and 3" ;;
esac

begin="# BEGIN install-spin-shim.sh: runtime $runtime"
end="# END install-spin-shim.sh: runtime $runtime"
# Drop the block of an earlier run, and the blank line this script put before it.
awk -v begin="$begin" -v end="$end" '
  $0 == begin { skip = 1; held = 0; next }
  skip { if ($0 == end) skip = 0; next }
  held { print blank; held = 0 }
  /^[[:space:]]*$/ { blank = $0; held = 1; next }
  { print }
  END { if (held) print blank; if (skip) exit 3 }' "$work/current.toml" >"$work/new.toml" ||
  die "$config has \"$begin\" without \"$end\"; fix it by hand"

# Tables of the CRI plugin's runtimes, in either quoting style.
q="[\"']"
s='[[:space:]]*'
escaped=$(echo "$plugin" | sed 's/\./\\./g')
runtimes="^$s\[${s}plugins$s\.$s$q$escaped$q$s\.${s}containerd$s\.${s}runtimes$s\."
block="[plugins.\"$plugin\".containerd.runtimes.$runtime]
  runtime_type = \"io.containerd.spin.v2\""
if grep -Eq "$runtimes$s$q?$runtime$q?$s\]" "$work/new.toml"; then
  say "$config already has a runtime $runtime that this script did not write; left as it is"
  block=
elif [ "$version" = 2 ] && ! grep -Eq "$runtimes" "$work/new.toml"; then
  # containerd 1.x drops its built-in runc once any runtime is configured,
  # and its CRI plugin then fails to load: configure runc as it is built in.
  block="$block
[plugins.\"$plugin\".containerd.runtimes.runc]
  runtime_type = \"io.containerd.runc.v2\""
fi
if [ -n "$block" ]; then
  printf '\n%s\n%s\n%s\n' "$begin" "$block" "$end" >>"$work/new.toml"
fi

if [ -f "$config" ] && same "$work/new.toml" "$config"; then
  say "$config already registers runtime $runtime"
  exit 0
fi

mkdir -p "$(dirname "$config")"
candidate=$config.new.$$
if [ -f "$config" ]; then cp -p "$config" "$candidate"; fi # keeps its owner and mode
cat "$work/new.toml" >"$candidate"
# Checked beside the original, so that relative `imports` resolve the same.
# A configuration that this containerd could not load before is not held
# against the new one.
reject() { rm -f "$candidate"; die "$* so $config is unchanged"; }
if command -v "$containerd" >/dev/null 2>&1 &&
  { [ ! -f "$config" ] || "$containerd" --config "$config" config dump >/dev/null 2>&1; }; then
  "$containerd" --config "$candidate" config dump >"$work/dump.toml" 2>"$work/error" ||
    reject "containerd does not load the new configuration ($(cat "$work/error")),"
  default=$(sed -n "s/^[[:space:]]*default_runtime_name = $q\(.*\)$q\$/\1/p" "$work/dump.toml" | head -n1)
  for name in "$runtime" ${default:+"$default"}; do
    grep -Eq "\.runtimes\.$q?$name$q?\]" "$work/dump.toml" ||
      reject "containerd would have no runtime $name with the new configuration,"
  done
fi
mv -f "$candidate" "$config"
say "registered runtime $runtime (io.containerd.spin.v2) in $config (version $version)"

# 3. containerd reads its configuration only when it starts.
if $restart && command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet containerd; then
  systemctl restart containerd
  say "restarted containerd"
else
  say "containerd loads it when it next starts"
fi
