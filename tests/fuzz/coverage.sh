#!/usr/bin/env bash
# coverage.sh [TARGET...] - source coverage of what each fuzz target's
# corpus reaches (seeds + build/fuzz/corpus), with clang's
# -fprofile-instr-generate: every input is run once (-runs=0), then
# llvm-cov prints, per target, the functions of shim/ it exercises.
# Not part of make fuzz; used to fill in the table in README.md.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/fuzz/cov
mkdir -p "$out"
[ $# -gt 0 ] || set -- meminfo status maps zoneinfo numbers config report
cc=${FUZZ_CC:-clang}
flags=(-std=gnu11 -D_GNU_SOURCE -DFORKGUARD_BUILD -I"$top/include" -I"$top/shim/core" -I"$top/shim/render"
	-g -O1 -fprofile-instr-generate -fcoverage-mapping)
srcs=()
for m in core/policy core/policy_limits core/parse core/procfs core/cgroup core/check core/fmt core/config core/event render/report render/report_rule render/report_cow render/describe; do
	srcs+=("$top/shim/$m.c")
done

# the functions each target is about
declare -A funcs=(
	[meminfo]='fg_parse_meminfo|key_value|next_line|scan_u64'
	[status]='fg_parse_status|fg_parse_statm|scan_hex|key_value'
	[maps]='fg_parse_maps_line|fg_parse_vmflags|fg_lines|fg_vmas_walk|walk_line'
	[zoneinfo]='fg_zoneinfo_line|fg_zoneinfo_end|zone_close|word_at|fg_lines'
	[numbers]='fg_parse_u64|fg_parse_u64_prefix|fg_parse_cpulist|fg_parse_release|fg_rule_from_name|fg_path|put|put_pid'
	[config]='fg_config_parse|warn_line|pick|parse_uint|parse_remedies|parse_path|fg_config_expand_pid'
	[report]='fg_report_json|fg_report_text|json_body|put_rule|put_fixes|fg_putjs|fg_putsize|fg_putc'
)

for t in "$@"; do
	bin=$out/cov_$t
	"$cc" "${flags[@]}" -fsanitize=fuzzer -o "$bin" "$top/tests/fuzz/fuzz_$t.c" \
		"${srcs[@]}" -ldl
	rm -f "$out/$t".*.profraw
	(cd "$out" && LLVM_PROFILE_FILE="$out/$t.%p.profraw" "$bin" -runs=0 \
		"$top/tests/fuzz/corpus/$t" "$top/build/fuzz/corpus/$t" >"$out/$t.log" 2>&1)
	llvm-profdata merge -sparse -o "$out/$t.profdata" "$out/$t".*.profraw
	echo "== $t"
	llvm-cov report "$bin" -instr-profile="$out/$t.profdata" -show-functions \
		"${srcs[@]}" | awk -v re="^([^:]*:)?(${funcs[$t]})$" '
		$1 ~ re { sub(/^[^:]*:/, "", $1)
			printf "%-22s lines %4d/%-4d %7s  branches %4d/%-4d %7s\n",
				$1, $5 - $6, $5, $7, $8 - $9, $8, $10 }'
done
