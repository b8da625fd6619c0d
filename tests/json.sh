# json.sh - json_get for the shell tests (sourced by the lib.sh files,
# which set TOP and TMP).
# json_get FILE KEY: the value of KEY (or of a dotted path, cow.cow_fix) in
# the first JSON line of FILE that has it, read by a JSON parser: strings
# bare unless they would pass for a number, null or a bool (then quoted).
# Every key of FILE is parsed once, into $TMP/.json/ (by its contents'
# CRC and size), and read from there by the shell.
json_get() {
	local sig rec cache
	[ -r "$1" ] || return 1
	sig=$(cksum <"$1")
	cache=$TMP/.json/${sig// /-}
	if [ ! -e "$cache" ]; then
		mkdir -p "$TMP/.json"
		python3 "$TOP/tests/cli/json_get.py" --all "$1" >"$cache.new" && mv "$cache.new" "$cache"
	fi
	while IFS= read -r -d '' rec; do
		[[ $rec == "$2="* ]] && printf '%s\n' "${rec#*=}" && return 0
	done <"$cache"
	return 1
}
