#!/bin/bash
# tests/layout.sh - the shape of shim/, read from outside: no file over
# MAX lines, no include circle between modules (x.c and x.h are one
# module), no call circle between objects (from nm of build/obj/*/*.o:
# who leaves a symbol undefined that another defines), no include going
# up across the layers (core < render < guard, cli; guard and cli never
# see each other), no file README's Layout does not name.  Prints each fault; exits 1 if there is one.
# Usage: tests/layout.sh [OBJDIR]   (default build/obj; run after make all)
# A file over MAX whose split is an open issue may be named in
# tests/layout.pending ("path issue-number"): it is reported, not failed,
# and a name there that is no longer over MAX is reported to be removed.
set -u
cd "$(dirname "$0")/.." || exit 2
MAX=450
OBJ=${1:-build/obj}
fail=0
fault() {
	echo "layout: $*"
	fail=1
}

# which layers a layer may include from (itself and those below)
allowed() {
	case $1 in
	core) echo "core" ;;
	render) echo "core render" ;;
	guard) echo "core render guard" ;;
	cli) echo "core render cli" ;;
	*) echo "" ;;
	esac
}

pending() {
	[ -f tests/layout.pending ] && grep -v '^#' tests/layout.pending |
		awk -v f="$1" '$1 == f { print $2; exit }'
}
for f in shim/*/*.[ch]; do
	n=$(wc -l <"$f")
	issue=$(pending "$f")
	if [ "$n" -gt "$MAX" ] && [ -n "$issue" ]; then
		echo "layout: pending: $f: $n lines (at most $MAX; issue $issue)"
	elif [ "$n" -gt "$MAX" ]; then
		fault "$f: $n lines (at most $MAX)"
	elif [ -n "$issue" ]; then
		echo "layout: $f is $n lines now: remove it from tests/layout.pending"
	fi
done

# module = layer/name; an edge per #include "x.h" of a shim header; a
# header is found in the including file's own folder first, then in the
# others (an include the -I list would refuse shows as going upward)
inc_edges=$(mktemp) call_edges=$(mktemp)
trap 'rm -f "$inc_edges" "$call_edges"' EXIT
for f in shim/*/*.[ch]; do
	layer=${f#shim/}
	layer=${layer%%/*}
	base=${f##*/}
	mod=$layer/${base%.*}
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r h; do
			if [[ $h == */* ]]; then
				# a path: the folder it lands in is its layer
				tl=$(realpath -m --relative-to=shim "shim/$layer/$h")
				tl=${tl%%/*}
				h=${h##*/}
			elif [ -f "shim/$layer/$h" ]; then
				tl=$layer
			else
				tl=
				for d in shim/*/; do
					[ -f "$d$h" ] && tl=$(basename "$d") && break
				done
			fi
			[ -n "$tl" ] || continue # include/forkguard.h: the public API
			case " $(allowed "$layer") " in
			*" $tl "*) ;;
			*) echo "UP $f includes $tl/$h" ;;
			esac
			[ "$tl/${h%.h}" != "$mod" ] && echo "$mod $tl/${h%.h}"
		done
done >"$inc_edges"
while read -r a b; do
	[ "$a" = UP ] && fault "${b} (upward)"
done < <(grep '^UP ' "$inc_edges")
sed -i '/^UP /d' "$inc_edges"

# tsort names every loop it meets on stderr and fails: one fault a loop
loops() {
	local kind=$1 out line
	shift
	out=$(cat "$@" | tsort 2>&1 >/dev/null) && return 0
	while read -r line; do
		fault "$kind circle: $line"
	done < <(echo "$out" | awk '/input contains a loop/ { if (l) print l; l = ""; next }
		{ sub(/^tsort: /, ""); l = l (l ? " -> " : "") $0 } END { if (l) print l }')
}
loops include "$inc_edges"

# the object of each source (an object whose source is gone is not read)
objs=()
for f in shim/*/*.c; do
	o=${f#shim/}
	objs+=("$OBJ/${o%.c}.o")
done
missing=$(for o in "${objs[@]}"; do [ -f "$o" ] || echo "$o"; done)
if [ -n "$missing" ]; then
	fault "no object" $missing "(run make all first)"
else
	for o in "${objs[@]}"; do
		l=${o%/*}
		m=${l##*/}/$(basename "$o" .o)
		nm --defined-only "$o" | awk -v m="$m" '$2 ~ /[TDBRVW]/ { print "D", $3, m }'
		nm --undefined-only "$o" | awk -v m="$m" '{ print "U", $2, m }'
	done | awk '$1 == "D" { def[$2] = $3; next }
		{ use[NR] = $2; who[NR] = $3 }
		END { for (i in use) if ((use[i] in def) && def[use[i]] != who[i])
			print who[i], def[use[i]] }' | sort -u >"$call_edges"
	loops call "$call_edges"
	# a module that calls another whose header includes the first's: a
	# circle only the two graphs together show (x.c calls y.c, y.c
	# includes x.h)
	loops include+call "$inc_edges" "$call_edges"
fi

# README's "Layout" names every file under shim/ (one line each)
if [ -f README.md ]; then
	layout=$(sed -n '/^## Layout/,/^## /p' README.md)
	for f in shim/*/*.[ch]; do
		b=${f##*/}
		m=${b%.*}
		grep -Eq "^  ${m//./\.}(\.[ch]|\.c/\.h) " <<<"$layout" ||
			fault "$f is not in README.md's Layout"
	done
fi

[ $fail = 0 ] && echo "layout: ok ($(ls shim/*/*.[ch] | wc -l) files, $(wc -l <"$inc_edges") include and $(wc -l <"$call_edges") call edges)"
exit $fail
